//! `shortlist compare`: two stored evaluations of one organisation side by side, from
//! their traces, against the database like the other admin commands.

use std::io::Write as _;

use super::{EXIT_INVALID, connect};
use crate::config::CompareArgs;
use crate::traces::{compare, stored};

/// Prints what changed between two evaluations; [`EXIT_INVALID`] when they cannot be
/// compared (unknown, of two organisations or two verticals).
///
/// # Errors
///
/// The database, or a stored trace that does not read.
pub async fn compare_command(args: CompareArgs) -> anyhow::Result<i32> {
    let store = connect(&args.database.database_url).await?;
    let mut traces = Vec::with_capacity(2);
    for id in [&args.from, &args.to] {
        let Some(row) = store.trace_any_org(id).await? else {
            writeln!(std::io::stderr().lock(), "there is no trace of {id}")?;
            return Ok(EXIT_INVALID);
        };
        traces.push(row);
    }
    if traces[0].org_id != traces[1].org_id {
        writeln!(
            std::io::stderr().lock(),
            "{} and {} are evaluations of two organisations: only one organisation's compare",
            args.from,
            args.to
        )?;
        return Ok(EXIT_INVALID);
    }
    let (from, to) = (stored::decode(&traces[0])?, stored::decode(&traces[1])?);
    let comparison = match compare::compare((&args.from, &from), (&args.to, &to)) {
        Ok(comparison) => comparison,
        Err(e @ compare::Error::OtherVerticals { .. }) => {
            writeln!(std::io::stderr().lock(), "{e}")?;
            return Ok(EXIT_INVALID);
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&comparison)?)?;
    } else {
        write!(out, "{}", comparison.to_text(args.limit))?;
    }
    Ok(0)
}
