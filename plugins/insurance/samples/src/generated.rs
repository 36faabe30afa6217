//! Generated carriers: the bulk of a sample pool, with a realistic spread.
//!
//! Each carrier is drawn from its own stream (seed, index). Roughly: a segment
//! (small commercial, middle market, large accounts) sets its revenue band, price
//! floors, limits and AM Best size; about a fifth are E&S (nationwide, no workers'
//! comp or BOP, often with binding authority); admitted carriers are national or
//! regional; lines come as a monoline specialty, a package or a full multiline
//! book; and every optional field is sometimes missing.

use super::named::Terms;
use super::{AUTO, BOP, CYBER, GL, PL, PROPERTY, Record, STATES, WC};
use shortlist_sample_sdk::Rng;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Segment {
    Small,
    Middle,
    Large,
}

#[derive(Clone, Copy)]
enum Book {
    Monoline,
    Package,
    Multiline,
}

const PLACES: &[&str] = &[
    "Summit",
    "Keystone",
    "Pioneer",
    "Harbor",
    "Granite",
    "Meridian",
    "Prairie",
    "Cascade",
    "Beacon",
    "Frontier",
    "Heritage",
    "Northstar",
    "Redwood",
    "Sentinel",
    "Ironwood",
    "Atlas",
    "Bluewater",
    "Cornerstone",
    "Evergreen",
    "Highland",
    "Lakeshore",
    "Magnolia",
    "Patriot",
    "Riverbend",
    "Silverline",
    "Tidewater",
    "Bayside",
    "Canyon",
    "Copperline",
    "Eastgate",
    "Fairhaven",
    "Glacier",
    "Hearthstone",
    "Juniper",
    "Lighthouse",
    "Mesa",
    "Oakmont",
    "Palisade",
    "Quarry",
    "Sawtooth",
    "Stonebridge",
    "Timberline",
    "Westbrook",
    "Whitfield",
    "Yellowstone",
];
const ADMITTED_KINDS: &[&str] = &[
    "Mutual",
    "General",
    "National",
    "Standard",
    "Farmers",
    "Merchants",
    "Commerce",
    "Citizens",
    "Guardian",
];
const SURPLUS_KINDS: &[&str] = &[
    "Specialty",
    "Excess",
    "Surplus",
    "Select",
    "Professional",
    "Risk",
];
const SUFFIXES: &[&str] = &[
    "Casualty",
    "Insurance",
    "Assurance",
    "Underwriters",
    "Indemnity",
    "Fire & Marine",
    "Insurance Group",
];

/// Neighbouring states, in a ring: a regional carrier writes one to three consecutive regions.
const REGIONS: &[&[&str]] = &[
    &["CT", "ME", "MA", "NH", "RI", "VT", "NY", "NJ", "PA"],
    &["DE", "DC", "MD", "VA", "WV", "NC"],
    &["SC", "GA", "FL", "AL", "MS", "TN", "KY"],
    &["OH", "MI", "IN", "IL", "WI"],
    &["MN", "IA", "MO", "ND", "SD", "NE", "KS"],
    &["TX", "OK", "LA", "AR", "NM"],
    &["AZ", "NV", "UT", "CO", "ID", "MT", "WY"],
    &["CA", "OR", "WA", "AK", "HI"],
];

/// NAICS sectors a class guide may list as eligible.
const SECTORS: &[&str] = &[
    "23", "31", "32", "33", "42", "44", "45", "48", "51", "52", "53", "54", "56", "61", "62", "71",
    "72", "81",
];
/// Classes often referred to an underwriter: contractors, metalworking, trucking, hospitals, bars.
const REFERRED: &[&str] = &[
    "2362", "2381", "3241", "3327", "4841", "4842", "5311", "6221", "7139", "7224",
];
/// Classes often declined: oil and gas, mining, chemicals, aviation, trucking, waste, bars.
const DECLINED: &[&str] = &[
    "211", "2121", "3241", "3251", "3254", "3364", "4811", "4841", "5622", "7224",
];

/// One generated carrier: candidate `index` of pools drawn with `seed`.
pub(super) fn carrier(seed: u64, index: usize) -> Record {
    let mut rng = Rng::for_item(seed, index as u64);
    let segment = rng.weighted(&[
        (Segment::Small, 0.45),
        (Segment::Middle, 0.40),
        (Segment::Large, 0.15),
    ]);
    let admitted = !rng.chance(0.22);
    let kind = rng.pick(if admitted {
        ADMITTED_KINDS
    } else {
        SURPLUS_KINDS
    });
    let name = format!(
        "{} {kind} {} {index:04}",
        rng.pick(PLACES),
        rng.pick(SUFFIXES)
    );

    let lines = lines(&mut rng, segment, admitted);
    let (quote, turnaround) = quoting(&mut rng, segment, admitted);
    let writes_comp = lines.iter().any(|(line, _, _)| *line == WC);
    Record {
        name,
        naic: rng.chance(0.85).then(|| rng.between(10_000, 44_999)),
        states: states(&mut rng, admitted),
        lines,
        naics: rng.chance(0.65).then(|| class_guide(&mut rng)),
        revenue: (!rng.chance(0.07)).then(|| revenue(&mut rng, segment)),
        max_experience_mod: (writes_comp && rng.chance(0.8))
            .then(|| rng.pick(&[1.15, 1.20, 1.25, 1.30, 1.35, 1.40, 1.50, 1.60])),
        min_years: rng.chance(0.3).then(|| rng.pick(&[1, 2, 3, 5])),
        max_claims: rng.chance(0.3).then(|| rng.pick(&[2, 3, 4, 5, 6])),
        am_best: (!rng.chance(0.06)).then(|| am_best(&mut rng, segment)),
        admitted: (!rng.chance(0.04)).then_some(admitted),
        binding: (!rng.chance(0.06)).then(|| rng.chance(if admitted { 0.12 } else { 0.5 })),
        quote,
        turnaround,
        claims: (!rng.chance(0.15))
            .then(|| (rng.unit() + rng.unit()).mul_add(1.15, 2.5).min(4.9))
            .map(tenths),
        source: (!rng.chance(0.1)).then(|| {
            let source = rng.weighted(&[("stated", 0.55), ("observed", 0.25), ("verified", 0.2)]);
            (source, (!rng.chance(0.1)).then(|| as_of(&mut rng)))
        }),
    }
}

/// How the carrier quotes and how fast; E&S markets and large accounts refer more.
fn quoting(rng: &mut Rng, segment: Segment, admitted: bool) -> (Option<&'static str>, Option<u32>) {
    let weights = match (segment, admitted) {
        (Segment::Small, true) => [0.45, 0.40, 0.15],
        (Segment::Small, false) => [0.30, 0.40, 0.30],
        (Segment::Middle, true) => [0.20, 0.50, 0.30],
        (Segment::Middle, false) => [0.10, 0.40, 0.50],
        (Segment::Large, _) => [0.05, 0.30, 0.65],
    };
    let method = rng.weighted(&[
        ("api", weights[0]),
        ("portal", weights[1]),
        ("referral", weights[2]),
    ]);
    let hours: &[u32] = match method {
        "api" => &[0, 0, 1, 2, 4],
        "portal" => &[4, 8, 12, 24, 24, 48],
        _ => &[24, 48, 48, 72, 96, 120],
    };
    let quote = (!rng.chance(0.08)).then_some(method);
    (quote, (!rng.chance(0.1)).then(|| rng.pick(hours)))
}

fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn states(rng: &mut Rng, admitted: bool) -> Vec<&'static str> {
    // A bit mask over `STATES`: string comparisons here dominated generating large pools.
    let national = !admitted || rng.chance(0.65);
    let mask = if national {
        // National carriers still stay out of a few states (regulation, catastrophe exposure).
        let mut mask = (1u64 << STATES.len()) - 1;
        for _ in 0..rng.pick(&[0, 0, 0, 1, 2, 3]) {
            mask &= !(1 << rng.below(STATES.len()));
        }
        if admitted && rng.chance(0.06) {
            mask &= !(1 << state_index("CA"));
        }
        mask
    } else {
        let start = rng.below(REGIONS.len());
        let count = rng.between(1, 3) as usize;
        (start..start + count)
            .flat_map(|r| REGIONS[r % REGIONS.len()].iter())
            .fold(0u64, |mask, state| mask | 1 << state_index(state))
    };
    STATES
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

/// The position of a state code in `STATES`, comparing two bytes at a time.
fn state_index(code: &str) -> usize {
    let code = code.as_bytes();
    STATES
        .iter()
        .position(|s| s.as_bytes()[..2] == code[..2])
        .unwrap_or_default()
}

fn lines(rng: &mut Rng, segment: Segment, admitted: bool) -> Vec<Terms> {
    // Workers' comp and BOP are admitted products; E&S carriers do not write them.
    let allowed = |line: &str| admitted || (line != WC && line != BOP);
    let book = rng.weighted(&[
        (Book::Monoline, 0.2),
        (Book::Package, 0.45),
        (Book::Multiline, 0.35),
    ]);
    let mut chosen: Vec<&'static str> = match book {
        Book::Monoline => {
            let weights = [
                (PL, 0.35),
                (WC, 0.25),
                (CYBER, 0.15),
                (AUTO, 0.12),
                (PROPERTY, 0.08),
                (GL, 0.05),
            ];
            let options: Vec<(&str, f64)> =
                weights.into_iter().filter(|(l, _)| allowed(l)).collect();
            vec![rng.weighted(&options)]
        }
        Book::Package | Book::Multiline => {
            let bop = if segment == Segment::Large { 0.2 } else { 0.6 };
            let odds = match book {
                Book::Package => [
                    (PL, 0.7),
                    (GL, 0.85),
                    (WC, 0.55),
                    (BOP, bop),
                    (CYBER, 0.45),
                    (AUTO, 0.45),
                    (PROPERTY, 0.65),
                ],
                _ => [
                    (PL, 0.95),
                    (GL, 0.95),
                    (WC, 0.9),
                    (BOP, bop),
                    (CYBER, 0.85),
                    (AUTO, 0.9),
                    (PROPERTY, 0.9),
                ],
            };
            odds.into_iter()
                .filter(|&(line, p)| allowed(line) && rng.chance(p))
                .map(|(line, _)| line)
                .collect()
        }
    };
    if chosen.is_empty() {
        chosen = vec![GL, PL];
    }
    chosen
        .into_iter()
        .map(|line| terms(rng, line, segment, admitted))
        .collect()
}

fn terms(rng: &mut Rng, line: &'static str, segment: Segment, admitted: bool) -> Terms {
    let floors: &[u32] = match line {
        PL => &[500, 750, 1_000, 1_500, 2_500, 3_500, 5_000],
        GL => &[250, 500, 750, 1_000, 1_500, 2_500],
        WC => &[500, 750, 1_000, 1_500, 2_500, 5_000],
        BOP => &[300, 400, 500, 750, 1_000],
        CYBER => &[500, 750, 1_000, 1_500, 2_500, 5_000],
        AUTO => &[1_000, 1_500, 2_500, 5_000, 7_500],
        _ => &[500, 1_000, 1_500, 2_500, 5_000],
    };
    let scale = match segment {
        Segment::Small => 1.0,
        Segment::Middle => 2.0,
        Segment::Large => 5.0,
    } * if admitted { 1.0 } else { 1.5 };
    let min_premium = (!rng.chance(0.1)).then(|| {
        let floor = f64::from(rng.pick(floors)) * scale;
        ((floor / 250.0).round() * 250.0) as u32
    });
    const M: u64 = 1_000_000;
    let large = segment == Segment::Large;
    let limits = match line {
        PL => {
            let options: &[u64] = if large {
                &[5 * M, 10 * M, 25 * M]
            } else {
                &[M, 2 * M, 3 * M, 5 * M, 10 * M]
            };
            let occurrence = rng.pick(options);
            Some((occurrence, occurrence * rng.pick(&[1, 1, 2])))
        }
        GL | BOP => Some(rng.pick(&[M, M, 2 * M])).map(|occurrence| (occurrence, 2 * occurrence)),
        CYBER => Some(rng.pick(&[M, 2 * M, 3 * M, 5 * M, 10 * M])).map(|limit| (limit, limit)),
        AUTO => Some(rng.pick(&[M, M, M, 2 * M, 5 * M])).map(|limit| (limit, limit)),
        // Workers' comp limits are statutory; property is written to value.
        _ => None,
    };
    (line, min_premium, limits.filter(|_| !rng.chance(0.12)))
}

fn class_guide(rng: &mut Rng) -> [Vec<&'static str>; 3] {
    let eligible_count = if rng.chance(0.45) {
        rng.between(3, 8)
    } else {
        0
    };
    let eligible = draw(rng, SECTORS, eligible_count);
    let refer_count = rng.between(0, 3);
    let refer = draw(rng, REFERRED, refer_count);
    let decline_count = rng.between(0, 4);
    let decline = draw(rng, DECLINED, decline_count);
    [eligible, refer, decline]
}

/// Up to `count` distinct items of `from`, sorted.
fn draw(rng: &mut Rng, from: &[&'static str], count: u32) -> Vec<&'static str> {
    let mut picked: Vec<&'static str> = (0..count).map(|_| rng.pick(from)).collect();
    picked.sort_unstable();
    picked.dedup();
    picked
}

fn revenue(rng: &mut Rng, segment: Segment) -> (u64, u64, Option<u64>) {
    const M: u64 = 1_000_000;
    let (min, auto_quote_max, multiples): (u64, u64, &[u64]) = match segment {
        Segment::Small => (
            rng.pick(&[0, 0, 0, 0, 250_000, 500_000]),
            rng.pick(&[2 * M, 3 * M, 5 * M, 10 * M, 15 * M]),
            &[1, 2, 3],
        ),
        Segment::Middle => (
            rng.pick(&[0, 0, M, 2 * M, 5 * M]),
            rng.pick(&[15 * M, 25 * M, 50 * M, 100 * M]),
            &[2, 4],
        ),
        Segment::Large => (
            rng.pick(&[5 * M, 10 * M, 25 * M, 50 * M]),
            rng.pick(&[250 * M, 500 * M, 1_000 * M]),
            &[2, 5],
        ),
    };
    let refer_max = (!rng.chance(0.25)).then(|| auto_quote_max * rng.pick(multiples));
    (min, auto_quote_max, refer_max)
}

fn am_best(rng: &mut Rng, segment: Segment) -> (&'static str, Option<&'static str>) {
    let rating = match segment {
        Segment::Large => rng.weighted(&[("A++", 0.25), ("A+", 0.45), ("A", 0.25), ("A-", 0.05)]),
        Segment::Middle => rng.weighted(&[
            ("A++", 0.05),
            ("A+", 0.3),
            ("A", 0.4),
            ("A-", 0.2),
            ("B++", 0.05),
        ]),
        Segment::Small => rng.weighted(&[
            ("A+", 0.1),
            ("A", 0.3),
            ("A-", 0.35),
            ("B++", 0.12),
            ("B+", 0.07),
            ("B", 0.03),
            ("B-", 0.02),
            ("NR", 0.01),
        ]),
    };
    let sizes: &[&str] = match segment {
        Segment::Large => &["XIII", "XIV", "XV", "XV"],
        Segment::Middle => &["IX", "X", "XI", "XII"],
        Segment::Small => &["V", "VI", "VII", "VIII", "IX"],
    };
    (rating, (!rng.chance(0.08)).then(|| rng.pick(sizes)))
}

/// A date in the 18 months before the sample profiles' effective date (2027-01-01).
fn as_of(rng: &mut Rng) -> String {
    let months_from_may_2025 = rng.between(0, 17);
    let year = 2025 + (4 + months_from_may_2025) / 12;
    let month = (4 + months_from_may_2025) % 12 + 1;
    format!("{year}-{month:02}-{:02}", rng.between(1, 28))
}
