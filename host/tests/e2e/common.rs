//! What the end-to-end tests share: the binary run against a database, `serve` replicas,
//! free ports, and polling a job until it settles.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The PostgreSQL every machine of the project (and CI) runs.
pub const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The compiled-module cache every test process shares.
pub fn module_cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-module-cache")
}

/// The binary, run in a directory against a database.
pub struct Env<'a> {
    pub dir: &'a Path,
    pub database_url: String,
}

impl<'a> Env<'a> {
    /// A SQLite database in `dir`.
    pub fn sqlite(dir: &'a Path) -> Self {
        Self {
            dir,
            database_url: format!("sqlite://{}", dir.join("shortlist.db").display()),
        }
    }

    /// A fresh PostgreSQL schema of its own (dropped first if left over), reached through
    /// the connection's `search_path`, as an operator would point replicas at one.
    pub async fn postgres(dir: &'a Path, schema: &str) -> Self {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(POSTGRES_URL)
            .await
            .expect("PostgreSQL at 127.0.0.1:5432");
        conn.execute(format!("drop schema if exists \"{schema}\" cascade").as_str())
            .await
            .expect("drop schema");
        conn.execute(format!("create schema \"{schema}\"").as_str())
            .await
            .expect("create schema");
        conn.close().await.expect("close");
        Self {
            dir,
            database_url: format!("{POSTGRES_URL}?options=-c%20search_path%3D{schema}"),
        }
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shortlist"));
        command
            .current_dir(self.dir)
            .env("DATABASE_URL", &self.database_url)
            .env("SHORTLIST_MODULE_CACHE", module_cache());
        command
    }

    /// Creates the organisation `broker` with a key and imports `size` sample carriers as
    /// its pool `carriers:all`, which publishes and activates the built-in vertical
    /// (`insurance@1`). Returns the key.
    pub fn broker_with_pool(&self, size: usize) -> String {
        self.run(&["org", "create", "broker"]);
        let key = self
            .run(&["key", "create", "--org", "broker"])
            .trim()
            .to_owned();
        assert!(key.starts_with("sl_live_"), "{key}");
        let size = size.to_string();
        let pool = self.run(&["sample", "pool", "--vertical", "insurance", "--size", &size]);
        std::fs::write(self.dir.join("pool.json"), pool).unwrap();
        let imported = self.run(&[
            "pool",
            "import",
            "--org",
            "broker",
            "--pool",
            "carriers:all",
            "--vertical",
            "insurance",
            "pool.json",
        ]);
        assert!(imported.contains("version 1"), "{imported}");
        key
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().expect("the binary runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// Runs a command whatever its outcome.
    pub fn output(&self, args: &[&str]) -> std::process::Output {
        self.command().args(args).output().expect("the binary runs")
    }

    pub fn serve(&self, addr: &str) -> Child {
        self.serve_with(addr, &[])
    }

    pub fn serve_with(&self, addr: &str, env: &[(&str, &str)]) -> Child {
        self.serve_command(addr, env)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts")
    }

    /// `serve` as [`Env::serve_with`] runs it, before its output is directed.
    pub fn serve_command(&self, addr: &str, env: &[(&str, &str)]) -> Command {
        // Defaults first: the caller's settings override them.
        let mut command = self.command();
        command
            .arg("serve")
            .env("SHORTLIST_ADDR", addr)
            .env("SHORTLIST_PUBLIC_URL", format!("http://{addr}"))
            .env("SHORTLIST_WORKERS", "1")
            .env("SHORTLIST_LEASE_MS", "1500")
            .env("SHORTLIST_POLL_MS", "100")
            // These tests submit and poll in bursts; the limits have tests of their own.
            .env("SHORTLIST_RATE_PER_ORG", "100000")
            .env("SHORTLIST_HEADER_TIMEOUT_MS", "120000")
            .env("SHORTLIST_BURST_PER_ORG", "100000")
            .envs(env.iter().copied());
        command
    }
}

/// A child process killed when dropped, so a failing test leaves no server behind.
pub struct Replica(pub Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_addr() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("bound").to_string()
}

pub async fn wait_healthy(client: &reqwest::Client, addr: &str) {
    for _ in 0..300 {
        if client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service did not become healthy in 30 s");
}

pub async fn status(client: &reqwest::Client, addr: &str, key: &str, id: &str) -> Value {
    match client
        .get(format!("http://{addr}/api/v1/jobs/{id}"))
        .header("X-API-Key", key)
        .send()
        .await
    {
        Ok(response) => response.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// Polls a job until it completes or fails (at most `bound`); returns its last status.
pub async fn settled(
    client: &reqwest::Client,
    addr: &str,
    key: &str,
    id: &str,
    bound: Duration,
) -> Value {
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let result = status(client, addr, key, id).await;
        if result["status"] == "completed" || result["status"] == "failed" {
            return result;
        }
        if tokio::time::Instant::now() > deadline {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Submits the API's example profile; returns the eval id.
pub async fn submit(client: &reqwest::Client, addr: &str, key: &str) -> String {
    let body = json!({
        "profile": { "entity": "acme-manufacturing", "state": "CA", "line": "professional_liability", "revenue": 12000000 },
        "pool": "carriers:all"
    });
    let response = client
        .post(format!("http://{addr}/api/v1/jobs"))
        .header("X-API-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    response.json::<Value>().await.unwrap()["eval_id"]
        .as_str()
        .unwrap()
        .to_owned()
}
