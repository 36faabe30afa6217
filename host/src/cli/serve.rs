//! `shortlist serve` and `shortlist demo`: the HTTP API and the workers in one process.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::admin;
use crate::api::{self, ApiConfig, AppState};
use crate::catalogue::{self, Catalogue};
use crate::config::ServeArgs;
use crate::jobs::{DeliveryConfig, WorkerConfig, run_deliveries, run_workers};
use crate::metrics::Metrics;
use crate::runtime::Runtime;
use crate::store::Store;
use crate::traces::links::AuditLinks;
use crate::webhooks::AttemptConfig;

/// Organisation, pool and size the demo sets up.
pub const DEMO_ORG: &str = "demo";
/// Pool id of the demo's sample pool.
pub const DEMO_POOL: &str = "carriers:all";
/// The vertical whose sample pool is [`DEMO_POOL`]: the API's own example is an insurance
/// submission against `carriers:all`. The other verticals' pools are `carriers:<vertical>`.
const DEMO_VERTICAL: &str = "insurance";
const DEMO_POOL_SIZE: usize = 2000;

/// Connects to the database, publishes the built-in verticals where they are not
/// releases yet, and loads the active releases.
async fn start(args: &ServeArgs) -> anyhow::Result<(Store, Arc<Catalogue>)> {
    let store = Store::connect(&args.database.database_url)
        .await
        .with_context(|| {
            format!(
                "opening the database {}",
                crate::config::redact_url(&args.database.database_url)
            )
        })?;
    let runtime =
        Runtime::new(args.runtime.runtime_config()).context("starting the plugin runtime")?;
    let pool_budget = args.pool_cache_mib as usize * 1024 * 1024;
    let catalogue = super::catalogue(&store, runtime, pool_budget).await?;
    Ok((store, Arc::new(catalogue)))
}

/// Runs the service until Ctrl-C or SIGTERM; running jobs finish first.
///
/// # Errors
///
/// The database, the address, or the modules.
pub async fn serve(args: ServeArgs) -> anyhow::Result<i32> {
    let (store, catalogue) = start(&args).await?;
    run(args, store, catalogue).await
}

/// Sets up the demo organisation, a fresh key and a sample pool of each vertical that has
/// sample data, prints a curl of the first vertical's default profile, and serves.
///
/// The first vertical's pool is `carriers:all`, as in the API's example; another's is
/// `carriers:<vertical>`.
///
/// # Errors
///
/// As [`serve`], or a vertical's sample data failing.
pub async fn demo(args: ServeArgs) -> anyhow::Result<i32> {
    let (store, catalogue) = start(&args).await?;
    let org = match store.org_by_name(DEMO_ORG).await? {
        Some(org) => org,
        None => admin::create_org(&store, DEMO_ORG).await?,
    };
    let mut example = None;
    let mut names = crate::vertical::Vertical::builtin_names();
    names.sort_by_key(|name| *name != DEMO_VERTICAL);
    for name in names {
        let Some(release) = catalogue.release(name) else {
            continue;
        };
        if release.vertical.samples().is_none() {
            continue;
        }
        let pool_id = if example.is_none() {
            DEMO_POOL.to_owned()
        } else {
            format!("carriers:{name}")
        };
        if store.current_pool(&org.id, &pool_id).await?.is_none() {
            let pool = crate::sample::pool(&release.vertical, DEMO_POOL_SIZE, 1).await?;
            let text = serde_json::to_string(&pool)?;
            admin::import_pool(&store, &release.vertical, &org.id, &pool_id, &text).await?;
        }
        if example.is_none() {
            let profile = crate::sample::profile(&release.vertical, None).await?;
            example = Some((pool_id, profile));
        }
    }
    let (pool_id, profile) =
        example.context("no active vertical has sample data to set the demo up with")?;
    let key = admin::create_key(&store, DEMO_ORG).await?;
    let url = args.public_url.trim_end_matches('/').to_owned();
    let body = serde_json::to_string_pretty(&serde_json::json!({
        "profile": profile,
        "pool": pool_id,
    }))?
    // Inside the shell's single quotes, a quote is closed, escaped and reopened.
    .replace('\'', r"'\''");
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Demo organisation {DEMO_ORG:?} with pool {pool_id} ({DEMO_POOL_SIZE} candidates)."
    )?;
    writeln!(out, "API key (shown once): {key}\n")?;
    writeln!(out, "Submit the API's example job:\n")?;
    writeln!(
        out,
        "curl -X POST {url}/api/v1/jobs \\\n  -H \"Content-Type: application/json\" \\\n  -H \"X-API-Key: {key}\" \\\n  -d '{body}'\n"
    )?;
    writeln!(
        out,
        "Then: curl -H \"X-API-Key: {key}\" {url}/api/v1/jobs/<eval_id>\n"
    )?;
    drop(out);
    run(args, store, catalogue).await
}

async fn run(args: ServeArgs, store: Store, catalogue: Arc<Catalogue>) -> anyhow::Result<i32> {
    let (webhook_policy, retry) = args.webhooks()?;
    let metrics = Arc::new(Metrics::default());
    let wake = Arc::new(Notify::new());
    let delivery_wake = Arc::new(Notify::new());
    let shutdown = CancellationToken::new();
    let name = format!("{}-{}", hostname(), std::process::id());
    let links = Arc::new(AuditLinks::new(store.clone(), args.audit_link_ttl()?));
    let runtime = catalogue.runtime().config();
    // Each worker holds one instance at a time (a call or a pool preparation), each
    // validation one: past the slots, calls would fail for want of one (and be retried).
    let needed = 2 * args.workers + args.validations;
    if runtime.pooling && needed > runtime.instance_slots as usize {
        tracing::warn!(
            instance.slots = runtime.instance_slots,
            instance.needed = needed,
            "Workers and validations may need more instance slots than the runtime has."
        );
    }
    let worker_config = WorkerConfig {
        name: name.clone(),
        concurrency: args.workers,
        lease: Duration::from_millis(args.lease_ms),
        poll: Duration::from_millis(args.poll_ms),
        max_attempts: args.max_attempts,
        backoff: crate::jobs::Backoff::default(),
        max_running_per_org: args.running_cap(),
        public_url: args.public_url.clone(),
        links: links.clone(),
        finished: delivery_wake.clone(),
    };
    let following = tokio::spawn(catalogue::follow(
        catalogue.clone(),
        store.clone(),
        wake.clone(),
        shutdown.clone(),
    ));
    let workers = tokio::spawn(run_workers(
        worker_config,
        store.clone(),
        catalogue.clone(),
        metrics.clone(),
        wake.clone(),
        shutdown.clone(),
    ));
    let delivery_config = DeliveryConfig {
        name,
        concurrency: args.delivery_workers,
        policy: webhook_policy.clone(),
        attempt: AttemptConfig::default(),
        retry,
        poll: Duration::from_millis(args.poll_ms),
    };
    let deliveries = tokio::spawn(run_deliveries(
        delivery_config,
        store.clone(),
        delivery_wake.clone(),
        shutdown.clone(),
    ));
    let janitor = tokio::spawn(crate::retention::run_janitor(
        args.janitor(),
        store.clone(),
        metrics.clone(),
        shutdown.clone(),
    ));
    let config = ApiConfig {
        public_url: args.public_url.clone(),
        max_body_bytes: args.max_body_bytes,
        webhook_policy,
        admin_token: args.admin_token.clone().filter(|t| !t.trim().is_empty()),
        metrics_token: args.metrics_token.clone().filter(|t| !t.trim().is_empty()),
        quotas: args.quotas(),
    };
    let state = AppState::new(
        config,
        store,
        catalogue,
        metrics,
        links,
        wake,
        delivery_wake,
    );
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    info!(http.addr = %listener.local_addr()?, "Listening.");
    let stop = shutdown.clone();
    let http = api::server::HttpConfig {
        header_timeout: Duration::from_millis(args.header_timeout_ms),
        max_connections: args.max_connections,
    };
    api::server::serve(listener, api::router(state), http, async move {
        shutdown_signal().await;
        info!("Shutting down: no new requests; running jobs finish.");
        stop.cancel();
    })
    .await;
    shutdown.cancel();
    workers.await?;
    deliveries.await?;
    following.await?;
    janitor.await?;
    Ok(0)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            let _ = ctrl_c.await;
            return;
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned())
}
