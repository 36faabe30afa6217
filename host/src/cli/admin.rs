//! Operator commands against the database: organisations, API keys, pools.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::auth;
use crate::eval::Pool;
use crate::runtime::Module;
use crate::store::{ApiKey, Org, PoolVersion, Store};
use crate::time::now_ms;
use crate::vertical::Vertical;

/// Most record problems printed by a failed import.
const MAX_REPORTED: usize = 50;

/// Creates an organisation.
///
/// # Errors
///
/// A duplicate name, or the database.
pub async fn create_org(store: &Store, name: &str) -> anyhow::Result<Org> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        bail!("an organisation name is 1 to 100 characters");
    }
    let id = format!("org_{}", crate::base62::random(12)?);
    match store.create_org(&id, name, now_ms()).await {
        Err(crate::store::Error::Conflict(_)) => {
            bail!("an organisation named {name:?} already exists")
        }
        other => Ok(other?),
    }
}

/// Finds an organisation by name.
///
/// # Errors
///
/// No such organisation, or the database.
pub async fn org(store: &Store, name: &str) -> anyhow::Result<Org> {
    store.org_by_name(name).await?.with_context(|| {
        format!("no organisation named {name:?}; create it with `shortlist org create`")
    })
}

/// Sets how long an organisation's finished jobs are kept (`None`: the deployment's
/// default).
///
/// # Errors
///
/// Unknown organisation, or the database.
pub async fn set_retention(
    store: &Store,
    name: &str,
    window: Option<crate::retention::Window>,
) -> anyhow::Result<()> {
    let org = org(store, name).await?;
    let days = window.map(|window| i64::from(window.days()));
    if !store.set_retention(&org.id, days, now_ms()).await? {
        bail!("no organisation named {name:?}");
    }
    Ok(())
}

/// Creates an API key for an organisation and returns the whole key (shown once).
///
/// # Errors
///
/// Unknown organisation, or the database.
pub async fn create_key(store: &Store, org_name: &str) -> anyhow::Result<String> {
    let org = org(store, org_name).await?;
    let key = auth::generate()?;
    store
        .insert_key(&ApiKey {
            id: key.id,
            org_id: org.id,
            hash: key.hash,
            revoked: false,
            created_at: now_ms(),
        })
        .await?;
    Ok(key.key)
}

/// Revokes a key given whole or by id.
///
/// # Errors
///
/// Unknown or already revoked key, or the database.
pub async fn revoke_key(store: &Store, key: &str) -> anyhow::Result<()> {
    let id = auth::key_id(key).unwrap_or(key);
    if !store.revoke_key(id, now_ms()).await? {
        bail!("no active key with id {id}");
    }
    Ok(())
}

/// A pool file's records, each with where it is, as problems name it: `line N` in NDJSON,
/// `record N (line L)` in a JSON array (whose records may share a line).
fn records(text: &str) -> anyhow::Result<Vec<(String, Value)>> {
    if text.trim_start().starts_with('[') {
        let raw: Vec<&RawValue> =
            serde_json::from_str(text).context("the file is not a JSON array")?;
        // Records come in file order: count the newlines once, from one record to the next.
        let (mut counted, mut line) = (0, 1);
        raw.into_iter()
            .enumerate()
            .map(|(i, r)| {
                // The raw slice points into `text`: its address gives its offset.
                let offset = r.get().as_ptr() as usize - text.as_ptr() as usize;
                line += text[counted..offset]
                    .bytes()
                    .filter(|b| *b == b'\n')
                    .count();
                counted = offset;
                let at = format!("record {} (line {line})", i + 1);
                let value = serde_json::from_str(r.get()).with_context(|| at.clone())?;
                Ok((at, value))
            })
            .collect()
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                Ok((
                    format!("line {}", i + 1),
                    serde_json::from_str(l)
                        .with_context(|| format!("line {}: not a JSON object", i + 1))?,
                ))
            })
            .collect()
    }
}

/// Checks every record of a pool file against the host's rule and the vertical's modules,
/// then stores it as the pool's next version. Nothing is stored if any record is bad.
///
/// # Errors
///
/// The bad records, by line (at most 50 listed), or the database.
pub async fn import_pool(
    store: &Store,
    vertical: &Vertical,
    org_id: &str,
    pool_id: &str,
    text: &str,
) -> anyhow::Result<PoolVersion> {
    let records = records(text)?;
    if records.is_empty() {
        bail!("the pool has no records");
    }
    // The host's own rule first: every record an object with a name. A problem is the
    // record's position and what is wrong with it.
    let mut problems: Vec<(usize, String)> = Vec::new();
    let mut named = Vec::with_capacity(records.len());
    for (i, (at, record)) in records.iter().enumerate() {
        match record.get("name").and_then(Value::as_str) {
            Some(name) if !name.trim().is_empty() => named.push((i, record)),
            _ => problems.push((i, format!("{at}: not an object with a non-empty \"name\""))),
        }
    }
    // Then every module must be able to read every named record.
    for module in vertical.modules() {
        problems.extend(unreadable(module, &records, &named).await);
    }
    problems.sort_by_key(|(i, _)| *i);
    if !problems.is_empty() {
        return Err(report(problems));
    }
    let values: Vec<Value> = records.into_iter().map(|(_, v)| v).collect();
    let pool = Pool::from_values(pool_id, values)?;
    let version = store
        .insert_pool_version(
            org_id,
            pool_id,
            &vertical.manifest().vertical,
            pool.json(),
            pool.len() as i64,
            pool.version(),
            now_ms(),
        )
        .await?;
    Ok(version)
}

/// The records a module cannot prepare, as problems (see [`import_pool`]). All are
/// prepared at once; a set that fails is halved and each half prepared again, so that
/// `k` bad records among `n` cost about `2k log2(n)` calls, not `n`. A set that fails
/// while each of its halves prepares (a module refusing a combination) is reported as
/// such.
async fn unreadable(
    module: &Module,
    records: &[(String, Value)],
    named: &[(usize, &Value)],
) -> Vec<(usize, String)> {
    let name = &module.info().name;
    let prepare = async |set: &std::ops::Range<usize>| {
        let values = named[set.clone()]
            .iter()
            .map(|(_, v)| (*v).clone())
            .collect();
        module
            .prepare_pool(&Value::Array(values).to_string())
            .await
            .err()
    };
    let mut problems = Vec::new();
    // Sets known to fail, with why.
    let whole = 0..named.len();
    let mut failing: Vec<_> = prepare(&whole)
        .await
        .map(|e| (whole, e))
        .into_iter()
        .collect();
    while let Some((set, e)) = failing.pop() {
        if set.len() == 1 {
            let i = named[set.start].0;
            problems.push((i, format!("{}: module {name}: {e}", records[i].0)));
            continue;
        }
        let middle = set.start + set.len() / 2;
        let mut halves_failed = false;
        for half in [set.start..middle, middle..set.end] {
            if let Some(e) = prepare(&half).await {
                halves_failed = true;
                failing.push((half, e));
            }
        }
        if !halves_failed {
            let (first, last) = (named[set.start].0, named[set.end - 1].0);
            let (from, to) = (&records[first].0, &records[last].0);
            problems.push((
                first,
                format!(
                    "{from}: module {name} cannot prepare {from} to {to} together, though it prepares each half: {e}"
                ),
            ));
        }
    }
    problems
}

fn report(problems: Vec<(usize, String)>) -> anyhow::Error {
    let total = problems.len();
    let records: std::collections::BTreeSet<usize> = problems.iter().map(|(i, _)| *i).collect();
    let records = records.len();
    let mut problems: Vec<String> = problems.into_iter().map(|(_, p)| p).collect();
    problems.truncate(MAX_REPORTED);
    let more = if total > MAX_REPORTED {
        format!("\n... and {} more", total - MAX_REPORTED)
    } else {
        String::new()
    };
    anyhow::anyhow!(
        "{records} bad record(s), nothing imported:\n{}{more}",
        problems.join("\n")
    )
}

/// Reads a file, or stdin for `-`.
///
/// # Errors
///
/// An unreadable file.
pub fn read_input(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// Prints pools as a table.
///
/// # Errors
///
/// Writing to stdout.
pub fn print_pools(pools: &[PoolVersion]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<20} {:<24} {:>7} {:<12} {:>8}  content",
        "org", "pool", "version", "vertical", "size"
    )?;
    for p in pools {
        writeln!(
            out,
            "{:<20} {:<24} {:>7} {:<12} {:>8}  {}",
            p.org_id,
            p.pool_id,
            p.version,
            p.vertical,
            p.size,
            &p.content_hash[..12.min(p.content_hash.len())]
        )?;
    }
    Ok(())
}
