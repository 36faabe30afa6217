//! The `shortlist` command line: `eval`, `sample`, `modules`, `serve`, `demo`, and the admin commands.

pub mod admin;
mod audit;
mod authoring;
mod fixtures;
mod replay;
pub mod serve;
mod vertical;
mod watch;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::catalogue::Catalogue;
use crate::config::{
    AuditKeyCommand, Cli, Command, EvalArgs, KeyCommand, ModuleSource, ModulesArgs, OrgCommand,
    PoolCommand, RuntimeArgs, SampleCommand, WebhookSecretCommand,
};
use crate::eval::{self, Job, Pool, PreparedPool};
use crate::registry;
use crate::runtime::Runtime;
use crate::store::Store;
use crate::traces::links::AuditLinks;
use crate::vertical::Vertical;

/// Prefix of `--profile` and `--pool` values that name sample data instead of a file.
pub const SAMPLE: &str = "sample:";
/// Pool size of `--pool sample:`.
pub const DEFAULT_SAMPLE_SIZE: usize = 2000;

/// Exit code of an evaluation that ran and failed (a module failure).
pub const EXIT_FAILED: i32 = 1;
/// Exit code of bad input (an invalid profile or pool).
pub const EXIT_INVALID: i32 = 2;

/// Runs a parsed command line and returns the process exit code.
///
/// # Errors
///
/// Unreadable files, an unknown vertical, modules that do not load.
pub async fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Eval(args) => eval_command(args).await,
        Command::Sample(command) => sample_command(command).await,
        Command::Modules(args) => modules_command(args).await,
        Command::Serve(args) => serve::serve(args).await,
        Command::Demo(args) => serve::demo(args).await,
        Command::Test(args) => fixtures::test_command(args).await,
        Command::New(args) => authoring::new_command(args).await,
        Command::Org(OrgCommand::Create { name, database }) => {
            let org = admin::create_org(&connect(&database.database_url).await?, &name).await?;
            writeln!(std::io::stdout().lock(), "{}", org.id)?;
            Ok(0)
        }
        Command::Org(OrgCommand::Retention {
            name,
            days,
            default: _,
            database,
        }) => {
            let store = connect(&database.database_url).await?;
            let window = days.map(crate::retention::Window::from_days);
            admin::set_retention(&store, &name, window).await?;
            let mut out = std::io::stdout().lock();
            match window {
                Some(window) => writeln!(out, "{name} keeps finished jobs {}", window.phrase())?,
                None => writeln!(
                    out,
                    "{name} keeps finished jobs as long as the deployment's --retention-days"
                )?,
            }
            Ok(0)
        }
        Command::Key(KeyCommand::Create { org, database }) => {
            let key = admin::create_key(&connect(&database.database_url).await?, &org).await?;
            // Alone on stdout, so scripts can capture it.
            writeln!(std::io::stdout().lock(), "{key}")?;
            Ok(0)
        }
        Command::Key(KeyCommand::Revoke { key, database }) => {
            admin::revoke_key(&connect(&database.database_url).await?, &key).await?;
            Ok(0)
        }
        Command::Pool(PoolCommand::Import {
            org,
            pool,
            vertical,
            file,
            database,
            runtime: runtime_args,
        }) => {
            let store = connect(&database.database_url).await?;
            let org = admin::org(&store, &org).await?;
            let text = admin::read_input(&file)?;
            let catalogue = catalogue(
                &store,
                runtime(&runtime_args)?,
                crate::catalogue::PREPARED_POOL_BYTES,
            )
            .await?;
            let release = catalogue.release(&vertical).with_context(|| {
                format!("vertical {vertical} has no active release; publish one with `shortlist vertical publish`")
            })?;
            let version =
                admin::import_pool(&store, &release.vertical, &org.id, &pool, &text).await?;
            writeln!(
                std::io::stdout().lock(),
                "imported {} version {} ({} candidates)",
                version.pool_id,
                version.version,
                version.size
            )?;
            Ok(0)
        }
        Command::WebhookSecret(WebhookSecretCommand::Show { org, database }) => {
            let store = connect(&database.database_url).await?;
            let org = admin::org(&store, &org).await?;
            let secrets = crate::jobs::org_secrets(&store, &org.id).await?;
            let mut out = std::io::stdout().lock();
            for secret in secrets {
                writeln!(out, "{}", secret.to_text())?;
            }
            Ok(0)
        }
        Command::WebhookSecret(WebhookSecretCommand::Rotate { org, database }) => {
            let store = connect(&database.database_url).await?;
            let org = admin::org(&store, &org).await?;
            crate::jobs::org_secrets(&store, &org.id).await?;
            let secret = crate::jobs::rotate_secret(&store, &org.id).await?;
            writeln!(std::io::stdout().lock(), "{}", secret.to_text())?;
            Ok(0)
        }
        Command::Vertical(command) => vertical::run(command).await,
        Command::Replay(args) => replay::replay_command(args).await,
        Command::Whatif(args) => replay::whatif_command(args).await,
        Command::Compare(args) => audit::compare_command(args).await,
        Command::AuditLink(args) => {
            let store = connect(&args.database.database_url).await?;
            let ttl = crate::config::parse_duration(&args.ttl)?;
            let job = store
                .job_any_org(&args.eval_id)
                .await?
                .with_context(|| format!("there is no job {}", args.eval_id))?;
            let links = AuditLinks::new(store, ttl);
            let url = links
                .mint(&args.public_url, &job.id, &job.org_id, None)
                .await?;
            writeln!(std::io::stdout().lock(), "{url}")?;
            Ok(0)
        }
        Command::AuditKey(AuditKeyCommand::Rotate { revoke, database }) => {
            let store = connect(&database.database_url).await?;
            let id = AuditLinks::new(store, crate::traces::links::DEFAULT_TTL)
                .rotate(revoke)
                .await?;
            writeln!(std::io::stdout().lock(), "{id}")?;
            Ok(0)
        }
        Command::Pool(PoolCommand::List { org, database }) => {
            let store = connect(&database.database_url).await?;
            let org_id = match org {
                Some(name) => Some(admin::org(&store, &name).await?.id),
                None => None,
            };
            admin::print_pools(&store.list_pools(org_id.as_deref()).await?)?;
            Ok(0)
        }
    }
}

async fn connect(url: &str) -> anyhow::Result<Store> {
    Store::connect(url)
        .await
        .with_context(|| format!("opening the database {}", crate::config::redact_url(url)))
}

/// Loads a vertical, built in or from a directory.
///
/// # Errors
///
/// Unknown vertical, or modules that fail to load or do not match the manifest.
pub async fn load_vertical(
    runtime: &Runtime,
    name: &str,
    source: &ModuleSource,
) -> anyhow::Result<Vertical> {
    let vertical = match &source.modules {
        Some(dir) => Vertical::from_dir(runtime, dir)
            .await
            .with_context(|| format!("loading modules from {}", dir.display()))?,
        None => Vertical::builtin(runtime, name).await?,
    };
    if vertical.manifest().vertical != name {
        bail!(
            "{} holds vertical {}, not {name}",
            source
                .modules
                .as_deref()
                .unwrap_or(Path::new("-"))
                .display(),
            vertical.manifest().vertical
        );
    }
    Ok(vertical)
}

/// The releases the database holds, loaded: the built-in verticals are published first
/// where their content is not a release yet, and activated where their vertical has none.
///
/// # Errors
///
/// A built-in vertical refused, or the database.
pub async fn catalogue(
    store: &Store,
    runtime: Runtime,
    pool_budget: usize,
) -> anyhow::Result<Catalogue> {
    for id in registry::publish_builtins(store, &runtime)
        .await
        .context("publishing the built-in verticals")?
    {
        tracing::info!(release.id = %id, "Built-in vertical published and activated.");
    }
    let catalogue = Catalogue::with_pool_budget(runtime, pool_budget);
    catalogue
        .sync(store)
        .await
        .context("loading the active releases")?;
    for (vertical, problem) in catalogue.problems() {
        tracing::error!(%vertical, release.id = %problem.release, error = %problem.message, "An active release does not load here.");
    }
    Ok(catalogue)
}

fn runtime(args: &RuntimeArgs) -> anyhow::Result<Runtime> {
    Runtime::new(args.runtime_config()).context("starting the plugin runtime")
}

async fn eval_command(args: EvalArgs) -> anyhow::Result<i32> {
    let runtime = runtime(&args.runtime)?;
    let vertical = load_vertical(&runtime, &args.vertical, &args.source).await?;
    let profile = match args.profile.strip_prefix(SAMPLE) {
        Some(name) => crate::sample::profile(&vertical, (!name.is_empty()).then_some(name)).await?,
        None => read_json(Path::new(&args.profile))?,
    };
    let pool = match args.pool.strip_prefix(SAMPLE) {
        Some(size) => {
            let size = if size.is_empty() {
                DEFAULT_SAMPLE_SIZE
            } else {
                size.parse().context("sample:<size> takes a number")?
            };
            Pool::from_values(
                &args.pool_id,
                crate::sample::pool(&vertical, size, 1).await?,
            )
        }
        None => {
            let text = std::fs::read_to_string(&args.pool)
                .with_context(|| format!("reading {}", args.pool))?;
            Pool::from_json(&args.pool_id, &text)
        }
    };
    let pool = match pool {
        Ok(pool) => Arc::new(pool),
        Err(e) => return invalid(&e.to_string(), Vec::new()),
    };
    let eval_id = args
        .eval_id
        .clone()
        .unwrap_or_else(|| eval::derive_eval_id(&profile, &pool, &vertical));
    let sandbox = eval::sandbox_for(&eval_id, Duration::from_secs(args.clock));

    let problems = eval::validate(&vertical, &profile, &sandbox).await?;
    if let Some(first) = problems.first() {
        let details = problems
            .iter()
            .map(|p| json!({ "field": p.field, "message": p.message }))
            .collect();
        return invalid(&first.message, details);
    }

    let prepared = PreparedPool::prepare(&vertical, pool).await?;
    let audit_url = format!("{}/traces/{eval_id}", args.public_url.trim_end_matches('/'));
    let job = Job {
        eval_id,
        profile,
        sandbox,
        audit_url,
        release: None,
        timings: args.timings,
        progress: None,
    };
    let evaluation = eval::evaluate(&vertical, &prepared, &job).await;

    if let Some(path) = &args.trace {
        let trace = serde_json::to_vec_pretty(&evaluation.trace)?;
        std::fs::write(path, trace).with_context(|| format!("writing {}", path.display()))?;
    }
    print_json(&evaluation.result)?;
    Ok(
        if evaluation.result.status == crate::eval::EvalStatus::Completed {
            0
        } else {
            EXIT_FAILED
        },
    )
}

/// Prints the API's 400 error shape to stderr and returns [`EXIT_INVALID`].
fn invalid(message: &str, details: Vec<Value>) -> anyhow::Result<i32> {
    let body =
        json!({ "error": { "code": "invalid_request", "message": message, "details": details } });
    writeln!(
        std::io::stderr().lock(),
        "{}",
        serde_json::to_string_pretty(&body)?
    )?;
    Ok(EXIT_INVALID)
}

async fn sample_command(command: SampleCommand) -> anyhow::Result<i32> {
    match command {
        SampleCommand::Pool {
            vertical,
            size,
            seed,
            source,
            runtime: runtime_args,
        } => {
            let vertical = load_vertical(&runtime(&runtime_args)?, &vertical, &source).await?;
            let pool = crate::sample::pool(&vertical, size, seed).await?;
            // One candidate per line keeps large pools readable and diffable.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            writeln!(out, "[")?;
            for (i, candidate) in pool.iter().enumerate() {
                let comma = if i + 1 < pool.len() { "," } else { "" };
                writeln!(out, "  {}{comma}", serde_json::to_string(candidate)?)?;
            }
            writeln!(out, "]")?;
            out.flush()?;
        }
        SampleCommand::Profile {
            vertical,
            name,
            list,
            source,
            runtime: runtime_args,
        } => {
            let vertical = load_vertical(&runtime(&runtime_args)?, &vertical, &source).await?;
            if list {
                let profiles = crate::sample::profiles(&vertical).await?;
                let mut out = std::io::stdout().lock();
                for (name, _) in profiles {
                    writeln!(out, "{name}")?;
                }
            } else {
                print_json(&crate::sample::profile(&vertical, name.as_deref()).await?)?;
            }
        }
    }
    Ok(0)
}

async fn modules_command(args: ModulesArgs) -> anyhow::Result<i32> {
    let runtime = runtime(&args.runtime)?;
    let vertical = load_vertical(&runtime, &args.vertical, &args.source).await?;
    let modules: Vec<_> = vertical.modules().map(|m| m.info()).collect();
    print_json(&json!({ "vertical": vertical.manifest(), "modules": modules }))?;
    Ok(0)
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
