//! Shared helpers of the end-to-end tests and benchmarks: fixture modules, sample data, runtimes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use shortlist_host::eval::{self, Job, Pool, PreparedPool};
use shortlist_host::runtime::{Runtime, RuntimeConfig};
use shortlist_host::vertical::{Manifest, Vertical};

pub mod browser;

mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixture_modules.rs"));
}

/// The clock every test job sees: 2026-01-01T00:00:00Z.
pub const TEST_CLOCK: Duration = Duration::from_secs(1_767_225_600);

/// The bytes of a fixture module, by crate name (e.g. `shortlist-fixture-hostile`).
pub fn fixture(name: &str) -> &'static [u8] {
    let file = format!("{}.wasm", name.replace('-', "_"));
    fixtures::FIXTURE_MODULES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("no fixture {file}"))
}

/// A runtime with a shared compiled-module cache under the target directory.
pub fn runtime(config: RuntimeConfig) -> Runtime {
    let cache =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-module-cache");
    Runtime::new(RuntimeConfig {
        cache_dir: Some(cache),
        // As the binary's `--perf-map`: name guest functions when profiling a bench.
        perf_map: config.perf_map
            || std::env::var_os(shortlist_host::config::ENV_PERF_MAP).is_some(),
        ..config
    })
    .expect("runtime starts")
}

/// A component with a custom section appended: the same code, other bytes, another hash.
/// What a rebuild that changes nothing would look like to the registry.
pub fn restamp(component: &[u8], stamp: &str) -> Vec<u8> {
    let name = b"shortlist-test-stamp";
    let mut content = vec![u8::try_from(name.len()).expect("a short name")];
    content.extend_from_slice(name);
    content.extend_from_slice(stamp.as_bytes());
    let mut bytes = component.to_vec();
    bytes.push(0); // a custom section
    bytes.push(u8::try_from(content.len()).expect("a stamp under 100 bytes: one LEB128 byte"));
    bytes.extend_from_slice(&content);
    bytes
}

/// The manifest of the one-module vertical around the hostile fixture.
pub const HOSTILE_MANIFEST: &str = r#"
vertical = "hostile"
description = "Test modules that misbehave."
dimensions = []
modules = ["hostile"]
[points]
L1 = 100
L2 = 70
L3 = 35
L4 = 0
[[tiers]]
name = "ANY"
min_fit = 0
[confidence]
high = 0.9
medium = 0.5
[reasoning]
lead = 1
"#;

/// A one-module vertical from the hostile fixture.
pub async fn hostile_vertical(runtime: &Runtime) -> Vertical {
    let module = runtime
        .load("hostile", fixture("shortlist-fixture-hostile"))
        .await
        .expect("fixture loads");
    let manifest = Manifest::parse("hostile", HOSTILE_MANIFEST).expect("manifest parses");
    Vertical::new(manifest, vec![module]).expect("vertical is consistent")
}

/// Writes the hostile vertical as a module directory (`vertical.toml` and the `.wasm`),
/// as `--modules DIR` and `vertical publish DIR` read it.
pub fn write_hostile_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::write(dir.join("vertical.toml"), HOSTILE_MANIFEST)?;
    std::fs::write(
        dir.join("shortlist_fixture_hostile.wasm"),
        fixture("shortlist-fixture-hostile"),
    )
}

/// A pool of `size` candidates named `first`, `c1`, `c2`, ...
pub fn named_pool(size: usize) -> Arc<Pool> {
    let values: Vec<Value> = (0..size)
        .map(|i| serde_json::json!({ "name": if i == 0 { "first".to_owned() } else { format!("c{i}") } }))
        .collect();
    Arc::new(Pool::from_values("test:pool", values).expect("pool is valid"))
}

/// A job for `profile` with an id and the test clock.
pub fn job(eval_id: &str, profile: Value) -> Job {
    Job {
        eval_id: eval_id.to_owned(),
        sandbox: eval::sandbox_for(eval_id, TEST_CLOCK),
        profile,
        audit_url: format!("http://127.0.0.1:8080/traces/{eval_id}"),
        release: None,
        timings: false,
        progress: None,
    }
}

/// Prepares a pool for a vertical, panicking on failure.
pub async fn prepare(vertical: &Vertical, pool: Arc<Pool>) -> PreparedPool {
    PreparedPool::prepare(vertical, pool)
        .await
        .expect("pool prepares")
}

/// A running service on loopback: SQLite in a temp dir, the built-in verticals, workers,
/// two organisations with a key each, and the sample pool `carriers:all` in the first.
pub struct TestHost {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// The database.
    pub store: shortlist_host::store::Store,
    /// Id of organisation `acme-broker`.
    pub org_a: String,
    /// Key of organisation `acme-broker`, which owns `carriers:all`.
    pub key_a: String,
    /// Key of organisation `other-broker`, which owns no pool.
    pub key_b: String,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The releases it serves (and the runtime, to publish more).
    pub catalogue: Arc<shortlist_host::catalogue::Catalogue>,
    /// What mints and verifies its audit links.
    pub links: Arc<shortlist_host::traces::links::AuditLinks>,
    shutdown: tokio_util::sync::CancellationToken,
    _dir: tempfile::TempDir,
}

/// Size of the test host's sample pool.
pub const TEST_POOL_SIZE: usize = 300;

/// PostgreSQL of this project's machines (CI's too).
pub const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How a [`TestHost`] is set up.
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// `None`: SQLite in a temp dir; `Some(schema)`: PostgreSQL, tables in that (fresh) schema.
    pub postgres_schema: Option<String>,
    /// Candidates in `carriers:all`.
    pub pool_size: usize,
    /// Evaluations at once.
    pub workers: usize,
    /// Which webhook URLs are accepted and reached.
    pub webhook_policy: shortlist_host::webhooks::Policy,
    /// Delays before each webhook attempt; `None` for the production schedule.
    pub webhook_schedule: Option<&'static str>,
    /// Webhook attempts at once; 0 (the default) sends none, so no test reaches
    /// for a host name it was not meant to.
    pub delivery_workers: usize,
    /// The admin API's operator token; `None` turns the admin API off.
    pub admin_token: Option<&'static str>,
    /// The token `/metrics` asks for; `None` leaves it open.
    pub metrics_token: Option<&'static str>,
    /// What one organisation may ask (generous unless a test says otherwise).
    pub quotas: shortlist_host::api::Quotas,
    /// Instance slots of the runtime.
    pub instance_slots: u32,
    /// The HTTP server's timeouts and connection cap.
    pub http: shortlist_host::api::server::HttpConfig,
}

impl Default for HostOptions {
    fn default() -> Self {
        Self {
            postgres_schema: None,
            pool_size: TEST_POOL_SIZE,
            workers: 2,
            webhook_policy: shortlist_host::webhooks::Policy::default(),
            webhook_schedule: None,
            delivery_workers: 0,
            admin_token: None,
            metrics_token: None,
            quotas: shortlist_host::api::Quotas {
                rate_per_org: 100_000.0,
                burst_per_org: 100_000.0,
                max_queued_per_org: 1_000_000,
                validations: 16,
            },
            instance_slots: 32,
            http: shortlist_host::api::server::HttpConfig::default(),
        }
    }
}

impl HostOptions {
    /// Options for webhook tests: loopback over plain HTTP allowed, a compressed
    /// schedule (immediately, then 100 ms twice), two delivery workers.
    pub fn webhooks() -> Self {
        Self {
            webhook_policy: shortlist_host::webhooks::Policy {
                allow_cidrs: shortlist_host::webhooks::parse_cidrs("127.0.0.0/8").expect("a CIDR"),
                allow_http: true,
            },
            webhook_schedule: Some("0,100ms,100ms"),
            delivery_workers: 2,
            ..Self::default()
        }
    }
}

impl TestHost {
    /// Starts a host on SQLite with the default options.
    pub async fn start() -> TestHost {
        Self::start_with(HostOptions::default()).await
    }

    /// Starts a host.
    pub async fn start_with(options: HostOptions) -> TestHost {
        use shortlist_host::{api, cli::admin, jobs, metrics::Metrics, store::Store};
        let dir = tempfile::tempdir().expect("temp dir");
        let store = match &options.postgres_schema {
            None => {
                Store::connect(&format!(
                    "sqlite://{}",
                    dir.path().join("shortlist.db").display()
                ))
                .await
            }
            Some(schema) => {
                reset_schema(schema).await;
                Store::connect_with_schema(POSTGRES_URL, Some(schema)).await
            }
        }
        .expect("database opens");
        let catalogue = Arc::new(
            shortlist_host::cli::catalogue(
                &store,
                runtime(RuntimeConfig {
                    instance_slots: options.instance_slots,
                    ..RuntimeConfig::default()
                }),
                shortlist_host::catalogue::PREPARED_POOL_BYTES,
            )
            .await
            .expect("releases load"),
        );
        let org_a = admin::create_org(&store, "acme-broker")
            .await
            .expect("org a");
        admin::create_org(&store, "other-broker")
            .await
            .expect("org b");
        let key_a = admin::create_key(&store, "acme-broker")
            .await
            .expect("key a");
        let key_b = admin::create_key(&store, "other-broker")
            .await
            .expect("key b");
        let release = catalogue
            .release("insurance")
            .expect("insurance is built in");
        let vertical = &release.vertical;
        let pool = shortlist_plugin_insurance_samples::pool(options.pool_size, 1);
        let text = serde_json::to_string(&pool).expect("pool serializes");
        admin::import_pool(&store, vertical, &org_a.id, "carriers:all", &text)
            .await
            .expect("pool imports");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let metrics = Arc::new(Metrics::default());
        let wake = Arc::new(tokio::sync::Notify::new());
        let delivery_wake = Arc::new(tokio::sync::Notify::new());
        let shutdown = tokio_util::sync::CancellationToken::new();
        let links = Arc::new(shortlist_host::traces::links::AuditLinks::new(
            store.clone(),
            shortlist_host::traces::links::DEFAULT_TTL,
        ));
        let workers = jobs::WorkerConfig {
            name: "test-worker".into(),
            concurrency: options.workers,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(50),
            max_attempts: 3,
            backoff: jobs::Backoff::default(),
            max_running_per_org: i64::MAX,
            public_url: url.clone(),
            links: links.clone(),
            finished: delivery_wake.clone(),
        };
        tokio::spawn(shortlist_host::catalogue::follow(
            catalogue.clone(),
            store.clone(),
            wake.clone(),
            shutdown.clone(),
        ));
        tokio::spawn(jobs::run_workers(
            workers,
            store.clone(),
            catalogue.clone(),
            metrics.clone(),
            wake.clone(),
            shutdown.clone(),
        ));
        let mut retry = shortlist_host::webhooks::RetryPolicy::default();
        if let Some(schedule) = options.webhook_schedule {
            retry.schedule = shortlist_host::webhooks::RetryPolicy::parse_schedule(schedule)
                .expect("a schedule");
        }
        let deliveries = jobs::DeliveryConfig {
            name: "test-delivery".into(),
            concurrency: options.delivery_workers,
            policy: options.webhook_policy.clone(),
            attempt: shortlist_host::webhooks::AttemptConfig::default(),
            retry,
            poll: Duration::from_millis(50),
        };
        tokio::spawn(jobs::run_deliveries(
            deliveries,
            store.clone(),
            delivery_wake.clone(),
            shutdown.clone(),
        ));
        let config = api::ApiConfig {
            public_url: url.clone(),
            max_body_bytes: 64 << 10,
            webhook_policy: options.webhook_policy,
            admin_token: options.admin_token.map(str::to_owned),
            metrics_token: options.metrics_token.map(str::to_owned),
            quotas: options.quotas,
        };
        let app = api::router(api::AppState::new(
            config,
            store.clone(),
            catalogue.clone(),
            metrics,
            links.clone(),
            wake,
            delivery_wake,
        ));
        let stop = shutdown.clone();
        tokio::spawn(api::server::serve(
            listener,
            app,
            options.http,
            async move {
                stop.cancelled().await;
            },
        ));
        TestHost {
            url,
            store,
            org_a: org_a.id,
            key_a,
            key_b,
            // Idle connections are let go before the server's header timeout closes them.
            client: reqwest::Client::builder()
                .pool_idle_timeout(options.http.header_timeout / 2)
                .build()
                .expect("an HTTP client"),
            catalogue,
            links,
            shutdown,
            _dir: dir,
        }
    }

    /// Polls a job until it is completed or failed (for at most 10 s, every 25 ms).
    pub async fn wait_for(&self, key: &str, eval_id: &str) -> Value {
        self.wait_for_within(key, eval_id, Duration::from_secs(10))
            .await
    }

    /// Polls a job until it is completed or failed, for at most `limit`, every 25 ms.
    pub async fn wait_for_within(&self, key: &str, eval_id: &str, limit: Duration) -> Value {
        for _ in 0..limit.as_millis().div_ceil(25) {
            let body: Value = self
                .client
                .get(format!("{}/api/v1/jobs/{eval_id}", self.url))
                .header("X-API-Key", key)
                .send()
                .await
                .expect("status request")
                .json()
                .await
                .expect("status is JSON");
            if body["status"] == "completed" || body["status"] == "failed" {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("job {eval_id} did not finish in {limit:?}");
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Drops and recreates a PostgreSQL schema, so a test starts from nothing.
pub async fn reset_schema(schema: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(POSTGRES_URL)
        .await
        .expect("PostgreSQL at 127.0.0.1:5432 answers");
    sqlx::query(&format!("drop schema if exists \"{schema}\" cascade"))
        .execute(&mut conn)
        .await
        .expect("drop schema");
    let _ = conn.close().await;
}

/// One request a [`Receiver`] got.
#[derive(Clone, Debug)]
pub struct Hit {
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// When it arrived, unix milliseconds.
    pub received_ms: i64,
}

impl Hit {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A webhook receiver on loopback that answers with a scripted sequence of statuses
/// (the last one repeats) and records every request.
pub struct Receiver {
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    hits: Arc<std::sync::Mutex<Vec<Hit>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Starts a receiver answering `statuses` in turn.
    pub async fn start(statuses: &[u16]) -> Receiver {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let url = format!("http://{}/hook", listener.local_addr().expect("bound"));
        let hits: Arc<std::sync::Mutex<Vec<Hit>>> = Arc::default();
        let statuses = statuses.to_vec();
        let recorded = hits.clone();
        let task = tokio::spawn(async move {
            // Bounded: a test never sends more than a few hundred requests.
            for n in 0..1000usize {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                let header_end = loop {
                    let Ok(read) = socket.read(&mut chunk).await else {
                        break None;
                    };
                    if read == 0 {
                        break None;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                    if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break Some(at + 4);
                    }
                };
                let Some(header_end) = header_end else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
                let headers: Vec<(String, String)> = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                let length: usize = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                while buffer.len() < header_end + length {
                    let Ok(read) = socket.read(&mut chunk).await else {
                        break;
                    };
                    if read == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                }
                let body = buffer[header_end..].to_vec();
                let received_ms = shortlist_host::jobs::now_ms();
                recorded.lock().expect("not poisoned").push(Hit {
                    headers,
                    body,
                    received_ms,
                });
                let status = statuses.get(n).or(statuses.last()).copied().unwrap_or(204);
                let reply = format!(
                    "HTTP/1.1 {status} Scripted\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.shutdown().await;
            }
        });
        Receiver { url, hits, task }
    }

    /// The requests so far.
    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("not poisoned").clone()
    }

    /// Waits until at least `n` requests arrived (at most 10 s), and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        self.wait_for_within(n, Duration::from_secs(10)).await
    }

    /// Waits until at least `n` requests arrived (at most `limit`), and returns them all.
    pub async fn wait_for_within(&self, n: usize, limit: Duration) -> Vec<Hit> {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if self.hits().len() >= n {
                return self.hits();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "the receiver got {} requests, not {n}, in {limit:?}",
            self.hits().len()
        );
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}
