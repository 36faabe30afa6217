//! The `placement` dimension: how easily the business can be placed with the carrier.
//!
//! Each step away from the best placement costs a level: an API auto-quote is best,
//! a portal quote one step worse, an underwriter referral two; an E&S carrier without
//! binding authority adds one more (surplus-lines tax, diligent-search filings).
//!
//! | | admitted, or E&S with binding | E&S without binding |
//! |---|---|---|
//! | API auto-quote | L1 | L2 |
//! | portal quote | L2 | L3 |
//! | underwriter referral | L3 | L4 |
//!
//! Unknown data is assumed the common case (an admitted carrier that refers),
//! with `Partial` evidence; with no data at all the level is L3, evidence `None`.

use shortlist_insurance_model::{ArchivedCarrier, QuoteMethod, Rated, level};
use shortlist_sdk::{Evidence, Level};

/// Rates how the business would be placed with the carrier.
pub(crate) fn rate(carrier: &ArchivedCarrier) -> Rated {
    let method = carrier.quote_method();
    let admitted = carrier.admitted();
    let binding = carrier.binding_authority();
    if method.is_none() && admitted.is_none() && binding.is_none() {
        return Rated::new(Level::L3, "no placement data", Evidence::None);
    }
    let (method_steps, method_note) = match method {
        Some(QuoteMethod::Api) => (0, "API auto-quote"),
        Some(QuoteMethod::Portal) => (1, "portal quote"),
        Some(QuoteMethod::Referral) => (2, "underwriter referral"),
        None => (2, "quote method unknown"),
    };
    let (market_steps, market_note) = match (admitted, binding) {
        (Some(false), Some(true)) => (0, Some("E&S with binding authority")),
        (Some(false), _) => (1, Some("E&S")),
        (_, Some(true)) => (0, Some("binding authority")),
        _ => (0, None),
    };
    let known =
        method.is_some() && admitted.is_some() && (admitted == Some(true) || binding.is_some());
    let note = match market_note {
        Some(market) => format!("{method_note} ({market})"),
        None => method_note.to_owned(),
    };
    let evidence = if known {
        Evidence::Full
    } else {
        Evidence::Partial
    };
    Rated::new(level(1 + method_steps + market_steps), note, evidence)
}
