//! `shortlist new filter|scorer NAME`: a module skeleton that builds, passes its fixture
//! and can be published as is, in Rust or Python, added to its vertical.
//!
//! The skeleton's rule is small but real: a filter rejects the candidates a profile field
//! lists by id (`<name>_exclude`), a scorer rates the ones it lists best on a dimension of
//! its own (`<name>_preferred`). Its fixture file runs the rule on two candidates of the
//! vertical's sample pool that every current filter keeps, under the default sample
//! profile, so that the author starts from a passing test and edits from there.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::Error;
use super::build::APP_FILE;
use crate::eval::{self, Job, Pool, PreparedPool};
use crate::vertical::{MANIFEST_FILE, Manifest, Vertical};

/// A filter or a scorer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// Keeps or rejects each candidate.
    Filter,
    /// Rates eligible candidates on a dimension.
    Scorer,
}

/// The language of the skeleton.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// A Rust crate, a member of the enclosing cargo workspace.
    Rust,
    /// An `app.py`, built with componentize-py.
    Python,
}

/// What to write.
#[derive(Clone, Debug)]
pub struct Request {
    /// Filter or scorer.
    pub kind: Kind,
    /// The module's name, e.g. `no-weekend-pickup`.
    pub name: String,
    /// The vertical's directory, e.g. `plugins/freight`.
    pub dir: PathBuf,
    /// Rust or Python.
    pub lang: Lang,
    /// A scorer's dimension; defaults to the name with `_` for `-`.
    pub dimension: Option<String>,
}

/// The fixture's inputs: the vertical's default sample profile and two sample candidates
/// every filter of the vertical keeps.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The profile.
    pub profile: serde_json::Map<String, Value>,
    /// Two candidates, each with an `id` and a `name`.
    pub candidates: [Value; 2],
}

/// Candidates drawn from the sample pool to find two that every filter keeps.
const SAMPLE_POOL: u32 = 200;

/// The default sample profile and the two best-ranked candidates of a small sample pool.
///
/// # Errors
///
/// [`Error::Skeleton`] when the vertical has no sample data, or fewer than two of its
/// sample candidates pass its filters.
pub async fn sample(vertical: &Vertical) -> Result<Sample, Error> {
    let name = &vertical.manifest().vertical;
    let no_samples = || {
        Error::Skeleton(format!(
            "vertical {name} has no sample data to draw the fixture's candidates from; \
             add a samples component or samples/pool.json and samples/profiles/"
        ))
    };
    let samples = vertical.samples().ok_or_else(no_samples)?;
    let failed = |e: &dyn std::fmt::Display| {
        Error::Skeleton(format!("vertical {name}'s sample data failed: {e}"))
    };
    let (_, profile_text) = samples
        .profiles()
        .await
        .map_err(|e| failed(&e))?
        .into_iter()
        .next()
        .ok_or_else(no_samples)?;
    let pool_text = samples
        .candidates(1, 0, SAMPLE_POOL)
        .await
        .map_err(|e| failed(&e))?;
    let profile: Value = serde_json::from_str(&profile_text).map_err(|e| failed(&e))?;
    let pool = Arc::new(Pool::from_json("sample", &pool_text).map_err(|e| failed(&e))?);
    let prepared = PreparedPool::prepare(vertical, pool.clone())
        .await
        .map_err(|e| failed(&e))?;
    let job = Job::unpublished(
        "eval_skeleton".into(),
        profile.clone(),
        eval::sandbox_for(
            "eval_skeleton",
            std::time::Duration::from_secs(crate::fixtures::DEFAULT_CLOCK),
        ),
    );
    let evaluation = eval::evaluate(vertical, &prepared, &job).await;
    let candidates: Vec<Value> = serde_json::from_str(&pool_text).map_err(|e| failed(&e))?;
    let picked: Vec<Value> = evaluation
        .result
        .candidates
        .iter()
        .filter_map(|ranked| {
            candidates
                .iter()
                .find(|c| c["name"] == ranked.name.as_str() && c["id"].is_string())
        })
        .take(2)
        .cloned()
        .collect();
    let Ok(candidates) = <[Value; 2]>::try_from(picked) else {
        return Err(Error::Skeleton(format!(
            "fewer than two of vertical {name}'s first {SAMPLE_POOL} sample candidates pass its \
             filters under its default sample profile; the fixture needs two"
        )));
    };
    let Value::Object(profile) = profile else {
        return Err(failed(&"the default sample profile is not a JSON object"));
    };
    Ok(Sample {
        profile,
        candidates,
    })
}

/// The files [`write()`] created or changed.
#[derive(Debug)]
pub struct Written {
    /// The module's directory.
    pub module_dir: PathBuf,
    /// Every file written, the manifest and a workspace's `Cargo.toml` included.
    pub files: Vec<PathBuf>,
}

/// Writes the skeleton, its fixture file, and the module's entry in `vertical.toml` (and,
/// for a Rust module, in the cargo workspace's members). `scorers` names the vertical's
/// known scorers: a new filter is listed before the first of them, a scorer last.
///
/// # Errors
///
/// [`Error::Skeleton`] on a bad name, a module that exists, or a manifest that cannot be
/// edited safely; [`Error::Io`] when a file cannot be written.
pub fn write(request: &Request, scorers: &[&str], sample: &Sample) -> Result<Written, Error> {
    check_name(&request.name)?;
    let manifest_path = request.dir.join(MANIFEST_FILE);
    let manifest_text =
        std::fs::read_to_string(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
    let origin = manifest_path.display().to_string();
    let manifest = Manifest::parse(&origin, &manifest_text)?;
    let module_dir = request.dir.join(&request.name);
    if manifest.modules.contains(&request.name) || module_dir.exists() {
        return Err(Error::Skeleton(format!(
            "{} already has a module {} ({}); pick another name",
            request.dir.display(),
            request.name,
            module_dir.display()
        )));
    }
    let parts = Parts::new(request, &manifest, sample)?;
    if let Some(d) = &parts.dimension
        && manifest.dimensions.contains(d)
    {
        return Err(Error::Skeleton(format!(
            "dimension {d} is already in {origin}; a scorer owns dimensions no other module \
             scores: pass --dimension NAME"
        )));
    }

    // Every check and edit is made in memory before the first file is written.
    let new_manifest = edit_manifest(&manifest_text, request, &parts, scorers)?;
    Manifest::parse(&origin, &new_manifest)?;
    let workspace = match request.lang {
        Lang::Rust => Some(workspace_edit(&request.dir, &module_dir)?),
        Lang::Python => None,
    };

    let mut files = Vec::new();
    match request.lang {
        Lang::Rust => {
            let cargo_toml = module_dir.join("Cargo.toml");
            create(&cargo_toml, &parts.cargo_toml(), &mut files)?;
            create(
                &module_dir.join("src").join("lib.rs"),
                &parts.lib_rs(),
                &mut files,
            )?;
        }
        Lang::Python => create(&module_dir.join(APP_FILE), &parts.app_py(), &mut files)?,
    }
    let fixture = request
        .dir
        .join(crate::fixtures::FIXTURES_DIR)
        .join(format!("{}.toml", request.name));
    create(&fixture, &parts.fixture(sample), &mut files)?;
    replace(&manifest_path, &new_manifest, &mut files)?;
    if let Some((path, text)) = workspace {
        replace(&path, &text, &mut files)?;
    }
    Ok(Written { module_dir, files })
}

/// A module name: lower-case words joined by `-`, as the shipped modules' are.
fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Skeleton(format!(
            "{name:?} is not a module name: use lower-case letters and digits in words joined \
             by `-`, starting with a letter, at most 40 characters, e.g. `min-fleet-size`"
        )))
    }
}

/// The names a skeleton is written with.
struct Parts {
    kind: Kind,
    name: String,
    vertical: String,
    /// The Rust type, e.g. `MinFleetSize`.
    type_name: String,
    /// The profile field its rule reads.
    field: String,
    /// A scorer's dimension.
    dimension: Option<String>,
    /// The id of the first sample candidate, for examples.
    example_id: String,
}

impl Parts {
    fn new(request: &Request, manifest: &Manifest, sample: &Sample) -> Result<Self, Error> {
        let snake = request.name.replace('-', "_");
        let (field, dimension) = match request.kind {
            Kind::Filter => (format!("{snake}_exclude"), None),
            Kind::Scorer => {
                let dimension = request.dimension.clone().unwrap_or_else(|| snake.clone());
                if !dimension
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    return Err(Error::Skeleton(format!(
                        "{dimension:?} is not a dimension name: use lower-case letters, digits and `_`"
                    )));
                }
                (format!("{snake}_preferred"), Some(dimension))
            }
        };
        let type_name = request
            .name
            .split('-')
            .map(|w| {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        Ok(Self {
            kind: request.kind,
            name: request.name.clone(),
            vertical: manifest.vertical.clone(),
            type_name,
            field,
            dimension,
            example_id: sample.candidates[0]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        })
    }

    fn package(&self) -> String {
        format!("shortlist-plugin-{}-{}", self.vertical, self.name)
    }

    fn what(&self) -> &'static str {
        match self.kind {
            Kind::Filter => "Rejects the candidates the profile excludes by id.",
            Kind::Scorer => "Rates the candidates the profile prefers, by id, best.",
        }
    }

    fn cargo_toml(&self) -> String {
        format!(
            r#"[package]
name = "{package}"
description = "{vertical} vertical: {what}"
version = "0.1.0"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish = false

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
shortlist-sdk.workspace = true

[lints]
workspace = true
"#,
            package = self.package(),
            vertical = self.vertical,
            what = self.what(),
        )
    }

    fn lib_rs(&self) -> String {
        let Parts {
            name,
            vertical,
            type_name,
            field,
            example_id,
            ..
        } = self;
        let what = self.what();
        let head = format!(
            r#"//! {name}: {what}
//!
//! Written by `shortlist new` as a starting point: replace the rule with yours, declare
//! the profile fields it reads in `metadata`, and keep `../tests/{name}.toml` in step
//! (`shortlist vertical build` then `shortlist test`).

use shortlist_sdk::{{rkyv, serde}};
"#
        );
        let types = format!(
            r#"
/// The profile fields this module reads (the others are ignored).
#[derive(serde::Deserialize)]
#[serde(crate = "shortlist_sdk::serde")]
pub struct Profile {{
    /// Candidate ids, from the profile's `{field}`.
    #[serde(default)]
    pub {field}: Vec<String>,
}}

/// The candidate fields this module reads (the others are ignored).
#[derive(serde::Deserialize, rkyv::Archive, rkyv::Serialize)]
#[serde(crate = "shortlist_sdk::serde")]
#[rkyv(crate = shortlist_sdk::rkyv)]
pub struct Candidate {{
    /// The candidate's id in the pool.
    pub id: String,
}}

/// The {name} module.
pub struct {type_name};

impl Module for {type_name} {{
    type Profile = Profile;
    type Candidate = Candidate;

    fn metadata() -> Metadata {{
        Metadata::new("{name}", env!("CARGO_PKG_VERSION"), "{vertical}")
            .describe("{what}")
            .field(
                "{field}",
                false,
                "Candidate ids, e.g. [\"{example_id}\"].",
            )
    }}
}}
"#
        );
        let rule = match self.kind {
            Kind::Filter => format!(
                r#"
impl Filter for {type_name} {{
    fn check(profile: &Profile, candidate: &ArchivedCandidate) -> Result<(), String> {{
        if profile.{field}.iter().any(|id| id == candidate.id.as_str()) {{
            Err("excluded by the profile".into())
        }} else {{
            Ok(())
        }}
    }}
}}

shortlist_sdk::export_filter!({type_name});
"#
            ),
            Kind::Scorer => format!(
                r#"
/// The dimension this module scores.
const DIMENSION: &str = "{dimension}";

impl Scorer for {type_name} {{
    const DIMENSIONS: &'static [&'static str] = &[DIMENSION];

    fn score(profile: &Profile, candidate: &ArchivedCandidate, ratings: &mut Ratings<'_>) {{
        if profile.{field}.iter().any(|id| id == candidate.id.as_str()) {{
            ratings.rate(DIMENSION, Level::L1, "preferred by the profile", Evidence::Full);
        }} else {{
            ratings.rate(
                DIMENSION,
                Level::L3,
                "not on the profile's preferred list",
                Evidence::Full,
            );
        }}
    }}
}}

shortlist_sdk::export_scorer!({type_name});
"#,
                dimension = self.dimension.as_deref().unwrap_or_default()
            ),
        };
        let uses = match self.kind {
            Kind::Filter => "use shortlist_sdk::{Filter, Metadata, Module};\n",
            Kind::Scorer => {
                "use shortlist_sdk::{Evidence, Level, Metadata, Module, Ratings, Scorer};\n"
            }
        };
        format!("{head}{uses}{types}{rule}")
    }

    fn app_py(&self) -> String {
        let Parts {
            name,
            vertical,
            field,
            example_id,
            ..
        } = self;
        let what = self.what();
        let (imports, record, rule) = match self.kind {
            Kind::Filter => (
                "Metadata, Rejections, fail, problem",
                ".filter()".to_owned(),
                r#"        rejections = Rejections()
        for index in candidates:
            if ids[index] in listed:
                rejections.reject(index, "excluded by the profile")
        return rejections.outcome()"#,
            ),
            Kind::Scorer => (
                "Metadata, Scores, fail, problem",
                ".scorer([DIMENSION])".to_owned(),
                r#"        scores = Scores([DIMENSION])
        for index in candidates:
            if ids[index] in listed:
                scores.rate(index, DIMENSION, 1, "full", "preferred by the profile")
            else:
                scores.rate(index, DIMENSION, 3, "full", "not on the profile's preferred list")
        return scores.outcome()"#,
            ),
        };
        let dimension = match &self.dimension {
            Some(d) => format!("# The dimension this module scores.\nDIMENSION = \"{d}\"\n"),
            None => String::new(),
        };
        format!(
            r#""""{name}: {what}

Written by `shortlist new` as a starting point: replace the rule with yours, declare the
profile fields it reads in `describe`, and keep `../tests/{name}.toml` in step
(`shortlist vertical build` then `shortlist test`).
"""

import json

from shortlist_sdk import {imports}

VERSION = "0.1.0"

# The profile field the rule reads: candidate ids.
FIELD = "{field}"
{dimension}

class Module:
    """The `module` interface of the contract, as componentize-py expects it."""

    def describe(self):
        return (
            Metadata("{name}", VERSION, "{vertical}")
            .describe("{what}")
            .field(FIELD, False, 'Candidate ids, e.g. ["{example_id}"].')
            {record}
        )

    def validate_profile(self, profile):
        listed = json.loads(profile).get(FIELD, [])
        if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
            return [problem(FIELD, 'must be a list of candidate ids, e.g. ["{example_id}"]')]
        return []

    def prepare_pool(self, candidates):
        # Once per pool version: keep only what the rule reads, in a form quick to load.
        try:
            pool = json.loads(candidates)
        except ValueError as error:
            fail("invalid_pool", f"the pool is not JSON: {{error}}")
        if not isinstance(pool, list) or not all(isinstance(c, dict) for c in pool):
            fail("invalid_pool", "the pool must be a JSON array of objects")
        return json.dumps([c.get("id") for c in pool]).encode()

    def evaluate(self, profile, pool, candidates):
        listed = set(json.loads(profile).get(FIELD, []))
        ids = json.loads(pool)
{rule}
"#
        )
    }

    fn fixture(&self, sample: &Sample) -> String {
        let [first, second] = &sample.candidates;
        let first_name = first["name"].as_str().unwrap_or_default();
        let second_name = second["name"].as_str().unwrap_or_default();
        let mut text = format!(
            "# Fixtures of the {name} {kind}, written by `shortlist new`: two sample candidates that\n\
             # every other filter keeps, under the vertical's default sample profile. Add a case\n\
             # for each rule you write; `shortlist test` runs them.\n\
             description = \"{name}: {what}\"\n\n[profile]\n",
            name = self.name,
            kind = match self.kind {
                Kind::Filter => "filter",
                Kind::Scorer => "scorer",
            },
            what = self.what(),
        );
        for (key, value) in &sample.profile {
            if !value.is_null() {
                let _ = writeln!(text, "{} = {}", toml_key(key), toml_value(value));
            }
        }
        for candidate in &sample.candidates {
            text.push_str("\n[[candidates]]\n");
            for (key, value) in candidate.as_object().into_iter().flatten() {
                if !value.is_null() {
                    let _ = writeln!(text, "{} = {}", toml_key(key), toml_value(value));
                }
            }
        }
        let id = toml_value(&first["id"]);
        let field = &self.field;
        let (first_name_q, second_name_q) = (
            toml_value(&first_name.into()),
            toml_value(&second_name.into()),
        );
        match self.kind {
            Kind::Filter => {
                let _ = write!(
                    text,
                    r#"
[[case]]
name = "a candidate the profile does not list is kept"

[[case.expect]]
candidate = {first_name_q}
eligible = true

[[case.expect]]
candidate = {second_name_q}
eligible = true

[[case]]
name = "a candidate the profile lists is rejected"
profile = {{ {field} = [{id}] }}

[[case.expect]]
candidate = {first_name_q}
rejected_by = "{name}"
reason = "excluded by the profile"

[[case.expect]]
candidate = {second_name_q}
eligible = true
"#,
                    name = self.name
                );
            }
            Kind::Scorer => {
                let dimension = self.dimension.as_deref().unwrap_or_default();
                let _ = write!(
                    text,
                    r#"
[[case]]
name = "a candidate the profile prefers is rated best"
profile = {{ {field} = [{id}] }}

[[case.expect]]
candidate = {first_name_q}
levels = {{ {dimension} = "L1" }}
notes = {{ {dimension} = "preferred by the profile" }}

[[case.expect]]
candidate = {second_name_q}
levels = {{ {dimension} = "L3" }}
evidence = {{ {dimension} = "full" }}
"#
                );
            }
        }
        text
    }
}

/// A TOML key: bare when it can be, else quoted.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        key.to_owned()
    } else {
        toml_value(&Value::String(key.to_owned()))
    }
}

/// A JSON value as an inline TOML value (nulls inside arrays and tables left out: TOML
/// has none, and the fixtures read a missing field as JSON does an absent one).
fn toml_value(value: &Value) -> String {
    match value {
        // A JSON string literal is a TOML basic string: the same escapes.
        Value::String(_) | Value::Number(_) | Value::Bool(_) => value.to_string(),
        Value::Null => "\"\"".to_owned(),
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .filter(|v| !v.is_null())
                .map(toml_value)
                .collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_value(v)))
                .collect();
            if items.is_empty() {
                "{}".to_owned()
            } else {
                format!("{{ {} }}", items.join(", "))
            }
        }
    }
}

/// The manifest with the module listed (a filter before the first scorer, a scorer
/// last) and a scorer's dimension added with a weight of 0: rated and traced, but
/// counted in no fit, confidence or reasoning until the author weighs it, so that
/// publishing the skeleton changes no tier or rank.
fn edit_manifest(
    text: &str,
    request: &Request,
    parts: &Parts,
    scorers: &[&str],
) -> Result<String, Error> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    edit_array(&mut lines, "modules", |modules| {
        let at = match request.kind {
            Kind::Filter => modules
                .iter()
                .position(|m| scorers.contains(&m.as_str()))
                .unwrap_or(modules.len()),
            Kind::Scorer => modules.len(),
        };
        modules.insert(at, request.name.clone());
    })?;
    if let Some(dimension) = &parts.dimension {
        edit_array(&mut lines, "dimensions", |dimensions| {
            dimensions.push(dimension.clone());
        })?;
        add_weight(&mut lines, dimension)?;
    }
    let mut out = lines.join("\n");
    out.push('\n');
    Ok(out)
}

/// Rewrites the one-line array `key = [...]` of the manifest's top level.
fn edit_array(
    lines: &mut [String],
    key: &str,
    edit: impl FnOnce(&mut Vec<String>),
) -> Result<(), Error> {
    let by_hand = || {
        Error::Skeleton(format!(
            "vertical.toml's `{key}` is not a one-line array of strings, so it cannot be edited \
             safely; write it on one line, or add the module to it by hand"
        ))
    };
    let line = lines
        .iter_mut()
        .take_while(|l| !l.trim_start().starts_with('['))
        .find(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .ok_or_else(by_hand)?;
    #[derive(serde::Deserialize)]
    struct Array {
        value: Vec<String>,
    }
    let value = line.split_once('=').map(|(_, v)| v.trim()).unwrap_or("");
    let mut array = toml::from_str::<Array>(&format!("value = {value}"))
        .map_err(|_| by_hand())?
        .value;
    edit(&mut array);
    let items: Vec<String> = array
        .iter()
        .map(|s| Value::String(s.clone()).to_string())
        .collect();
    *line = format!("{key} = [{}]", items.join(", "));
    Ok(())
}

/// Adds `dimension = 0.0` at the end of the manifest's `[weights]` table.
fn add_weight(lines: &mut Vec<String>, dimension: &str) -> Result<(), Error> {
    let start = lines
        .iter()
        .position(|l| l.trim() == "[weights]")
        .ok_or_else(|| {
            Error::Skeleton(
                "vertical.toml has no [weights] table to give the new dimension a weight".into(),
            )
        })?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with('['))
        .map_or(lines.len(), |i| start + 1 + i);
    let last = (start + 1..end)
        .rev()
        .find(|&i| {
            let l = lines[i].trim();
            !l.is_empty() && !l.starts_with('#')
        })
        .unwrap_or(start);
    lines.insert(
        last + 1,
        format!("{dimension} = 0.0  # shadowed: rated and traced, counted in no fit until weighed"),
    );
    Ok(())
}

/// The enclosing cargo workspace's `Cargo.toml` with `module_dir` added to its members.
fn workspace_edit(vertical_dir: &Path, module_dir: &Path) -> Result<(PathBuf, String), Error> {
    let absolute = std::path::absolute(vertical_dir).map_err(|e| Error::io(vertical_dir, e))?;
    let not_in_workspace = || {
        Error::Skeleton(format!(
            "a Rust module builds against shortlist-sdk from the Shortlist workspace, and {} is \
             not inside one; create it there, or use --lang python",
            vertical_dir.display()
        ))
    };
    let (root, text) = absolute
        .ancestors()
        .find_map(|dir| {
            let path = dir.join("Cargo.toml");
            let text = std::fs::read_to_string(&path).ok()?;
            text.contains("[workspace]")
                .then_some((dir.to_path_buf(), text))
        })
        .ok_or_else(not_in_workspace)?;
    if !text.contains("shortlist-sdk =") {
        return Err(not_in_workspace());
    }
    let member = std::path::absolute(module_dir)
        .map_err(|e| Error::io(module_dir, e))?
        .strip_prefix(&root)
        .map_err(|_| not_in_workspace())?
        .to_string_lossy()
        .replace('\\', "/");
    let by_hand = || {
        Error::Skeleton(format!(
            "{}'s `members` is not a list this command can edit; add \"{member}\" to it by hand",
            root.join("Cargo.toml").display()
        ))
    };
    let start = text.find("members = [").ok_or_else(by_hand)?;
    let end = start + text[start..].find(']').ok_or_else(by_hand)?;
    let list = &text[start..end];
    // After the last member of the same vertical, else at the end of the list.
    let prefix = member.rsplit_once('/').map_or("", |(p, _)| p);
    let at = list
        .match_indices(&format!("\"{prefix}/"))
        .last()
        .and_then(|(i, _)| list[i..].find('\n').map(|n| start + i + n + 1))
        .unwrap_or_else(|| start + list.rfind('\n').map_or(list.len(), |n| n + 1));
    let mut edited = text.clone();
    if list.contains('\n') {
        edited.insert_str(at, &format!("    \"{member}\",\n"));
    } else {
        edited.insert_str(end, &format!(", \"{member}\""));
    }
    Ok((root.join("Cargo.toml"), edited))
}

/// Writes a new file (its directory created).
fn create(path: &Path, text: &str, files: &mut Vec<PathBuf>) -> Result<(), Error> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
    files.push(path.to_path_buf());
    Ok(())
}

/// Replaces an existing file's text.
fn replace(path: &Path, text: &str, files: &mut Vec<PathBuf>) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))?;
    files.push(path.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_shipped_modules() {
        assert!(check_name("min-fleet-size").is_ok());
        assert!(check_name("lane2").is_ok());
        for bad in [
            "",
            "Min",
            "min_fleet",
            "-min",
            "min-",
            "min--fleet",
            "2lane",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn json_becomes_inline_toml() {
        let value = serde_json::json!({"a b": "x\"y", "n": [1, null, 2.5], "t": {"ok": true}});
        assert_eq!(
            toml_value(&value),
            r#"{ "a b" = "x\"y", n = [1, 2.5], t = { ok = true } }"#
        );
    }

    #[test]
    fn arrays_are_edited_in_place_and_weights_appended() {
        let text = "vertical = \"v\"\n# c\nmodules = [\"f\", \"s\"]\ndimensions = [\"a\"]\n\n[weights]\na = 1.0\n\n# next\n[points]\n";
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        edit_array(&mut lines, "modules", |m| m.insert(1, "g".into())).unwrap();
        add_weight(&mut lines, "b").unwrap();
        assert_eq!(lines[2], r#"modules = ["f", "g", "s"]"#);
        assert!(lines[7].starts_with("b = 0.0 "), "{lines:?}");
        assert_eq!(lines[9], "# next");
    }
}
