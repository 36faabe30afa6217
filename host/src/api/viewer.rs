//! The audit trace viewer: one HTML page, a script and a stylesheet, embedded in the binary
//! (no CDN; it works offline), and the page that says why a link does not open.
//!
//! The page is a shell: its script fetches the trace from the page's own URL (the same
//! signed capability, asking for JSON) and renders it. Responses forbid everything but
//! this origin's script and style, send no referrer (the URL is a capability), and are
//! not cached.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

const PAGE: &str = include_str!("viewer/index.html");
const ERROR_PAGE: &str = include_str!("viewer/error.html");
const SCRIPT: &str = include_str!("viewer/viewer.js");
const STYLE: &str = include_str!("viewer/viewer.css");

/// The viewer's script.
pub const SCRIPT_PATH: &str = "/viewer/viewer.js";
/// The viewer's stylesheet.
pub const STYLE_PATH: &str = "/viewer/viewer.css";

/// What the viewer's pages may load: this origin's script, style and the trace.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            SCRIPT_PATH,
            get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }),
        )
        .route(
            STYLE_PATH,
            get(|| async { asset("text/css; charset=utf-8", STYLE) }),
        )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// Headers of every viewer page.
fn page(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The viewer, for a trace the request may read.
pub(crate) fn shell() -> Response {
    page(StatusCode::OK, PAGE.to_owned())
}

/// The page a person sees instead of a trace: `status`, a stable `code`, and what to do.
pub(crate) fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    let title = match status {
        StatusCode::GONE => "This audit link has expired",
        StatusCode::NOT_FOUND => "This audit link does not open a trace",
        StatusCode::UNAUTHORIZED => "This trace needs an audit link or an API key",
        _ => "The trace cannot be shown now",
    };
    let body = ERROR_PAGE
        .replace("{{title}}", &escape(title))
        .replace("{{code}}", &escape(code))
        .replace("{{message}}", &escape(message));
    page(status, body)
}

/// Whether a request's `Accept` prefers HTML to JSON: browsers' navigations do, API
/// clients (no `Accept`, `*/*`, `application/json`) do not.
pub(crate) fn wants_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let quality = |wanted: &str| {
        accept
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next()?;
                let q = parts
                    .find_map(|p| p.strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (media.eq_ignore_ascii_case(wanted)).then_some(q)
            })
            .fold(0.0_f32, f32::max)
    };
    let html = quality("text/html");
    html > 0.0 && html >= quality("application/json")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::wants_html;

    #[test]
    fn browsers_get_html_and_api_clients_json() {
        let chrome =
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
        assert!(wants_html(Some(chrome)));
        for client in [
            None,
            Some("*/*"),
            Some("application/json"),
            Some("application/json, text/html;q=0.5"),
        ] {
            assert!(!wants_html(client), "{client:?}");
        }
        assert!(wants_html(Some("text/html;q=0.9, application/json;q=0.9")));
        assert!(!wants_html(Some("text/html;q=0")));
    }
}
