//! The carrier: one candidate of a pool, with its appetite, terms, strength and service record.
//!
//! The pool's JSON is read once per pool version and archived; rules then read
//! [`ArchivedCarrier`] in place. So the archived form is kept small and cheap to
//! query: states are one `u64` bit mask, lines and codes are single bytes, NAICS
//! prefixes are numbers, and dates are day numbers.

use std::collections::BTreeMap;

use shortlist_sdk::rkyv;
use shortlist_sdk::serde::{Deserialize, Deserializer, de};

use crate::codes::{AppetiteSource, Line, Naics, QuoteMethod, Rating, State, size_from_roman};
use shortlist_sdk::date::{ArchivedDate, Date};

/// One carrier in a pool. Every field but `id`, `name`, `states` and `lines` may be missing;
/// rules then fall back to a default level with `Evidence::Partial` or `Evidence::None`.
#[derive(Debug, Deserialize, rkyv::Archive, rkyv::Serialize)]
#[serde(crate = "shortlist_sdk::serde")]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct Carrier {
    /// Stable identifier within the pool, e.g. `hartford-financial`.
    ///
    /// Read from the pool (it must be there) but not archived, like `name`: no rule
    /// reads either, and the host shows them from the pool itself. Every string in the
    /// archive is UTF-8-validated on every call, which in wasm was the costliest part
    /// of validating the pool.
    #[rkyv(with = shortlist_sdk::rkyv::with::Skip)]
    pub id: String,
    /// Display name, e.g. `Hartford Financial`. Not archived (see `id`).
    #[rkyv(with = shortlist_sdk::rkyv::with::Skip)]
    pub name: String,
    /// NAIC company code.
    #[serde(default)]
    pub naic: Option<u32>,
    /// States written, as a mask of [`State::bit`]; JSON: a list of state codes.
    #[serde(deserialize_with = "states_mask")]
    pub states: u64,
    /// Lines written and their terms, in [`Line`] order; JSON: an object keyed by line code.
    #[serde(deserialize_with = "line_terms")]
    pub lines: Vec<LineTerms>,
    /// NAICS class guidance; JSON: `{"eligible": [...], "refer": [...], "decline": [...]}` of
    /// 2- to 6-digit prefixes. Absent when the carrier publishes none.
    #[serde(default, deserialize_with = "class_rules")]
    pub naics: Option<Vec<ClassRule>>,
    /// Revenue the carrier writes.
    #[serde(default)]
    pub revenue: Option<RevenueBand>,
    /// Highest workers' comp experience mod accepted.
    #[serde(default)]
    pub max_experience_mod: Option<f32>,
    /// Fewest years in business accepted.
    #[serde(default)]
    pub min_years_in_business: Option<u16>,
    /// Most claims in the loss runs accepted.
    #[serde(default)]
    pub max_claims: Option<u16>,
    /// AM Best financial strength.
    #[serde(default)]
    pub am_best: Option<AmBest>,
    /// True for an admitted carrier, false for excess and surplus (E&S) lines.
    #[serde(default)]
    pub admitted: Option<bool>,
    /// Whether the broker (or its MGA) can bind without the carrier's underwriter.
    #[serde(default)]
    pub binding_authority: Option<bool>,
    /// How the carrier quotes.
    #[serde(default)]
    pub quote_method: Option<QuoteMethod>,
    /// Typical hours from submission to quote.
    #[serde(default)]
    pub quote_turnaround_hours: Option<u16>,
    /// Claims service rating, from 1.0 (poor) to 5.0 (excellent).
    #[serde(default)]
    pub claims_rating: Option<f32>,
    /// Where the appetite data comes from.
    #[serde(default)]
    pub appetite_source: Option<AppetiteSource>,
    /// When the appetite data was last stated, observed or verified (`YYYY-MM-DD`).
    #[serde(default)]
    pub appetite_as_of: Option<Date>,
}

/// A line a carrier writes, with its price floor and the limits it offers.
#[derive(Debug, PartialEq, rkyv::Archive, rkyv::Serialize)]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct LineTerms {
    /// The line.
    pub line: Line,
    /// Minimum annual premium, in US dollars.
    pub min_premium: Option<u32>,
    /// Highest per-occurrence (per-claim) limit offered, in US dollars.
    pub max_per_occurrence: Option<u64>,
    /// Highest aggregate limit offered, in US dollars.
    pub max_aggregate: Option<u64>,
}

#[derive(Deserialize)]
#[serde(crate = "shortlist_sdk::serde", deny_unknown_fields)]
struct LineTermsJson {
    #[serde(default)]
    min_premium: Option<u32>,
    #[serde(default)]
    max_per_occurrence: Option<u64>,
    #[serde(default)]
    max_aggregate: Option<u64>,
}

/// What a carrier says about one NAICS prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, rkyv::Archive, rkyv::Serialize)]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct ClassRule {
    /// The prefix as a number, e.g. `3327`.
    pub prefix: u32,
    /// How many digits the prefix has (2 to 6).
    pub digits: u8,
    /// What the carrier does with classes under the prefix.
    pub class: ClassAppetite,
}

/// A carrier's stance on a NAICS prefix.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    rkyv::Archive,
    rkyv::Serialize,
    rkyv::Portable,
    rkyv::bytecheck::CheckBytes,
)]
#[rkyv(crate = shortlist_sdk::rkyv, as = Self)]
#[bytecheck(crate = shortlist_sdk::rkyv::bytecheck)]
#[repr(u8)]
pub enum ClassAppetite {
    /// Written within the carrier's guidelines.
    Eligible,
    /// Considered after an underwriter's review.
    Refer,
    /// Not written.
    Decline,
}

/// How a profile's NAICS code fits a carrier's class guidance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassFit {
    /// The most specific matching prefix is eligible.
    Eligible,
    /// Nothing matches, and the carrier lists no eligible classes: open appetite.
    Open,
    /// The most specific matching prefix is referred.
    Refer,
    /// Nothing matches a carrier that lists its eligible classes: outside its guide.
    Unlisted,
    /// The most specific matching prefix is declined.
    Decline,
    /// The carrier publishes no class guidance.
    NoGuide,
}

#[derive(Deserialize)]
#[serde(crate = "shortlist_sdk::serde", deny_unknown_fields)]
struct ClassGuideJson {
    #[serde(default)]
    eligible: Vec<String>,
    #[serde(default)]
    refer: Vec<String>,
    #[serde(default)]
    decline: Vec<String>,
}

/// Revenue a carrier writes, in US dollars: it quotes automatically from `min` to
/// `auto_quote_max`, and refers to an underwriter up to `refer_max`.
#[derive(Debug, PartialEq, Deserialize, rkyv::Archive, rkyv::Serialize)]
#[serde(crate = "shortlist_sdk::serde", deny_unknown_fields)]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct RevenueBand {
    /// Smallest revenue written; 0 when absent.
    #[serde(default)]
    pub min: u64,
    /// Largest revenue quoted without referral.
    pub auto_quote_max: u64,
    /// Largest revenue written at all; `auto_quote_max` when absent.
    #[serde(default)]
    pub refer_max: Option<u64>,
}

/// Where a revenue falls in a carrier's band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevenueFit {
    /// Below the minimum.
    Below,
    /// Within the auto-quote band.
    AutoQuote,
    /// Above the auto-quote band, within the referral band.
    Refer,
    /// Above the maximum.
    Above,
}

/// An AM Best rating with its financial size category.
#[derive(Debug, PartialEq, Deserialize, rkyv::Archive, rkyv::Serialize)]
#[serde(crate = "shortlist_sdk::serde", deny_unknown_fields)]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct AmBest {
    /// Financial strength rating.
    pub rating: Rating,
    /// Financial size category, 1 to 15; JSON: a numeral `I` to `XV`.
    #[serde(default, deserialize_with = "size_class")]
    pub size: Option<u8>,
}

impl ArchivedCarrier {
    /// Whether the carrier writes in `state`.
    pub fn writes_state(&self, state: State) -> bool {
        self.states.to_native() & state.bit() != 0
    }

    /// The carrier's terms for `line`, if it writes it.
    pub fn terms(&self, line: Line) -> Option<&ArchivedLineTerms> {
        self.lines.iter().find(|t| t.line == line)
    }

    /// Whether the carrier writes `line`.
    pub fn writes(&self, line: Line) -> bool {
        self.terms(line).is_some()
    }

    /// How `naics` fits the carrier's class guidance: the most specific matching prefix
    /// decides, and on a tie the more cautious stance wins.
    pub fn class_fit(&self, naics: Naics) -> ClassFit {
        let Some(rules) = self.naics.as_ref() else {
            return ClassFit::NoGuide;
        };
        let best = rules
            .iter()
            .filter(|r| naics.prefix(r.digits) == r.prefix.to_native())
            .max_by_key(|r| (r.digits, r.class));
        match best.map(|r| r.class) {
            Some(ClassAppetite::Eligible) => ClassFit::Eligible,
            Some(ClassAppetite::Refer) => ClassFit::Refer,
            Some(ClassAppetite::Decline) => ClassFit::Decline,
            None if rules.iter().any(|r| r.class == ClassAppetite::Eligible) => ClassFit::Unlisted,
            None => ClassFit::Open,
        }
    }

    /// Where `revenue` falls in the carrier's band; `None` when the carrier states no band.
    pub fn revenue_fit(&self, revenue: f64) -> Option<RevenueFit> {
        let band = self.revenue.as_ref()?;
        Some(if revenue < band.min() as f64 {
            RevenueFit::Below
        } else if revenue <= band.auto_quote_max() as f64 {
            RevenueFit::AutoQuote
        } else if revenue <= band.max() as f64 {
            RevenueFit::Refer
        } else {
            RevenueFit::Above
        })
    }

    /// The AM Best rating and size category, if known.
    pub fn am_best(&self) -> Option<(Rating, Option<u8>)> {
        self.am_best
            .as_ref()
            .map(|b| (b.rating, b.size.as_ref().copied()))
    }

    /// Highest experience mod accepted, if stated.
    pub fn max_experience_mod(&self) -> Option<f64> {
        self.max_experience_mod
            .as_ref()
            .map(|m| f64::from(m.to_native()))
    }

    /// Fewest years in business accepted, if stated.
    pub fn min_years_in_business(&self) -> Option<u16> {
        self.min_years_in_business.as_ref().map(|y| y.to_native())
    }

    /// Most claims accepted, if stated.
    pub fn max_claims(&self) -> Option<u16> {
        self.max_claims.as_ref().map(|c| c.to_native())
    }

    /// Admitted (true) or E&S (false), if known.
    pub fn admitted(&self) -> Option<bool> {
        self.admitted.as_ref().copied()
    }

    /// Whether the broker can bind, if known.
    pub fn binding_authority(&self) -> Option<bool> {
        self.binding_authority.as_ref().copied()
    }

    /// How the carrier quotes, if known.
    pub fn quote_method(&self) -> Option<QuoteMethod> {
        self.quote_method.as_ref().copied()
    }

    /// Typical hours to quote, if known.
    pub fn quote_turnaround_hours(&self) -> Option<u16> {
        self.quote_turnaround_hours.as_ref().map(|h| h.to_native())
    }

    /// Claims service rating (1 to 5), if known.
    pub fn claims_rating(&self) -> Option<f64> {
        self.claims_rating
            .as_ref()
            .map(|r| f64::from(r.to_native()))
    }

    /// Where the appetite data comes from, if known.
    pub fn appetite_source(&self) -> Option<AppetiteSource> {
        self.appetite_source.as_ref().copied()
    }

    /// The date of the appetite data, if known.
    pub fn appetite_as_of(&self) -> Option<Date> {
        self.appetite_as_of.as_ref().map(ArchivedDate::to_native)
    }
}

impl ArchivedLineTerms {
    /// Minimum annual premium, if stated.
    pub fn min_premium(&self) -> Option<u32> {
        self.min_premium.as_ref().map(|p| p.to_native())
    }

    /// Highest per-occurrence limit, if stated.
    pub fn max_per_occurrence(&self) -> Option<u64> {
        self.max_per_occurrence.as_ref().map(|l| l.to_native())
    }

    /// Highest aggregate limit, if stated.
    pub fn max_aggregate(&self) -> Option<u64> {
        self.max_aggregate.as_ref().map(|l| l.to_native())
    }
}

impl ArchivedRevenueBand {
    /// Smallest revenue written.
    pub fn min(&self) -> u64 {
        self.min.to_native()
    }

    /// Largest revenue quoted without referral.
    pub fn auto_quote_max(&self) -> u64 {
        self.auto_quote_max.to_native()
    }

    /// Largest revenue written at all.
    pub fn max(&self) -> u64 {
        let auto = self.auto_quote_max();
        self.refer_max
            .as_ref()
            .map_or(auto, |r| r.to_native().max(auto))
    }
}

fn states_mask<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let codes = Vec::<State>::deserialize(deserializer)?;
    Ok(codes.iter().fold(0, |mask, state| mask | state.bit()))
}

fn line_terms<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<LineTerms>, D::Error> {
    let map = BTreeMap::<Line, LineTermsJson>::deserialize(deserializer)?;
    Ok(map
        .into_iter()
        .map(|(line, t)| LineTerms {
            line,
            min_premium: t.min_premium,
            max_per_occurrence: t.max_per_occurrence,
            max_aggregate: t.max_aggregate,
        })
        .collect())
}

fn class_rules<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<ClassRule>>, D::Error> {
    let Some(guide) = Option::<ClassGuideJson>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let lists = [
        (guide.eligible, ClassAppetite::Eligible),
        (guide.refer, ClassAppetite::Refer),
        (guide.decline, ClassAppetite::Decline),
    ];
    let mut rules = Vec::new();
    for (prefixes, class) in lists {
        for text in prefixes {
            let digits = u8::try_from(text.len())
                .ok()
                .filter(|d| (2..=6).contains(d));
            let prefix = text
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| text.parse::<u32>().ok())
                .flatten();
            let (Some(digits), Some(prefix)) = (digits, prefix) else {
                return Err(de::Error::custom(format!(
                    "NAICS prefix {text:?} must be 2 to 6 digits"
                )));
            };
            rules.push(ClassRule {
                prefix,
                digits,
                class,
            });
        }
    }
    Ok(Some(rules))
}

fn size_class<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u8>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    size_from_roman(&text).map(Some).ok_or_else(|| {
        de::Error::custom(format!(
            "AM Best size {text:?} must be a numeral from I to XV"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shortlist_sdk::rkyv::rancor;
    use shortlist_sdk::serde_json;

    const HARTFORD: &str = r#"{
        "id": "hartford-financial", "name": "Hartford Financial", "naic": 19682,
        "states": ["CA", "NY", "TX"],
        "lines": {"professional_liability": {"min_premium": 2500, "max_per_occurrence": 5000000, "max_aggregate": 5000000},
                  "general_liability": {}},
        "naics": {"eligible": ["33", "54"], "refer": ["3327"], "decline": ["332710", "325"]},
        "revenue": {"min": 10000000, "auto_quote_max": 15000000, "refer_max": 100000000},
        "max_experience_mod": 1.25, "min_years_in_business": 3, "max_claims": 4,
        "am_best": {"rating": "A+", "size": "XV"},
        "admitted": true, "binding_authority": false, "quote_method": "api", "quote_turnaround_hours": 4,
        "claims_rating": 4.1, "appetite_source": "stated", "appetite_as_of": "2026-09-30",
        "extra": "ignored"
    }"#;

    fn archive(json: &str) -> Vec<u8> {
        let carriers: Vec<Carrier> = serde_json::from_str(json).unwrap();
        rkyv::to_bytes::<rancor::Error>(&carriers)
            .unwrap()
            .into_vec()
    }

    fn with<R>(json: &str, f: impl FnOnce(&ArchivedCarrier) -> R) -> R {
        let bytes = archive(&format!("[{json}]"));
        let pool =
            rkyv::access::<rkyv::vec::ArchivedVec<ArchivedCarrier>, rancor::Error>(&bytes).unwrap();
        f(&pool[0])
    }

    #[test]
    fn a_full_record_archives_and_reads_back() {
        with(HARTFORD, |c| {
            assert!(c.writes_state(State::Ca));
            assert!(!c.writes_state(State::Fl));
            assert!(c.writes(Line::GeneralLiability));
            assert!(!c.writes(Line::Cyber));
            let terms = c.terms(Line::ProfessionalLiability).unwrap();
            assert_eq!(terms.min_premium(), Some(2_500));
            assert_eq!(terms.max_per_occurrence(), Some(5_000_000));
            assert_eq!(c.terms(Line::GeneralLiability).unwrap().min_premium(), None);
            assert_eq!(c.am_best(), Some((Rating::APlus, Some(15))));
            assert_eq!(c.max_experience_mod(), Some(1.25));
            assert_eq!(c.quote_method(), Some(QuoteMethod::Api));
            assert_eq!(
                c.appetite_as_of().map(|d| d.to_string()),
                Some("2026-09-30".to_owned())
            );
            assert!((c.claims_rating().unwrap() - 4.1).abs() < 1e-6);
        });
    }

    #[test]
    fn the_most_specific_class_rule_wins() {
        with(HARTFORD, |c| {
            let fit = |code: &str| c.class_fit(code.parse().unwrap());
            assert_eq!(fit("541511"), ClassFit::Eligible);
            assert_eq!(fit("332710"), ClassFit::Decline);
            assert_eq!(fit("332722"), ClassFit::Refer);
            assert_eq!(fit("325412"), ClassFit::Decline);
            assert_eq!(fit("722511"), ClassFit::Unlisted);
        });
        let open = r#"{"id": "o", "name": "O", "states": [], "lines": {}, "naics": {"decline": ["4841"]}}"#;
        with(open, |c| {
            assert_eq!(c.class_fit("722511".parse().unwrap()), ClassFit::Open);
            assert_eq!(c.class_fit("484121".parse().unwrap()), ClassFit::Decline);
        });
    }

    #[test]
    fn revenue_bands() {
        with(HARTFORD, |c| {
            assert_eq!(c.revenue_fit(9_999_999.0), Some(RevenueFit::Below));
            assert_eq!(c.revenue_fit(12_000_000.0), Some(RevenueFit::AutoQuote));
            assert_eq!(c.revenue_fit(15_000_000.0), Some(RevenueFit::AutoQuote));
            assert_eq!(c.revenue_fit(50_000_000.0), Some(RevenueFit::Refer));
            assert_eq!(c.revenue_fit(100_000_001.0), Some(RevenueFit::Above));
        });
    }

    #[test]
    fn a_minimal_record_has_no_optional_data() {
        let minimal = r#"{"id": "m", "name": "M", "states": ["CA"], "lines": {"cyber": {}}}"#;
        with(minimal, |c| {
            assert_eq!(c.class_fit("541511".parse().unwrap()), ClassFit::NoGuide);
            assert_eq!(c.revenue_fit(1.0), None);
            assert_eq!(c.am_best(), None);
            assert_eq!(c.admitted(), None);
            assert_eq!(c.appetite_source(), None);
            assert_eq!(c.appetite_as_of(), None);
        });
    }

    #[test]
    fn bad_records_are_rejected_with_the_reason() {
        let cases = [
            (
                r#"{"id": "x", "name": "X", "states": ["ZZ"], "lines": {}}"#,
                "unknown state code \"ZZ\"",
            ),
            (
                r#"{"id": "x", "name": "X", "states": [], "lines": {"boat": {}}}"#,
                "unknown line \"boat\"",
            ),
            (
                r#"{"id": "x", "name": "X", "states": [], "lines": {}, "naics": {"decline": ["3"]}}"#,
                "2 to 6 digits",
            ),
            (
                r#"{"id": "x", "name": "X", "states": [], "lines": {}, "am_best": {"rating": "AAA"}}"#,
                "AM Best rating",
            ),
            (
                r#"{"id": "x", "name": "X", "states": [], "lines": {}, "am_best": {"rating": "A", "size": "16"}}"#,
                "I to XV",
            ),
            (
                r#"{"id": "x", "name": "X", "states": [], "lines": {}, "appetite_as_of": "2026-02-30"}"#,
                "YYYY-MM-DD",
            ),
        ];
        for (json, expected) in cases {
            let error = serde_json::from_str::<Carrier>(json)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains(expected),
                "{error} should contain {expected}"
            );
        }
    }

    #[test]
    fn the_archived_form_is_compact() {
        let bytes = archive(&format!("[{HARTFORD}]"));
        assert!(bytes.len() < 320, "{} bytes", bytes.len());
    }
}
