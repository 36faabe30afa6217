"""Shipper policy: rejects carriers the shipper's own vetting policy rules out.

Eligibility (in Rust) rejects carriers that cannot legally or physically haul a load.
This filter, written in Python, applies what a shipper asks on top, in this order (the
first that fails gives the reason):

1. the shipper's do-not-use list (`do_not_use`: carrier ids or USDOT numbers);
2. auto liability (bodily injury and property damage) on file at or above
   `min_auto_liability`, or the federal minimum when the profile names none: $750K for
   general freight, $1M for hazardous materials (49 CFR 387.9). Active authority (which
   eligibility checks) means the federal minimum is on file, so a carrier whose record
   states no amount is rejected only when the shipper asks for more;
3. operating authority at least `min_authority_days` old at `pickup_date`: many shippers
   keep new entrants off their loads for their first 90 or 180 days.
"""

import json
import marshal
import math
from datetime import date

from shortlist_sdk import Metadata, Rejections, fail, problem

VERSION = "0.1.0"

# The federal minimums of auto liability for for-hire carriers of property, in US dollars.
FEDERAL_MINIMUM = 750_000
FEDERAL_MINIMUM_HAZMAT = 1_000_000

# The largest policy figures accepted: above them, a value is a typo, not a policy.
MAX_LIABILITY = 100_000_000
MAX_AUTHORITY_DAYS = 3650

FIELDS = [
    ("hazmat", False, "true when the load is placarded hazardous material; false when absent."),
    ("pickup_date", False, "Pickup date, YYYY-MM-DD; used to judge how new a carrier's authority is."),
    (
        "do_not_use",
        False,
        "Carriers the shipper will not use: a list of carrier ids (e.g. ironhorse-freight-lines) "
        "or USDOT numbers (e.g. 1234567 or \"USDOT 1234567\").",
    ),
    (
        "min_auto_liability",
        False,
        "Least auto liability (BI/PD) accepted in US dollars, e.g. 1000000; the federal minimum "
        "when absent (750000, or 1000000 for hazmat).",
    ),
    (
        "min_authority_days",
        False,
        "Least age of a carrier's operating authority at pickup, in days, e.g. 180; needs pickup_date.",
    ),
]


class Module:
    """The `module` interface of the contract, as componentize-py expects it."""

    def describe(self):
        metadata = Metadata("shipper-policy", VERSION, "freight").describe(
            "Rejects carriers on the shipper's do-not-use list, with less auto liability than "
            "the shipper or the law requires, or with authority newer than the shipper accepts."
        )
        for path, required, description in FIELDS:
            metadata.field(path, required, description)
        return metadata.filter()

    def validate_profile(self, profile):
        try:
            fields = json.loads(profile)
        except ValueError as error:
            return [problem("", f"is not JSON: {error}")]
        if not isinstance(fields, dict):
            return [problem("", "must be a JSON object")]
        problems = []
        policy = Policy.read(fields, problems.append)
        if policy.min_authority_days is not None and "pickup_date" not in fields:
            problems.append(
                problem(
                    "pickup_date",
                    "is required when min_authority_days is set: authority age is measured "
                    "at pickup, e.g. \"2026-12-15\"",
                )
            )
        return problems

    def prepare_pool(self, candidates):
        try:
            pool = json.loads(candidates)
        except ValueError as error:
            fail("invalid_pool", f"the pool is not JSON: {error}")
        if not isinstance(pool, list):
            fail("invalid_pool", "the pool must be a JSON array of carriers")
        ids, dots, liabilities, since = [], [], [], []
        for index, carrier in enumerate(pool):
            if not isinstance(carrier, dict) or not isinstance(carrier.get("id"), str):
                fail("invalid_pool", f"carrier {index} must be an object with a string id")
            where = f"carrier {index} ({carrier['id']})"
            ids.append(carrier["id"].lower())
            dots.append(whole(carrier.get("dot_number"), f"{where}: dot_number", 99_999_999))
            liabilities.append(
                whole(carrier.get("auto_liability"), f"{where}: auto_liability", 10**12)
            )
            granted = carrier.get("authority_since")
            since.append(None if granted is None else day(granted, f"{where}: authority_since"))
        return marshal.dumps((ids, dots, liabilities, since))

    def evaluate(self, profile, pool, candidates):
        fields = json.loads(profile)

        def invalid(problem):
            fail("invalid_profile", f"{problem.field} {problem.message}")

        policy = Policy.read(fields, invalid)
        try:
            ids, dots, liabilities, since = marshal.loads(pool)
        except (EOFError, ValueError, TypeError) as error:
            fail("corrupt_pool", f"the prepared pool cannot be read: {error}")
        if any(not 0 <= i < len(ids) for i in candidates):
            fail("unknown_candidate", f"a candidate index is outside the pool of {len(ids)}")

        rejections = Rejections()
        required = policy.min_auto_liability
        required_text = money(required)
        for i in candidates:
            if ids[i] in policy.ids or (dots[i] is not None and dots[i] in policy.dots):
                rejections.reject(i, "on the shipper's do-not-use list")
                continue
            liability = liabilities[i]
            if liability is None:
                if required > policy.federal_minimum:
                    rejections.reject(i, f"no auto liability on file ({required_text} required)")
                    continue
            elif liability < required:
                rejections.reject(
                    i, f"auto liability {money(liability)} below {required_text} minimum"
                )
                continue
            if policy.min_authority_days is not None:
                if since[i] is None:
                    rejections.reject(i, "no authority date on file")
                    continue
                age = policy.pickup - since[i]
                if age < policy.min_authority_days:
                    rejections.reject(
                        i,
                        f"authority {plural(max(age, 0), 'day')} old at pickup "
                        f"(policy: {policy.min_authority_days})",
                    )
        return rejections.outcome()


class Policy:
    """The profile fields this module reads, checked."""

    def __init__(self):
        self.ids = set()
        self.dots = set()
        self.federal_minimum = FEDERAL_MINIMUM
        self.min_auto_liability = FEDERAL_MINIMUM
        self.min_authority_days = None
        self.pickup = None

    @classmethod
    def read(cls, fields, report):
        """Reads the policy from a profile, calling `report(problem)` for each bad field."""
        policy = cls()
        hazmat = fields.get("hazmat") is True
        policy.federal_minimum = FEDERAL_MINIMUM_HAZMAT if hazmat else FEDERAL_MINIMUM
        policy.min_auto_liability = policy.federal_minimum

        listed = fields.get("do_not_use")
        if listed is not None:
            if not isinstance(listed, list):
                report(problem("do_not_use", "must be a list of carrier ids or USDOT numbers"))
            else:
                for position, entry in enumerate(listed):
                    dot = usdot(entry)
                    if dot is not None:
                        policy.dots.add(dot)
                    elif isinstance(entry, str) and entry.strip():
                        policy.ids.add(entry.strip().lower())
                    else:
                        report(
                            problem(
                                f"do_not_use[{position}]",
                                "must be a carrier id or a USDOT number, e.g. 1234567",
                            )
                        )

        minimum = fields.get("min_auto_liability")
        if minimum is not None:
            if not is_number(minimum) or not 0 <= minimum <= MAX_LIABILITY:
                report(
                    problem(
                        "min_auto_liability",
                        f"must be a number of US dollars from 0 to {MAX_LIABILITY}, e.g. 1000000",
                    )
                )
            else:
                policy.min_auto_liability = minimum

        days = fields.get("min_authority_days")
        if days is not None:
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_AUTHORITY_DAYS:
                report(
                    problem(
                        "min_authority_days",
                        f"must be a whole number of days from 0 to {MAX_AUTHORITY_DAYS}, e.g. 180",
                    )
                )
            else:
                policy.min_authority_days = days
                pickup = fields.get("pickup_date")
                try:
                    policy.pickup = date.fromisoformat(pickup).toordinal()
                except (TypeError, ValueError):
                    # A missing or malformed pickup date is reported by validation (here
                    # and by the module that owns the field); without one, nothing is old
                    # enough to pass.
                    policy.pickup = 0
        return policy


def usdot(entry):
    """The USDOT number an entry of `do_not_use` names (`1234567`, `"1234567"` or
    `"USDOT 1234567"`), or None when it is a carrier id."""
    if isinstance(entry, bool):
        return None
    if isinstance(entry, int):
        return entry if 0 < entry <= 99_999_999 else None
    if isinstance(entry, str):
        text = entry.strip().upper().removeprefix("USDOT").removeprefix("#").strip()
        if text.isdigit() and len(text) <= 8:
            return int(text)
    return None


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def whole(value, what, largest):
    """A non-negative whole number from the pool, or None when absent."""
    if value is None:
        return None
    if not is_number(value) or value < 0 or value > largest or value != int(value):
        fail("invalid_pool", f"{what} must be a whole number from 0 to {largest}, not {value!r}")
    return int(value)


def day(text, what):
    """A `YYYY-MM-DD` date from the pool, as a day number."""
    try:
        return date.fromisoformat(text).toordinal()
    except (TypeError, ValueError):
        fail("invalid_pool", f"{what} must be a date as YYYY-MM-DD, not {text!r}")


def plural(count, unit):
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def money(amount):
    """A dollar amount as the Rust modules write it: `$750`, `$2.5K`, `$12M`, `$1.2B`."""
    amount = float(amount)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount < 999.5:
        return f"{sign}${half_up(amount)}"
    units = [(1e3, "K"), (1e6, "M"), (1e9, "B")]
    chosen = 0
    while chosen + 1 < len(units) and displayed(amount / units[chosen][0]) >= 1000:
        chosen += 1
    divisor, unit = units[chosen]
    scaled = amount / divisor
    if scaled >= 99.95:
        return f"{sign}${half_up(scaled)}{unit}"
    whole_part, tenth = divmod(half_up(scaled * 10), 10)
    return f"{sign}${whole_part}{unit}" if tenth == 0 else f"{sign}${whole_part}.{tenth}{unit}"


def displayed(scaled):
    """A scaled amount as `money` shows it: whole from 100 up, else to one decimal."""
    return half_up(scaled) if scaled >= 99.95 else half_up(scaled * 10) / 10


def half_up(value):
    """Rounds a non-negative number half away from zero, as Rust's `f64::round` does
    (Python's `round` rounds half to even)."""
    return math.floor(value + 0.5)
