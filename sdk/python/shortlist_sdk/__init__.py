"""Shortlist's SDK for rule modules written in Python.

A module is a class named `Module` in the file `app.py`, built into a WebAssembly
component by componentize-py against `wit/world.wit` (world `plugin`). This package
does the parts of the contract that are the same for every module:

- `Metadata` declares what the module is and which profile fields it reads;
- `Rejections` and `Scores` build an outcome column by column, packing the reasons
  or notes into one string as the contract's `texts` record wants;
- `fail` reports a `plugin-error`; `invalid_pool`, `invalid_profile` and
  `corrupt_pool` are the codes the Rust SDK uses for the same failures;
- `log` appends a line to the job's audit trace.

The sandbox gives a module no filesystem, network or real clock; `random` and the
clocks are fixed per job, so an evaluation is a pure function of its inputs. Keep it
so: never let a result depend on iterating a `set` or on `hash()` of a string.
"""

from wit_world.imports import types
from wit_world.imports import log as _log
from componentize_py_types import Err

__all__ = [
    "Metadata",
    "Rejections",
    "Scores",
    "Level",
    "Evidence",
    "fail",
    "log",
    "problem",
    "texts",
]

Level = _log.Level
Evidence = types.Evidence

_EVIDENCE = {
    "full": types.Evidence.FULL,
    "partial": types.Evidence.PARTIAL,
    "none": types.Evidence.NONE,
}


class Metadata:
    """What a module says about itself, built step by step like the Rust SDK's.

    >>> Metadata("shipper-policy", "0.1.0", "freight").describe("...").field("hazmat", False, "...")
    """

    def __init__(self, name, version, vertical):
        self.name = name
        self.version = version
        self.vertical = vertical
        self.description = ""
        self.fields = []

    def describe(self, sentence):
        """One sentence on what the module decides."""
        self.description = sentence
        return self

    def field(self, path, required, description):
        """A profile field the module reads; `required` fields are checked by the host."""
        self.fields.append(types.FieldSpec(path, required, description))
        return self

    def filter(self):
        """The contract's record, for a filter."""
        return self._record(types.ModuleKind.FILTER, [])

    def scorer(self, dimensions):
        """The contract's record, for a scorer of `dimensions` (in the order it indexes them)."""
        return self._record(types.ModuleKind.SCORER, list(dimensions))

    def _record(self, kind, dimensions):
        return types.Metadata(
            self.name,
            self.version,
            self.vertical,
            kind,
            dimensions,
            self.description,
            list(self.fields),
        )


def texts(items):
    """Packs short texts into the contract's `texts`: one string and the byte end of each."""
    ends = []
    end = 0
    for item in items:
        end += len(item.encode("utf-8"))
        ends.append(end)
    return types.Texts("".join(items), ends)


class Rejections:
    """A filter's outcome: the candidates it rejects, each with a reason, in candidate order."""

    def __init__(self):
        self.candidates = []
        self.reasons = []

    def reject(self, candidate, reason):
        """Rejects the candidate at pool index `candidate` for `reason`, e.g. `no hazmat endorsement`."""
        self.candidates.append(candidate)
        self.reasons.append(reason)

    def outcome(self):
        """The contract's `outcome`, to return from `evaluate`."""
        return types.Outcome_Rejected(types.Rejections(self.candidates, texts(self.reasons)))


class Scores:
    """A scorer's outcome: one rating per (candidate, dimension) it owns."""

    def __init__(self, dimensions):
        self.dimensions = list(dimensions)
        self.candidates = []
        self.dimension_indices = bytearray()
        self.levels = bytearray()
        self.evidence = []
        self.notes = []

    def rate(self, candidate, dimension, level, evidence, note):
        """Rates `candidate` on `dimension` at `level` (1 best to 4 worst), backed by
        `evidence` (`"full"`, `"partial"` or `"none"`), for the reason `note`."""
        if not 1 <= level <= 4:
            raise ValueError(f"level {level} is not 1 to 4")
        self.candidates.append(candidate)
        self.dimension_indices.append(self.dimensions.index(dimension))
        self.levels.append(level)
        self.evidence.append(_EVIDENCE[evidence])
        self.notes.append(note)

    def outcome(self):
        """The contract's `outcome`, to return from `evaluate`."""
        return types.Outcome_Scored(
            types.Scores(
                self.candidates,
                bytes(self.dimension_indices),
                bytes(self.levels),
                self.evidence,
                texts(self.notes),
            )
        )


def problem(field, message):
    """One problem with a submitted profile; `field` is the path inside the profile."""
    return types.FieldProblem(f"profile.{field}" if field else "profile", message)


def fail(code, message):
    """Fails the job with a `plugin-error`: a stable snake_case `code` and a message."""
    raise Err(types.PluginError(code, message))


def log(level, message):
    """Appends a line to the job's audit trace, e.g. `log(Level.WARN, "...")`."""
    _log.log(level, message)
