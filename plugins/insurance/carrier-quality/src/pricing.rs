//! The `pricing` dimension: does the carrier's minimum premium fit this account?
//!
//! The ratio of the line's minimum premium to the expected premium decides:
//! up to 35% is L1 (the account is comfortably above the floor), up to 75% L2,
//! up to 100% L3 (priced at the floor), above L4 (the floor exceeds the account).
//! The expected premium is the broker's, or estimated from exposure (`Partial`).
//! A carrier with no minimum premium on file rates L3 with evidence `None`.

use shortlist_insurance_model::format::Money;
use shortlist_insurance_model::{ArchivedCarrier, Profile, Rated};
use shortlist_sdk::{Evidence, Level};

/// Rates the carrier's price floor against the account.
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
    let Some(minimum) = terms.min_premium() else {
        return Rated::new(Level::L3, "no minimum premium on file", Evidence::None);
    };
    let expected = profile.expected_premium(line);
    let ratio = f64::from(minimum) / expected.amount;
    let level = if ratio <= 0.35 {
        Level::L1
    } else if ratio <= 0.75 {
        Level::L2
    } else if ratio <= 1.0 {
        Level::L3
    } else {
        Level::L4
    };
    // `~` marks an estimate in the note as well as in the evidence.
    let (approx, evidence) = if expected.estimated {
        ("~", Evidence::Partial)
    } else {
        ("", Evidence::Full)
    };
    let note = format!(
        "{} minimum vs {approx}{} expected",
        Money(f64::from(minimum)),
        Money(expected.amount)
    );
    Rated::new(level, note, evidence)
}
