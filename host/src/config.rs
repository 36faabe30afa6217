//! Command-line and environment configuration. Every setting is a flag and a
//! `SHORTLIST_*` variable; this is the only place the environment is read.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand};

use crate::runtime::{Limits, RuntimeConfig};

/// Environment variable of [`RuntimeArgs::module_cache`].
pub const ENV_MODULE_CACHE: &str = "SHORTLIST_MODULE_CACHE";
/// Environment variable of [`RuntimeArgs::call_timeout_ms`].
pub const ENV_CALL_TIMEOUT_MS: &str = "SHORTLIST_CALL_TIMEOUT_MS";
/// Environment variable of [`RuntimeArgs::call_fuel`].
pub const ENV_CALL_FUEL: &str = "SHORTLIST_CALL_FUEL";
/// Environment variable of [`RuntimeArgs::call_memory_mib`].
pub const ENV_CALL_MEMORY_MIB: &str = "SHORTLIST_CALL_MEMORY_MIB";
/// Environment variable of [`RuntimeArgs::call_output_mib`].
pub const ENV_CALL_OUTPUT_MIB: &str = "SHORTLIST_CALL_OUTPUT_MIB";
/// Environment variable of [`RuntimeArgs::no_pooling`].
pub const ENV_NO_POOLING: &str = "SHORTLIST_NO_POOLING";
/// Environment variable of [`Cli::log_format`].
pub const ENV_LOG_FORMAT: &str = "SHORTLIST_LOG_FORMAT";
/// Environment variable of [`RuntimeArgs::perf_map`].
pub const ENV_PERF_MAP: &str = "SHORTLIST_PERF_MAP";
/// Environment variable of `--public-url`.
pub const ENV_PUBLIC_URL: &str = "SHORTLIST_PUBLIC_URL";

/// Environment variable of [`ServeArgs::addr`].
pub const ENV_ADDR: &str = "SHORTLIST_ADDR";
/// Environment variable of [`DatabaseArgs::database_url`] (the conventional name, unprefixed).
pub const ENV_DATABASE_URL: &str = "DATABASE_URL";
/// Environment variable of [`ServeArgs::workers`].
pub const ENV_WORKERS: &str = "SHORTLIST_WORKERS";
/// Environment variable of [`ServeArgs::max_body_bytes`].
pub const ENV_MAX_BODY_BYTES: &str = "SHORTLIST_MAX_BODY_BYTES";
/// Environment variable of [`ServeArgs::lease_ms`].
pub const ENV_LEASE_MS: &str = "SHORTLIST_LEASE_MS";
/// Environment variable of [`ServeArgs::poll_ms`].
pub const ENV_POLL_MS: &str = "SHORTLIST_POLL_MS";

/// Environment variable of [`ServeArgs::webhook_allow_cidrs`].
pub const ENV_WEBHOOK_ALLOW_CIDRS: &str = "SHORTLIST_WEBHOOK_ALLOW_CIDRS";
/// Environment variable of [`ServeArgs::webhook_allow_http`].
pub const ENV_WEBHOOK_ALLOW_HTTP: &str = "SHORTLIST_WEBHOOK_ALLOW_HTTP";
/// Environment variable of [`ServeArgs::webhook_schedule`].
pub const ENV_WEBHOOK_SCHEDULE: &str = "SHORTLIST_WEBHOOK_SCHEDULE";
/// Environment variable of [`ServeArgs::admin_token`].
pub const ENV_ADMIN_TOKEN: &str = "SHORTLIST_ADMIN_TOKEN";
/// Environment variable of [`ServeArgs::metrics_token`].
pub const ENV_METRICS_TOKEN: &str = "SHORTLIST_METRICS_TOKEN";
/// Environment variable of [`ServeArgs::max_attempts`].
pub const ENV_MAX_ATTEMPTS: &str = "SHORTLIST_MAX_ATTEMPTS";
/// Environment variable of [`ServeArgs::header_timeout_ms`].
pub const ENV_HEADER_TIMEOUT_MS: &str = "SHORTLIST_HEADER_TIMEOUT_MS";
/// Environment variable of [`ServeArgs::max_connections`].
pub const ENV_MAX_CONNECTIONS: &str = "SHORTLIST_MAX_CONNECTIONS";
/// Environment variable of [`ServeArgs::max_running_per_org`].
pub const ENV_MAX_RUNNING_PER_ORG: &str = "SHORTLIST_MAX_RUNNING_PER_ORG";
/// Environment variable of [`ServeArgs::max_queued_per_org`].
pub const ENV_MAX_QUEUED_PER_ORG: &str = "SHORTLIST_MAX_QUEUED_PER_ORG";
/// Environment variable of [`ServeArgs::rate_per_org`].
pub const ENV_RATE_PER_ORG: &str = "SHORTLIST_RATE_PER_ORG";
/// Environment variable of [`ServeArgs::burst_per_org`].
pub const ENV_BURST_PER_ORG: &str = "SHORTLIST_BURST_PER_ORG";
/// Environment variable of [`ServeArgs::validations`].
pub const ENV_VALIDATIONS: &str = "SHORTLIST_VALIDATIONS";
/// Environment variable of [`ServeArgs::audit_link_ttl`].
pub const ENV_AUDIT_LINK_TTL: &str = "SHORTLIST_AUDIT_LINK_TTL";
/// Environment variable of [`ServeArgs::delivery_workers`].
pub const ENV_DELIVERY_WORKERS: &str = "SHORTLIST_DELIVERY_WORKERS";
/// Environment variable of [`ServeArgs::retention_days`].
pub const ENV_RETENTION_DAYS: &str = "SHORTLIST_RETENTION_DAYS";
/// Environment variable of [`ServeArgs::janitor_interval_ms`].
pub const ENV_JANITOR_INTERVAL_MS: &str = "SHORTLIST_JANITOR_INTERVAL_MS";
/// Environment variable of [`ServeArgs::pool_cache_mib`].
pub const ENV_POOL_CACHE_MIB: &str = "SHORTLIST_POOL_CACHE_MIB";

/// Default listen address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://shortlist.db";

/// Default public base URL: where `serve` listens by default.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";
/// Default clock of `eval`: 2026-01-01T00:00:00Z.
pub const DEFAULT_EVAL_CLOCK: u64 = 1_767_225_600;

/// Shortlist: rank a pool of candidates against a profile with sandboxed rule modules.
#[derive(Debug, Parser)]
#[command(name = "shortlist", version, about)]
pub struct Cli {
    /// How log lines are written to stderr: `text` for people, `json` (one object a line)
    /// for log collectors. Colour only when stderr is a terminal.
    #[arg(long, global = true, env = ENV_LOG_FORMAT, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// A line of text per event, with its spans' fields.
    #[default]
    Text,
    /// A JSON object per event: `timestamp`, `level`, `target`, `fields`, `span` and
    /// `spans`.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate one profile against a pool and print the result (the API's result shape).
    Eval(EvalArgs),
    /// Print sample data.
    #[command(subcommand)]
    Sample(SampleCommand),
    /// List a vertical's modules: name, version, kind, dimensions, SHA-256, profile fields.
    Modules(ModulesArgs),
    /// Run the HTTP API and the job workers.
    Serve(ServeArgs),
    /// Set up a demo organisation, key and the sample pool `carriers:all`, print a working curl, then serve.
    Demo(ServeArgs),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage candidate pools.
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Show or rotate an organisation's webhook signing secret.
    #[command(name = "webhook-secret", subcommand)]
    WebhookSecret(WebhookSecretCommand),
    /// Run a vertical's fixture tests (`DIR/tests/*.toml`): each case's profile and
    /// candidates through the vertical's modules, compared with what the case expects;
    /// exits 1 when a case fails, 2 when a fixture file cannot be read.
    Test(TestArgs),
    /// Write a new module for a vertical: a skeleton (Rust or Python) that builds, passes
    /// its fixture file and can be published as is, listed in the vertical's manifest.
    New(NewArgs),
    /// Manage a vertical's releases: publish, activate, roll back, list, export, watch.
    #[command(subcommand)]
    Vertical(VerticalCommand),
    /// Re-run a stored job on the release, pool version, clock and seed it ran with; exit 0
    /// when its result and trace come out byte-identical, else 1 and the first difference.
    Replay(ReplayArgs),
    /// Run stored jobs under another release (or modules from a directory) and show what
    /// would change: eligibility, tiers, ranks, and the module outputs behind them.
    Whatif(WhatifArgs),
    /// Compare two stored evaluations of one organisation (before and after a release, or
    /// two versions of a profile): what changed for which candidate, from their traces.
    Compare(CompareArgs),
    /// Mint a fresh audit link for a job (a URL that opens its trace in a browser, with no
    /// API key, until it expires); prints it alone on stdout.
    #[command(name = "audit-link")]
    AuditLink(AuditLinkArgs),
    /// Manage the key that signs audit links.
    #[command(name = "audit-key", subcommand)]
    AuditKey(AuditKeyCommand),
}

/// Arguments of `shortlist test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The vertical's directory: its `vertical.toml` and `tests/`, e.g. `plugins/insurance`.
    pub dir: PathBuf,
    /// Only the cases whose file name or case name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Print the outcome as one JSON document.
    #[arg(long)]
    pub json: bool,
    /// A directory holding the modules' `.wasm` files. Defaults to DIR's own, else this
    /// binary's built-in modules of the vertical.
    #[arg(long)]
    pub modules: Option<PathBuf>,
    /// Limits of each module call.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Arguments of `shortlist new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// `filter` (keeps or rejects candidates) or `scorer` (rates them on a dimension).
    pub kind: crate::authoring::skeleton::Kind,
    /// The module's name: lower-case words joined by `-`, e.g. `min-fleet-size`.
    pub name: String,
    /// The vertical; its directory is `plugins/<vertical>` unless `--dir` names another.
    #[arg(long)]
    pub vertical: String,
    /// The vertical's directory. Defaults to `plugins/<vertical>`.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// The module's language.
    #[arg(long, value_enum, default_value = "rust")]
    pub lang: crate::authoring::skeleton::Lang,
    /// A scorer's dimension, added to the manifest with a weight of 0 (rated and traced,
    /// counted in no fit until weighed). Defaults to the name, with `_` for `-`.
    #[arg(long)]
    pub dimension: Option<String>,
    /// Limits of each module call (the vertical's modules pick the fixture's candidates).
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Arguments of `shortlist audit-link`.
#[derive(Debug, Args)]
pub struct AuditLinkArgs {
    /// The job, e.g. `eval_7xKp2mNc`.
    pub eval_id: String,
    /// How long the link opens the trace, e.g. `7d`, `12h`. Defaults to 30 days.
    #[arg(long, default_value = "30d")]
    pub ttl: String,
    /// Public base URL of the service.
    #[arg(long, env = ENV_PUBLIC_URL, default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// `shortlist audit-key ...`.
#[derive(Debug, Subcommand)]
pub enum AuditKeyCommand {
    /// Make a new key sign audit links from now on. Links signed before keep working
    /// until they expire, unless `--revoke`, which ends them all at once (within a minute
    /// on every replica). Prints the new key's id.
    Rotate {
        /// Revoke every other key: the links they signed stop working.
        #[arg(long)]
        revoke: bool,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `shortlist vertical ...`.
#[derive(Debug, Subcommand)]
pub enum VerticalCommand {
    /// Check a vertical directory (`vertical.toml`, `.wasm` modules, optional `samples/`)
    /// in full and store it as the vertical's next release; prints the release (e.g.
    /// `insurance@2`) alone on stdout. Nothing is stored when any check fails.
    Publish {
        /// The directory.
        dir: PathBuf,
        /// A note kept with the release, e.g. what changed.
        #[arg(long, default_value = "")]
        note: String,
        /// Also make it the active release.
        #[arg(long)]
        activate: bool,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Runtime settings (publishing compiles the modules and smoke-tests them).
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Build a vertical directory's module sources (Rust crates with cargo, `app.py`
    /// files with componentize-py) into a directory that `test`, `publish` and `watch`
    /// read, checked as `publish` checks it; prints that directory alone on stdout.
    Build {
        /// The vertical's source directory, e.g. `plugins/freight`.
        dir: PathBuf,
        /// Where to write `vertical.toml` and the `.wasm` files. Defaults to
        /// `target/verticals/<vertical>`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runtime settings (the built modules are compiled and checked).
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// Make a release its vertical's active one, on every replica within a second.
    Activate {
        /// The release, e.g. `insurance@2`.
        release: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Re-activate the release that was active before the current one.
    Rollback {
        /// The vertical.
        vertical: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List releases: id, whether active, when published, note, and each module's hash.
    List {
        /// Only this vertical's.
        vertical: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Every change of a vertical's active release: when, who, from which, to which.
    History {
        /// The vertical.
        vertical: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write a release as a directory (`vertical.toml` and the `.wasm` files), which
    /// `publish` reads back as the same release.
    Export {
        /// The release (`insurance@2`), or a vertical for its active release.
        release: String,
        /// The directory to write (created if missing).
        dir: PathBuf,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// For authors at work, on a development service: publish and activate the directory
    /// now and on every change of it, until interrupted. A built vertical is published as
    /// it is; a vertical's sources (e.g. `plugins/freight`) are rebuilt first, as `vertical
    /// build` does, and published only when every fixture passes. Failures are printed and
    /// watching goes on.
    Watch {
        /// The directory: a built vertical or a vertical's sources.
        dir: PathBuf,
        /// Where sources are built. Defaults to `target/verticals/<vertical>`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// How often the directory is checked, in ms. Defaults to 500.
        #[arg(long, default_value_t = 500)]
        interval_ms: u64,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Runtime settings.
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
}

/// Arguments of `shortlist replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The job, e.g. `eval_7xKp2mNc`.
    pub eval_id: String,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Runtime settings.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Arguments of `shortlist compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The first ("before") evaluation.
    pub from: String,
    /// The second ("after") evaluation, of the same organisation and vertical.
    pub to: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Candidates printed in text (all in JSON). Defaults to 50.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Arguments of `shortlist whatif`.
#[derive(Debug, Args)]
pub struct WhatifArgs {
    /// The job to re-run; omit it with `--last`.
    #[arg(required_unless_present = "last", conflicts_with = "last")]
    pub eval_id: Option<String>,
    /// The release to run under, e.g. `insurance@3`.
    #[arg(long, required_unless_present = "modules", conflicts_with = "modules")]
    pub release: Option<String>,
    /// A vertical directory to run under instead of a release.
    #[arg(long)]
    pub modules: Option<PathBuf>,
    /// Shadow the release over the N most recently finished jobs of its vertical, and
    /// summarise.
    #[arg(long)]
    pub last: Option<usize>,
    /// With `--last`: only this organisation's jobs.
    #[arg(long, requires = "last")]
    pub org: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Candidates printed per job in text (all in JSON). Defaults to 50.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Runtime settings.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// `shortlist webhook-secret ...`.
#[derive(Debug, Subcommand)]
pub enum WebhookSecretCommand {
    /// Print the secrets that sign now (the current one first), creating one if there is none.
    Show {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Make a new current secret; the old one keeps signing for 24 hours. Prints the new one.
    Rotate {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// The database every command works on.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://PATH` (the default, created if missing) or `postgres://...`.
    #[arg(long, env = ENV_DATABASE_URL, default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// Arguments of `shortlist serve` and `shortlist demo`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Listen address. Defaults to 127.0.0.1:8080.
    #[arg(long, env = ENV_ADDR, default_value = DEFAULT_ADDR)]
    pub addr: String,
    /// The database.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Evaluations run at once by this process. Defaults to 2.
    #[arg(long, env = ENV_WORKERS, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=1024).map(usize::from))]
    pub workers: usize,
    /// Public base URL, for `audit` links. Defaults to http://127.0.0.1:8080.
    #[arg(long, env = ENV_PUBLIC_URL, default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// Cap on request bodies, in bytes. Defaults to 1 MiB.
    #[arg(long, env = ENV_MAX_BODY_BYTES, default_value_t = crate::api::DEFAULT_MAX_BODY_BYTES, value_parser = clap::value_parser!(u32).range(1024..).map(|n| n as usize))]
    pub max_body_bytes: usize,
    /// How long a worker's claim on a job lasts without a heartbeat, in ms. Defaults to 30000.
    #[arg(long, env = ENV_LEASE_MS, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(300..))]
    pub lease_ms: u64,
    /// How often idle workers look for jobs without being woken, in ms. Defaults to 500.
    #[arg(long, env = ENV_POLL_MS, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub poll_ms: u64,
    /// Webhook attempts in flight at once (0 turns delivery off in this process). Defaults to 4.
    #[arg(long, env = ENV_DELIVERY_WORKERS, default_value_t = 4, value_parser = clap::value_parser!(u16).range(0..=1024).map(usize::from))]
    pub delivery_workers: usize,
    /// CIDRs webhooks may reach even though they are not public (tests, on-prem), comma-separated.
    /// Defaults to none.
    #[arg(long, env = ENV_WEBHOOK_ALLOW_CIDRS, default_value = "")]
    pub webhook_allow_cidrs: String,
    /// Allow `http://` webhook URLs (tests, on-prem). Defaults to false.
    #[arg(long, env = ENV_WEBHOOK_ALLOW_HTTP, value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub webhook_allow_http: bool,
    /// Claims of one job whose workers died (their leases ran out) after which it fails as
    /// `worker_lost`: a job that kills its worker does not kill every replica in turn.
    /// Defaults to 5.
    #[arg(long, env = ENV_MAX_ATTEMPTS, default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=1000))]
    pub max_attempts: i64,
    /// Time a client has to send a request's headers, in ms; also the longest a kept-alive
    /// connection may idle before its next request. Defaults to 10000.
    #[arg(long, env = ENV_HEADER_TIMEOUT_MS, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub header_timeout_ms: u64,
    /// Connections served at once; one more gets a 503 and is closed. Defaults to 1024.
    #[arg(long, env = ENV_MAX_CONNECTIONS, default_value_t = crate::api::server::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..=1_000_000).map(|n| n as usize))]
    pub max_connections: usize,
    /// Most jobs of one organisation running at once across all replicas; 0 for no cap.
    /// Claims serve the organisation with the fewest running jobs first either way.
    /// Defaults to 0.
    #[arg(long, env = ENV_MAX_RUNNING_PER_ORG, default_value_t = 0)]
    pub max_running_per_org: u64,
    /// Most jobs one organisation may have waiting; past it, submissions get 429.
    /// Defaults to 1000.
    #[arg(long, env = ENV_MAX_QUEUED_PER_ORG, default_value_t = crate::api::limits_defaults::MAX_QUEUED_PER_ORG, value_parser = clap::value_parser!(i64).range(1..))]
    pub max_queued_per_org: i64,
    /// Requests per second one organisation may make on this replica (all of its API
    /// calls); past it, 429. Defaults to 50.
    #[arg(long, env = ENV_RATE_PER_ORG, default_value_t = crate::api::limits_defaults::RATE_PER_ORG, value_parser = positive_number)]
    pub rate_per_org: f64,
    /// Requests an idle organisation may make at once above that rate. Defaults to 100.
    #[arg(long, env = ENV_BURST_PER_ORG, default_value_t = crate::api::limits_defaults::BURST_PER_ORG, value_parser = at_least_one)]
    pub burst_per_org: f64,
    /// Profile validations (module calls in the submit path) running at once on this
    /// replica, a quarter of them at most for one organisation; past either, submissions
    /// get 429. Defaults to 8.
    #[arg(long, env = ENV_VALIDATIONS, default_value_t = crate::api::limits_defaults::VALIDATIONS, value_parser = clap::value_parser!(u16).range(1..=1024).map(usize::from))]
    pub validations: usize,
    /// How long the `audit` link of a result opens its trace, e.g. `30d`, `12h`. Defaults
    /// to 30 days.
    #[arg(long, env = ENV_AUDIT_LINK_TTL, default_value = "30d")]
    pub audit_link_ttl: String,
    /// The operator token of the admin API (`/admin/v1/...`, `Authorization: Bearer`);
    /// the admin API is off when unset. Defaults to unset.
    #[arg(long, env = ENV_ADMIN_TOKEN, hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The token `/metrics` asks for (`Authorization: Bearer`), for a scraper; `/metrics`
    /// is open when unset. Defaults to unset.
    #[arg(long, env = ENV_METRICS_TOKEN, hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Delays before each webhook attempt, e.g. `0,5s,5m,30m,2h,5h,10h,10h` (the default), each ±20%.
    #[arg(long, env = ENV_WEBHOOK_SCHEDULE)]
    pub webhook_schedule: Option<String>,
    /// How many days finished jobs are kept (with their traces and deliveries) unless
    /// their organisation says otherwise (`shortlist org retention`); 0 keeps them for
    /// ever. Defaults to 90.
    #[arg(long, env = ENV_RETENTION_DAYS, default_value_t = crate::retention::DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub retention_days: u32,
    /// Time between two retention sweeps, in ms. Defaults to 600000 (10 minutes).
    #[arg(long, env = ENV_JANITOR_INTERVAL_MS, default_value_t = 600_000, value_parser = clap::value_parser!(u64).range(100..=86_400_000))]
    pub janitor_interval_ms: u64,
    /// Memory for prepared pools (each module's prepared form of each pool version in
    /// use), in MiB; the least recently used go first. Defaults to 1024.
    #[arg(long, env = ENV_POOL_CACHE_MIB, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub pool_cache_mib: u32,
    /// Runtime settings.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// `shortlist org ...`.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation.
    Create {
        /// Its unique name.
        name: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set how long an organisation's finished jobs (with their traces and webhook
    /// deliveries) are kept; prints the window now in force.
    Retention {
        /// The organisation's name.
        name: String,
        /// Days after a job finished (0 keeps its jobs for ever).
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=36500), conflicts_with = "default", required_unless_present = "default")]
        days: Option<u32>,
        /// Follow the deployment's `--retention-days` again.
        #[arg(long)]
        default: bool,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `shortlist key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key; prints it once, alone on stdout. Only its hash is stored.
    Create {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke an API key, given whole or by its id.
    Revoke {
        /// The key or its id (the 12 characters after `sl_live_`).
        key: String,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `shortlist pool ...`.
#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Import a pool from a JSON array or NDJSON file; every record is checked, and nothing is
    /// imported if any is bad. A re-import makes a new version.
    Import {
        /// The organisation's name.
        #[arg(long)]
        org: String,
        /// The pool's identifier, e.g. `carriers:all`.
        #[arg(long)]
        pool: String,
        /// The vertical whose modules will evaluate it.
        #[arg(long)]
        vertical: String,
        /// The file (`-` for stdin).
        file: PathBuf,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
        /// Runtime settings (the vertical's modules check every record).
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// List pools with their current versions.
    List {
        /// Only this organisation's.
        #[arg(long)]
        org: Option<String>,
        /// The database.
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Arguments of `shortlist eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The vertical, e.g. `insurance`.
    #[arg(long)]
    pub vertical: String,
    /// The profile: a JSON object file, or `sample:[NAME]` for a sample profile.
    #[arg(long)]
    pub profile: String,
    /// The pool: a JSON array file of candidates, or `sample:[SIZE]` for the sample pool (seed 1).
    #[arg(long)]
    pub pool: String,
    /// The pool's identifier, as recorded in the trace.
    #[arg(long, default_value = "carriers:all")]
    pub pool_id: String,
    /// Write the audit trace (JSON) here.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// The evaluation id. Defaults to one derived from the profile, pool version and modules.
    #[arg(long)]
    pub eval_id: Option<String>,
    /// The clock the modules see, in Unix seconds. Defaults to 2026-01-01T00:00:00Z.
    #[arg(long, default_value_t = DEFAULT_EVAL_CLOCK)]
    pub clock: u64,
    /// Record wall times in the trace (the trace is then no longer byte-identical across runs).
    #[arg(long)]
    pub timings: bool,
    /// Public base URL for the result's `audit` link.
    #[arg(long, env = ENV_PUBLIC_URL, default_value = DEFAULT_PUBLIC_URL)]
    pub public_url: String,
    /// Where the modules come from.
    #[command(flatten)]
    pub source: ModuleSource,
    /// Runtime settings.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// `shortlist sample ...`.
#[derive(Debug, Subcommand)]
pub enum SampleCommand {
    /// A deterministic, realistic candidate pool (JSON array).
    Pool {
        /// The vertical.
        #[arg(long)]
        vertical: String,
        /// Number of candidates. Defaults to 2000.
        #[arg(long, default_value_t = 2000)]
        size: usize,
        /// Generator seed. Defaults to 1.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Where the vertical's modules come from.
        #[command(flatten)]
        source: ModuleSource,
        /// Limits of each call of the sample data component.
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
    /// A sample profile (JSON object); the first is the public API's example.
    Profile {
        /// The vertical.
        #[arg(long)]
        vertical: String,
        /// Profile name; omit for the API example. `--list` shows the names.
        name: Option<String>,
        /// List the sample profile names instead.
        #[arg(long)]
        list: bool,
        /// Where the vertical's modules come from.
        #[command(flatten)]
        source: ModuleSource,
        /// Limits of each call of the sample data component.
        #[command(flatten)]
        runtime: RuntimeArgs,
    },
}

/// Arguments of `shortlist modules`.
#[derive(Debug, Args)]
pub struct ModulesArgs {
    /// The vertical.
    #[arg(long)]
    pub vertical: String,
    /// Where the modules come from.
    #[command(flatten)]
    pub source: ModuleSource,
    /// Runtime settings.
    #[command(flatten)]
    pub runtime: RuntimeArgs,
}

/// Where a vertical's modules come from.
#[derive(Debug, Args)]
pub struct ModuleSource {
    /// A directory with `vertical.toml` and `.wasm` modules, instead of the built-in vertical.
    #[arg(long)]
    pub modules: Option<PathBuf>,
}

/// Settings of the plugin runtime.
#[derive(Debug, Args)]
pub struct RuntimeArgs {
    /// Directory caching compiled modules across runs, private to this user (created 0700;
    /// refused when another user owns it or may write to it). Defaults to
    /// `$XDG_CACHE_HOME/shortlist/modules`, else `~/.cache/shortlist/modules`; with neither
    /// variable set, modules are compiled afresh by each process.
    #[arg(long, env = ENV_MODULE_CACHE)]
    pub module_cache: Option<PathBuf>,
    /// Wall-clock deadline of one module call, in milliseconds. Defaults to 10000.
    #[arg(long, env = ENV_CALL_TIMEOUT_MS, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub call_timeout_ms: u64,
    /// Instruction budget of one module call. Defaults to 20 billion.
    #[arg(long, env = ENV_CALL_FUEL, default_value_t = crate::runtime::Limits::default().fuel, value_parser = clap::value_parser!(u64).range(1..))]
    pub call_fuel: u64,
    /// Linear-memory cap of one module instance, in MiB. Defaults to 256.
    #[arg(long, env = ENV_CALL_MEMORY_MIB, default_value_t = 256, value_parser = clap::value_parser!(u16).range(1..=4096).map(usize::from))]
    pub call_memory_mib: usize,
    /// Cap on what one module call returns, in MiB. Defaults to 16.
    #[arg(long, env = ENV_CALL_OUTPUT_MIB, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024).map(usize::from))]
    pub call_output_mib: usize,
    /// Use on-demand instance allocation instead of the pooling allocator.
    #[arg(long, env = ENV_NO_POOLING, value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub no_pooling: bool,
    /// Write `/tmp/perf-<pid>.map` so that `perf` names the compiled plugin functions.
    #[arg(long, env = ENV_PERF_MAP, value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false, num_args = 0..=1, default_missing_value = "true")]
    pub perf_map: bool,
}

impl ServeArgs {
    /// The janitor's settings.
    pub fn janitor(&self) -> crate::retention::JanitorConfig {
        crate::retention::JanitorConfig {
            default: crate::retention::Window::from_days(self.retention_days),
            interval: Duration::from_millis(self.janitor_interval_ms),
        }
    }

    /// The API's per-organisation limits.
    pub fn quotas(&self) -> crate::api::Quotas {
        crate::api::Quotas {
            rate_per_org: self.rate_per_org,
            burst_per_org: self.burst_per_org,
            max_queued_per_org: self.max_queued_per_org,
            validations: self.validations,
        }
    }

    /// The cap on one organisation's running jobs (`i64::MAX` for none).
    pub fn running_cap(&self) -> i64 {
        match self.max_running_per_org {
            0 => i64::MAX,
            n => i64::try_from(n).unwrap_or(i64::MAX),
        }
    }

    /// The lifetime of audit links.
    ///
    /// # Errors
    ///
    /// A duration that does not parse.
    pub fn audit_link_ttl(&self) -> Result<Duration, DurationError> {
        parse_duration(&self.audit_link_ttl)
    }

    /// The webhook policy and retry schedule these settings describe.
    ///
    /// # Errors
    ///
    /// A CIDR or schedule that does not parse.
    pub fn webhooks(
        &self,
    ) -> Result<(crate::webhooks::Policy, crate::webhooks::RetryPolicy), crate::webhooks::Error>
    {
        let policy = crate::webhooks::Policy {
            allow_cidrs: crate::webhooks::parse_cidrs(&self.webhook_allow_cidrs)?,
            allow_http: self.webhook_allow_http,
        };
        let mut retry = crate::webhooks::RetryPolicy::default();
        if let Some(schedule) = &self.webhook_schedule {
            retry.schedule = crate::webhooks::RetryPolicy::parse_schedule(schedule)?;
        }
        Ok((policy, retry))
    }
}

impl RuntimeArgs {
    /// The runtime configuration these settings describe.
    pub fn runtime_config(&self) -> RuntimeConfig {
        let defaults = RuntimeConfig::default();
        let job_limits = Limits {
            deadline: Duration::from_millis(self.call_timeout_ms),
            fuel: self.call_fuel,
            memory_bytes: self.call_memory_mib << 20,
            output_bytes: self.call_output_mib << 20,
            ..Limits::default()
        };
        let cache_dir = self.module_cache.clone().or_else(default_module_cache);
        RuntimeConfig {
            job_limits,
            pooling: !self.no_pooling,
            perf_map: self.perf_map,
            cache_dir,
            ..defaults
        }
    }
}

/// The module cache's default directory: under the user's cache directory, never a
/// predictable path in the shared temp directory.
fn default_module_cache() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("shortlist").join("modules"))
}

/// A duration that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a duration: write a number and a unit, e.g. 30d, 12h, 90m, 45s")]
pub struct DurationError(pub String);

/// Parses a duration such as `30d`, `12h`, `90m` or `45s` (also `7days`, `1h30m`).
///
/// # Errors
///
/// [`DurationError`] for anything else, or zero.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    humantime::parse_duration(text.trim())
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| DurationError(text.to_owned()))
}

/// A number above zero (a rate).
fn positive_number(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(format!("{text:?} is not a number above 0")),
    }
}

/// A number of at least one (a burst).
fn at_least_one(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 1.0 => Ok(n),
        _ => Err(format!("{text:?} is not a number of at least 1")),
    }
}

/// A database URL with its password hidden, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "(a database URL that does not parse)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("shortlist").chain(args.iter().copied()))
    }

    #[test]
    fn out_of_range_settings_are_refused_with_the_range() {
        for args in [
            &["serve", "--lease-ms", "0"][..],
            &["serve", "--workers", "0"],
            &["serve", "--poll-ms", "1"],
            &["serve", "--rate-per-org", "0"],
            &["serve", "--burst-per-org", "0.5"],
            &["serve", "--validations", "0"],
            &[
                "eval",
                "--vertical",
                "v",
                "--profile",
                "p",
                "--pool",
                "p",
                "--call-timeout-ms",
                "0",
            ],
        ] {
            let err = parse(args).expect_err(&format!("{args:?}")).to_string();
            assert!(err.contains("invalid value"), "{args:?}: {err}");
        }
        assert!(parse(&["serve", "--lease-ms", "300"]).is_ok());
    }

    #[test]
    fn booleans_take_the_usual_spellings() {
        for (value, expected) in [
            ("1", true),
            ("yes", true),
            ("true", true),
            ("0", false),
            ("off", false),
        ] {
            let cli = parse(&["serve", "--webhook-allow-http", value]).unwrap();
            let Command::Serve(args) = cli.command else {
                panic!("serve")
            };
            assert_eq!(args.webhook_allow_http, expected, "{value}");
        }
        let Command::Serve(args) = parse(&["serve", "--webhook-allow-http"]).unwrap().command
        else {
            panic!("serve")
        };
        assert!(args.webhook_allow_http, "the bare flag");
    }

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/shortlist"),
            "postgres://app:***@db.example:5432/shortlist"
        );
        assert_eq!(redact_url("sqlite://shortlist.db"), "sqlite://shortlist.db");
    }
}
