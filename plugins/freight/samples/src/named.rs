//! The hand-set carriers that open every sample pool.
//!
//! The names are made up, as are the DOT and MC numbers: real carriers' safety and
//! authority records are public and change, and a sample must not pin a revoked authority
//! or an Unsatisfactory rating on a real company. The data is chosen to give the sample
//! profiles a deliberate spread. For the default profile (12 dry-van loads a month from
//! Texas to California): Lone Star Logistics is a strong fit and Pacific Coast Carriers a
//! good one (it backhauls its California to Texas lane); Red River Transport is cheap but
//! Conditional; Desert Sun Express is a new entrant; Mesa Transport has almost no data;
//! Ironhorse Freight Lines (revoked), Bluebonnet Express (no California), Prairie Wind
//! Trucking ($75K cargo insurance) and Frontier Haulers (Unsatisfactory) are rejected,
//! as are the specialists (flatbed, tanker, reefer, step deck), which fit the other profiles.

use super::{DRY_VAN, FLATBED, POWER_ONLY, REEFER, STEP_DECK, TANKER};

/// One hand-set carrier; `None` fields are left out of its JSON, as missing data.
pub(super) struct Named {
    pub(super) name: &'static str,
    pub(super) dot_number: Option<u32>,
    pub(super) mc_number: Option<u32>,
    pub(super) authority: Option<&'static str>,
    pub(super) authority_since: Option<&'static str>,
    pub(super) states: &'static [&'static str],
    pub(super) home_state: Option<&'static str>,
    pub(super) lanes: Option<&'static [&'static str]>,
    pub(super) equipment: &'static [&'static str],
    pub(super) power_units: Option<u32>,
    pub(super) hazmat: Option<bool>,
    pub(super) cargo_insurance: Option<u32>,
    pub(super) auto_liability: Option<u32>,
    pub(super) safety_rating: Option<&'static str>,
    /// (vehicle, driver) out-of-service rates in percent.
    pub(super) oos: (Option<f64>, Option<f64>),
    pub(super) inspections: Option<u32>,
    /// (carrier's rate, market rate) in US dollars per mile.
    pub(super) rates: (Option<f64>, Option<f64>),
    /// (on-time pickup, on-time delivery, tender acceptance) in percent.
    pub(super) service: (Option<f64>, Option<f64>, Option<f64>),
    pub(super) trucks_per_week: Option<u32>,
}

const BASE: Named = Named {
    name: "",
    dot_number: None,
    mc_number: None,
    authority: Some("active"),
    authority_since: None,
    states: &[],
    home_state: None,
    lanes: None,
    equipment: &[],
    power_units: None,
    hazmat: Some(false),
    cargo_insurance: Some(100_000),
    auto_liability: Some(1_000_000),
    safety_rating: None,
    oos: (None, None),
    inspections: None,
    rates: (None, None),
    service: (None, None, None),
    trucks_per_week: None,
};

/// The Southwest, from Texas to California.
const SOUTHWEST: &[&str] = &["TX", "OK", "NM", "AZ", "NV", "CA"];

/// The named carriers, in pool order.
pub(super) const NAMED: &[Named] = &[
    Named {
        name: "Lone Star Logistics",
        dot_number: Some(2_841_137),
        mc_number: Some(912_044),
        authority_since: Some("2011-06-14"),
        states: &["TX", "OK", "LA", "NM", "AZ", "NV", "CA"],
        home_state: Some("TX"),
        lanes: Some(&["TX-CA", "CA-TX", "TX-AZ"]),
        equipment: &[DRY_VAN, REEFER],
        power_units: Some(140),
        cargo_insurance: Some(250_000),
        safety_rating: Some("satisfactory"),
        oos: (Some(9.8), Some(2.1)),
        inspections: Some(310),
        rates: (Some(2.45), Some(2.6)),
        service: (Some(97.5), Some(96.0), Some(91.0)),
        trucks_per_week: Some(8),
        ..BASE
    },
    Named {
        name: "Pacific Coast Carriers",
        dot_number: Some(1_977_420),
        mc_number: Some(688_215),
        authority_since: Some("2008-03-03"),
        states: SOUTHWEST,
        home_state: Some("CA"),
        lanes: Some(&["CA-TX", "CA-AZ"]),
        equipment: &[DRY_VAN],
        power_units: Some(60),
        safety_rating: Some("satisfactory"),
        oos: (Some(14.0), Some(3.8)),
        inspections: Some(150),
        rates: (Some(2.52), Some(2.6)),
        service: (Some(95.0), Some(97.0), Some(88.0)),
        trucks_per_week: Some(4),
        ..BASE
    },
    Named {
        name: "Red River Transport",
        dot_number: Some(3_120_558),
        mc_number: Some(1_077_301),
        authority_since: Some("2018-09-21"),
        states: SOUTHWEST,
        home_state: Some("TX"),
        equipment: &[DRY_VAN],
        power_units: Some(35),
        safety_rating: Some("conditional"),
        oos: (Some(25.0), Some(4.0)),
        inspections: Some(88),
        rates: (Some(2.3), Some(2.6)),
        service: (Some(90.0), Some(89.0), Some(70.0)),
        trucks_per_week: Some(3),
        // The federal minimum, where most brokers ask for $1M.
        auto_liability: Some(750_000),
        ..BASE
    },
    Named {
        name: "Desert Sun Express",
        dot_number: Some(4_188_032),
        mc_number: Some(1_612_907),
        authority_since: Some("2025-12-01"),
        states: &["TX", "NM", "AZ", "NV", "CA"],
        home_state: Some("AZ"),
        lanes: Some(&["AZ-CA"]),
        equipment: &[DRY_VAN, POWER_ONLY],
        power_units: Some(4),
        safety_rating: Some("unrated"),
        oos: (Some(0.0), Some(0.0)),
        inspections: Some(3),
        rates: (Some(2.1), Some(2.6)),
        service: (None, None, Some(95.0)),
        trucks_per_week: Some(2),
        ..BASE
    },
    Named {
        name: "Mesa Transport",
        states: &["TX", "AZ", "CA"],
        equipment: &[DRY_VAN],
        hazmat: None,
        ..BASE
    },
    Named {
        name: "Ironhorse Freight Lines",
        dot_number: Some(2_260_914),
        mc_number: Some(801_553),
        authority: Some("revoked"),
        authority_since: Some("2012-01-09"),
        states: SOUTHWEST,
        home_state: Some("TX"),
        equipment: &[DRY_VAN],
        power_units: Some(22),
        safety_rating: Some("conditional"),
        oos: (Some(38.0), Some(9.0)),
        inspections: Some(64),
        rates: (Some(1.95), Some(2.6)),
        ..BASE
    },
    Named {
        name: "Bluebonnet Express",
        dot_number: Some(2_655_871),
        mc_number: Some(877_104),
        authority_since: Some("2014-05-30"),
        states: &["TX", "OK", "LA", "AR"],
        home_state: Some("TX"),
        lanes: Some(&["TX-LA", "TX-OK"]),
        equipment: &[DRY_VAN],
        power_units: Some(48),
        safety_rating: Some("satisfactory"),
        oos: (Some(11.0), Some(2.5)),
        inspections: Some(190),
        rates: (Some(2.4), Some(2.6)),
        service: (Some(98.0), Some(97.0), Some(93.0)),
        trucks_per_week: Some(6),
        ..BASE
    },
    Named {
        name: "Prairie Wind Trucking",
        dot_number: Some(3_904_226),
        mc_number: Some(1_420_778),
        authority_since: Some("2022-08-15"),
        states: &["KS", "OK", "TX", "NM", "AZ", "CA"],
        home_state: Some("KS"),
        equipment: &[DRY_VAN],
        power_units: Some(2),
        cargo_insurance: Some(75_000),
        safety_rating: Some("unrated"),
        oos: (Some(20.0), Some(0.0)),
        inspections: Some(5),
        rates: (Some(2.25), Some(2.6)),
        trucks_per_week: Some(1),
        ..BASE
    },
    Named {
        name: "Frontier Haulers",
        dot_number: Some(3_377_690),
        mc_number: Some(1_180_245),
        authority_since: Some("2019-11-04"),
        states: SOUTHWEST,
        home_state: Some("NM"),
        equipment: &[DRY_VAN, FLATBED],
        power_units: Some(18),
        safety_rating: Some("unsatisfactory"),
        oos: (Some(41.0), Some(12.0)),
        inspections: Some(70),
        rates: (Some(2.05), Some(2.6)),
        trucks_per_week: Some(4),
        ..BASE
    },
    Named {
        name: "Golden State Reefer",
        dot_number: Some(1_544_018),
        mc_number: Some(560_932),
        authority_since: Some("2005-04-18"),
        states: &[
            "CA", "NV", "AZ", "UT", "CO", "NM", "TX", "OK", "KS", "NE", "IA", "MO", "IL", "IN",
        ],
        home_state: Some("CA"),
        lanes: Some(&["CA-IL", "CA-TX", "IL-CA"]),
        equipment: &[REEFER],
        power_units: Some(220),
        cargo_insurance: Some(250_000),
        safety_rating: Some("satisfactory"),
        oos: (Some(12.0), Some(3.0)),
        inspections: Some(640),
        rates: (Some(3.05), Some(3.2)),
        service: (Some(96.0), Some(95.0), Some(89.0)),
        trucks_per_week: Some(18),
        ..BASE
    },
    Named {
        name: "Gulf Coast Tank Lines",
        dot_number: Some(1_203_377),
        mc_number: Some(433_870),
        authority_since: Some("2001-10-01"),
        states: &["TX", "LA", "MS", "AL", "AR", "OK"],
        home_state: Some("TX"),
        lanes: Some(&["TX-LA", "LA-TX"]),
        equipment: &[TANKER],
        power_units: Some(95),
        hazmat: Some(true),
        cargo_insurance: Some(500_000),
        // Bulk hazardous materials in a cargo tank need $5M (49 CFR 387.9).
        auto_liability: Some(5_000_000),
        safety_rating: Some("satisfactory"),
        oos: (Some(15.0), Some(2.0)),
        inspections: Some(420),
        rates: (Some(3.55), Some(3.6)),
        service: (Some(98.0), Some(97.0), Some(86.0)),
        trucks_per_week: Some(10),
        ..BASE
    },
    Named {
        name: "Summit Flatbed",
        dot_number: Some(2_488_105),
        mc_number: Some(845_662),
        authority_since: Some("2013-07-22"),
        states: &[
            "MI", "OH", "IN", "IL", "KY", "TN", "MO", "AR", "OK", "TX", "LA",
        ],
        home_state: Some("MI"),
        lanes: Some(&["MI-TX", "OH-TX"]),
        equipment: &[FLATBED, STEP_DECK],
        power_units: Some(75),
        safety_rating: Some("satisfactory"),
        oos: (Some(19.0), Some(4.5)),
        inspections: Some(260),
        rates: (Some(2.9), Some(3.0)),
        service: (Some(94.0), Some(95.0), Some(84.0)),
        trucks_per_week: Some(5),
        ..BASE
    },
    Named {
        name: "Peachtree Heavy Haul & Rigging",
        dot_number: Some(3_011_846),
        mc_number: Some(1_034_519),
        authority_since: Some("2017-02-13"),
        states: &["GA", "FL", "AL", "SC", "NC", "TN"],
        home_state: Some("GA"),
        lanes: Some(&["GA-FL"]),
        equipment: &[STEP_DECK, FLATBED],
        power_units: Some(12),
        safety_rating: Some("unrated"),
        oos: (Some(16.0), Some(6.0)),
        inspections: Some(31),
        rates: (Some(3.4), Some(3.3)),
        service: (Some(93.0), None, None),
        trucks_per_week: Some(1),
        ..BASE
    },
];
