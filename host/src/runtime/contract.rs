//! What a component must export and may import to run here: the `shortlist:plugin` WIT
//! package at the version this host serves, and WASI 0.2 without network or files of any
//! use. Checked on every load, before linking, so that a module built against another
//! version of the contract is refused with a message naming what is missing, not the
//! linker's.

use wasmtime::Engine;
use wasmtime::component::Component;

/// The plugin WIT package.
pub const PACKAGE: &str = "shortlist:plugin";

/// The version of [`PACKAGE`] this host serves (`wit/world.wit`). Guests built against
/// any `0.2.x` link, by semver.
pub const WIT_VERSION: &str = "0.2.0";

/// What a component of the package is, by the interface it exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A rule module: exports `module`.
    Rules,
    /// A vertical's sample data: exports `sample`.
    Samples,
}

impl Role {
    fn interface(self) -> &'static str {
        match self {
            Self::Rules => "module",
            Self::Samples => "sample",
        }
    }

    /// The role a compiled component plays: sample data when it exports `sample`, else a
    /// rule module (whose checks then say what it lacks).
    pub(crate) fn of(engine: &Engine, component: &Component) -> Self {
        let exports_samples = component.component_type().exports(engine).any(|(name, _)| {
            let name = Name::parse(name);
            name.package == PACKAGE && name.interface == Self::Samples.interface()
        });
        if exports_samples {
            Self::Samples
        } else {
            Self::Rules
        }
    }
}

/// WASI packages the sandbox links (empty of anything to reach: see `ctx.rs`), at `0.2.x`.
const WASI_PACKAGES: &[&str] = &[
    "wasi:io",
    "wasi:cli",
    "wasi:clocks",
    "wasi:random",
    "wasi:filesystem",
    "wasi:sockets",
];

/// An interface name split as `package/interface@version`.
struct Name<'a> {
    package: &'a str,
    interface: &'a str,
    version: Option<&'a str>,
}

impl<'a> Name<'a> {
    fn parse(name: &'a str) -> Self {
        let (path, version) = match name.split_once('@') {
            Some((path, version)) => (path, Some(version)),
            None => (name, None),
        };
        let (package, interface) = path.split_once('/').unwrap_or((path, ""));
        Self {
            package,
            interface,
            version,
        }
    }

    /// Whether the version is semver-compatible with `served` (same major, and same minor
    /// while the major is 0).
    fn compatible_with(&self, served: &str) -> bool {
        self.version.is_some_and(|v| compatible(v, served))
    }
}

fn compatible(version: &str, served: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['.', '-', '+'])
            .take(3)
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect()
    };
    let (have, want) = (parts(version), parts(served));
    match (have.as_slice(), want.as_slice()) {
        ([0, minor, ..], [0, served_minor, ..]) => minor == served_minor,
        ([major, ..], [served_major, ..]) => major == served_major,
        _ => false,
    }
}

/// Every way `component`, in `role`, breaks the contract, each a sentence; empty when it
/// keeps it.
pub(crate) fn problems(engine: &Engine, component: &Component, role: Role) -> Vec<String> {
    let ty = component.component_type();
    let mut problems = Vec::new();
    let exports: Vec<Name> = ty.exports(engine).map(|(n, _)| Name::parse(n)).collect();
    let interface = role.interface();
    let export = exports
        .iter()
        .find(|n| n.package == PACKAGE && n.interface == interface);
    match export {
        None => problems.push(format!(
            "it does not export {PACKAGE}/{interface}: it is not a Shortlist module \
             (build it with shortlist-sdk and export_filter! or export_scorer!, or a \
             vertical's sample data with shortlist-sample-sdk and export_samples!)"
        )),
        Some(name) if !name.compatible_with(WIT_VERSION) => problems.push(format!(
            "it was built against {PACKAGE}@{}, and this host serves {PACKAGE}@{WIT_VERSION}: \
             rebuild it with this release's SDK (`shortlist vertical build` does, for Rust \
             and Python)",
            name.version.unwrap_or("(no version)")
        )),
        Some(_) => {}
    }
    for (import, _) in ty.imports(engine) {
        let name = Name::parse(import);
        let served = if name.package == PACKAGE {
            Some(WIT_VERSION)
        } else if WASI_PACKAGES.contains(&name.package) {
            Some("0.2.0")
        } else {
            None
        };
        match served {
            None => problems.push(format!(
                "it imports {import}, which the sandbox does not provide \
                 (modules may import only {PACKAGE} and WASI 0.2 without network or files)"
            )),
            Some(served) if !name.compatible_with(served) => problems.push(format!(
                "it imports {import}, and this host provides {}@{served}",
                name.package
            )),
            Some(_) => {}
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn zero_majors_need_the_same_minor() {
        assert!(compatible("0.2.0", "0.2.0"));
        assert!(compatible("0.2.6", "0.2.0"));
        assert!(compatible("0.2.12", "0.2.3"));
        assert!(!compatible("0.1.0", "0.2.0"));
        assert!(!compatible("0.3.0", "0.2.0"));
        assert!(compatible("1.4.0", "1.0.0"));
        assert!(!compatible("2.0.0", "1.0.0"));
        assert!(!compatible("x", "0.2.0"));
    }
}
