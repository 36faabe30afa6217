//! The `coverage` dimension: can the carrier offer the limits asked for, and round out the account?
//!
//! Limits are those requested, or the line's standard limits (e.g. $1M/$2M for
//! prof. liability); workers' comp and property limits are not compared.
//!
//! - L1: the limits are met and the carrier writes the line's companion lines
//!   (e.g. GL and cyber next to prof. liability);
//! - L2: the limits are met, some companion lines are not written;
//! - L3: the carrier's limit is at least half the request (an excess layer would fill the gap);
//! - L4: less than half, or the line is not written.
//!
//! A carrier that states no limits for the line is assumed to offer standard limits
//! (L2, `Partial`) and to fall short of higher ones (L3, `Partial`).

use shortlist_insurance_model::format::{Lines, Money};
use shortlist_insurance_model::{ArchivedCarrier, Line, Profile, Rated};
use shortlist_sdk::{Evidence, Level};

/// Rates the carrier's coverage for the profile.
pub(crate) fn rate(profile: &Profile, carrier: &ArchivedCarrier) -> Rated {
    let Some(line) = profile.line.known() else {
        return Rated::new(Level::L4, "profile line unknown", Evidence::None);
    };
    let Some(terms) = carrier.terms(line) else {
        return Rated::new(
            Level::L4,
            format!("does not write {}", line.display()),
            Evidence::Full,
        );
    };
    // A stack buffer: this runs once per candidate, and a line has at most a few companions.
    let mut buffer = [line; Line::ALL.len()];
    let mut count = 0;
    for &companion in line.companions() {
        if !carrier.writes(companion) {
            buffer[count] = companion;
            count += 1;
        }
    }
    let missing = &buffer[..count];
    let package = Package(line.companions(), missing);
    let met = if missing.is_empty() {
        Level::L1
    } else {
        Level::L2
    };

    let Some((occurrence, aggregate)) = profile.requested_limits(line) else {
        return Rated::new(met, format!("{} {package}", line.display()), Evidence::Full);
    };
    let Some(max_occurrence) = terms.max_per_occurrence() else {
        let standard = line
            .standard_limits()
            .map_or((0.0, 0.0), |(o, a)| (o as f64, a as f64));
        let within_standard = occurrence <= standard.0 && aggregate.is_none_or(|a| a <= standard.1);
        let level = if within_standard {
            Level::L2
        } else {
            Level::L3
        };
        return Rated::new(level, "limits not on file", Evidence::Partial);
    };
    let max_occurrence = max_occurrence as f64;
    let max_aggregate = terms.max_aggregate().map(|a| a as f64);

    // The tighter of the two limits decides; an unstated aggregate is taken as the per-occurrence one.
    let mut shortfall = (
        max_occurrence / occurrence,
        max_occurrence,
        occurrence,
        "limit",
    );
    let mut evidence = Evidence::Full;
    if let Some(aggregate) = aggregate {
        if max_aggregate.is_none() && aggregate > max_occurrence {
            evidence = Evidence::Partial;
        }
        let offered = max_aggregate.unwrap_or(max_occurrence);
        if offered / aggregate < shortfall.0 {
            shortfall = (offered / aggregate, offered, aggregate, "aggregate");
        }
    }
    let (ratio, offered, requested, which) = shortfall;
    if ratio >= 1.0 {
        return Rated::new(
            met,
            format!("{} limits {package}", Money(max_occurrence)),
            evidence,
        );
    }
    let level = if ratio >= 0.5 { Level::L3 } else { Level::L4 };
    Rated::new(
        level,
        format!(
            "{} {which} below {} requested",
            Money(offered),
            Money(requested)
        ),
        evidence,
    )
}

/// The companion-line part of a note: `with GL + cyber`, or `without cyber`. No commas, as
/// the host joins notes into a sentence with them.
struct Package<'a>(&'a [Line], &'a [Line]);

impl std::fmt::Display for Package<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Package(companions, missing) = *self;
        if missing.is_empty() {
            write!(f, "with {}", Lines(companions))
        } else {
            write!(f, "without {}", Lines(missing))
        }
    }
}
