//! A module's self-description, built by plugin authors and sent to the host.

use crate::bindings::shortlist::plugin::types as wit;

/// A profile field that a module reads; see [`Metadata::field`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// Dotted path inside the profile, e.g. `revenue` or `loss_history.claims`.
    pub path: &'static str,
    /// Whether a profile without this field is rejected at submission.
    pub required: bool,
    /// What the field means and which values are accepted.
    pub description: &'static str,
}

/// What a module says about itself. Built with [`Metadata::new`] and its chained setters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// Module name, unique within its vertical.
    pub name: &'static str,
    /// The author's version (use `env!("CARGO_PKG_VERSION")`).
    pub version: &'static str,
    /// The vertical, e.g. `insurance`.
    pub vertical: &'static str,
    /// One sentence on what the module decides.
    pub description: &'static str,
    /// The profile fields the module reads.
    pub fields: Vec<FieldSpec>,
}

impl Metadata {
    /// Starts a description with the module's identity.
    pub fn new(name: &'static str, version: &'static str, vertical: &'static str) -> Self {
        Self {
            name,
            version,
            vertical,
            description: "",
            fields: Vec::new(),
        }
    }

    /// Sets the one-sentence description.
    #[must_use]
    pub fn describe(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// Declares a profile field the module reads. Required fields are checked for
    /// presence before the profile is parsed, and reported as
    /// `Missing required field: profile.<path>`.
    #[must_use]
    pub fn field(mut self, path: &'static str, required: bool, description: &'static str) -> Self {
        self.fields.push(FieldSpec {
            path,
            required,
            description,
        });
        self
    }

    pub(crate) fn into_wit(self, kind: wit::ModuleKind, dimensions: &[&str]) -> wit::Metadata {
        wit::Metadata {
            name: self.name.to_owned(),
            version: self.version.to_owned(),
            vertical: self.vertical.to_owned(),
            kind,
            dimensions: dimensions.iter().map(|d| (*d).to_owned()).collect(),
            description: self.description.to_owned(),
            profile_fields: self
                .fields
                .into_iter()
                .map(|f| wit::FieldSpec {
                    path: f.path.to_owned(),
                    required: f.required,
                    description: f.description.to_owned(),
                })
                .collect(),
        }
    }
}
