//! The API's operations, kept as they are routed: the OpenAPI document is checked
//! against this list, so an operation cannot be served undocumented or documented unserved.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};

use super::AppState;

/// One operation: a method on a path, as the router matches it (`{name}` for a segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Operation {
    /// `get` or `post`, as the OpenAPI document keys it.
    pub method: &'static str,
    /// The path.
    pub path: &'static str,
}

/// A router that keeps the operations it serves.
pub(crate) struct Routes {
    router: Router<AppState>,
    operations: Vec<Operation>,
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            operations: Vec::new(),
        }
    }

    /// Serves `GET path`.
    pub(crate) fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.on("get", MethodFilter::GET, path, handler)
    }

    /// Serves `POST path`.
    pub(crate) fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.on("post", MethodFilter::POST, path, handler)
    }

    fn on<H, T>(
        mut self,
        method: &'static str,
        filter: MethodFilter,
        path: &'static str,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, on(filter, handler));
        self.operations.push(Operation { method, path });
        self
    }

    /// Both sets of operations.
    pub(crate) fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self
    }

    /// The same operations, with the router changed by `f` (a layer, say).
    pub(crate) fn map(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    /// What they serve.
    #[cfg(test)]
    pub(crate) fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The router.
    pub(crate) fn into_router(self) -> Router<AppState> {
        self.router
    }
}
