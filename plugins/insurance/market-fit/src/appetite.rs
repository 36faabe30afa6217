//! The `appetite` dimension: does the carrier want this business?
//!
//! Every factor caps the level, and the worst cap wins (its reason is the note):
//!
//! | factor | L1 | L2 | L3 | L4 |
//! |---|---|---|---|---|
//! | state, line | written | | | not written |
//! | revenue | in the auto-quote band | in the referral band | | outside the band |
//! | NAICS | eligible, or open appetite | referred | outside a class guide | declined |
//! | appetite source | stated, verified | observed only | | |
//! | data age at the effective date | up to 6 months | up to 12 months | older | |
//!
//! Evidence is `Partial` when the carrier lacks data a factor needs: no revenue band,
//! no class guidance for a profile with a NAICS code, no source, or no date when the
//! profile gives an effective date. Factors the profile gives no data for are skipped.

use std::fmt;

use shortlist_insurance_model::format::{Money, MoneyRange};
use shortlist_insurance_model::{
    AppetiteSource, ArchivedCarrier, ClassFit, Code, Naics, Profile, Rated, RevenueFit,
};
use shortlist_sdk::{Evidence, Level};

/// Appetite data older than this (about 6 months: two quarterly guide revisions) is dated.
const DATED_DAYS: i32 = 183;
/// Appetite data older than this is stale.
const STALE_DAYS: i32 = 365;

/// Rates the carrier's appetite for the profile.
pub(crate) fn rate(profile: &Profile, carrier: &ArchivedCarrier) -> Rated {
    let (Some(state), Some(line)) = (profile.state.known(), profile.line.known()) else {
        return Rated::new(Level::L4, "profile state or line unknown", Evidence::None);
    };
    if !carrier.writes_state(state) {
        return Rated::new(
            Level::L4,
            format!("does not write {}", state.code()),
            Evidence::Full,
        );
    }
    if !carrier.writes(line) {
        return Rated::new(
            Level::L4,
            format!("does not write {}", line.display()),
            Evidence::Full,
        );
    }

    let mut cap = Cap {
        level: Level::L1,
        reason: None,
    };
    let mut partial = false;

    match (
        carrier.revenue.as_ref(),
        carrier.revenue_fit(profile.revenue),
    ) {
        (Some(band), Some(RevenueFit::Refer)) => {
            cap.at(Level::L2, Reason::RefersAbove(band.auto_quote_max()))
        }
        (Some(band), Some(RevenueFit::Below)) => {
            cap.at(Level::L4, Reason::Below(profile.revenue, band.min()))
        }
        (Some(band), Some(RevenueFit::Above)) => {
            cap.at(Level::L4, Reason::Above(profile.revenue, band.max()))
        }
        (Some(_), Some(RevenueFit::AutoQuote)) => {}
        _ => partial = true,
    }

    if let Some(naics) = profile.naics.as_ref().and_then(Code::known) {
        match carrier.class_fit(naics) {
            ClassFit::Eligible | ClassFit::Open => {}
            ClassFit::Refer => cap.at(Level::L2, Reason::Referred(naics)),
            ClassFit::Unlisted => cap.at(Level::L3, Reason::Unlisted(naics)),
            ClassFit::Decline => cap.at(Level::L4, Reason::Declined(naics)),
            ClassFit::NoGuide => partial = true,
        }
    }

    match carrier.appetite_source() {
        Some(AppetiteSource::Stated | AppetiteSource::Verified) => {}
        Some(AppetiteSource::Observed) => cap.at(Level::L2, Reason::Observed),
        None => partial = true,
    }

    // The sandbox has no clock: the age is measured at the policy's effective date, when given.
    if let Some(effective) = profile.effective_date.as_ref().and_then(Code::known) {
        match carrier.appetite_as_of() {
            Some(as_of) => {
                let age = effective.days_since(as_of);
                if age > STALE_DAYS {
                    cap.at(Level::L3, Reason::Age(age));
                } else if age > DATED_DAYS {
                    cap.at(Level::L2, Reason::Age(age));
                }
            }
            None => partial = true,
        }
    }

    let (state, line) = (state.code(), line.display());
    let note = match (cap.level, cap.reason) {
        (Level::L1, _) => match carrier.revenue.as_ref() {
            Some(band) => {
                let band = MoneyRange(band.min() as f64, band.auto_quote_max() as f64);
                format!("Strong {state} {line} appetite, {band} band")
            }
            None => format!("Strong {state} {line} appetite"),
        },
        (Level::L2, Some(reason)) => format!("Good {state} {line} appetite, {reason}"),
        (Level::L3, Some(reason)) => format!("Limited {state} {line} appetite, {reason}"),
        (_, Some(reason)) => reason.to_string(),
        (_, None) => format!("{state} {line} appetite"),
    };
    Rated::new(
        cap.level,
        note,
        if partial {
            Evidence::Partial
        } else {
            Evidence::Full
        },
    )
}

/// Why the appetite is capped; written into the note only once the worst is known.
#[derive(Clone, Copy)]
enum Reason {
    RefersAbove(u64),
    Below(f64, u64),
    Above(f64, u64),
    Referred(Naics),
    Unlisted(Naics),
    Declined(Naics),
    Observed,
    Age(i32),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::RefersAbove(max) => write!(f, "refers above {}", Money(max as f64)),
            Self::Below(revenue, min) => write!(
                f,
                "revenue {} below {} minimum",
                Money(revenue),
                Money(min as f64)
            ),
            Self::Above(revenue, max) => write!(
                f,
                "revenue {} above {} maximum",
                Money(revenue),
                Money(max as f64)
            ),
            Self::Referred(naics) => write!(f, "NAICS {naics} referred"),
            Self::Unlisted(naics) => write!(f, "NAICS {naics} outside class guide"),
            Self::Declined(naics) => write!(f, "NAICS {naics} declined"),
            Self::Observed => f.write_str("appetite observed, not stated"),
            Self::Age(days) => write!(f, "appetite data {} months old", days / 30),
        }
    }
}

/// The worst level reached so far and the first reason for it.
struct Cap {
    level: Level,
    reason: Option<Reason>,
}

impl Cap {
    fn at(&mut self, level: Level, reason: Reason) {
        if level > self.level {
            self.level = level;
            self.reason = Some(reason);
        }
    }
}
