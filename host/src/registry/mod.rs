//! The module registry's rules: publishing a vertical's bundle as a release (checked in
//! full before anything is stored), activating a release, rolling back, and reading a
//! release back, as a bundle or loaded.
//!
//! Releases live in the database ([`crate::store`]), so every replica sees the same; each
//! replica serves the active ones through its [`crate::catalogue::Catalogue`].

mod checks;
mod id;

pub use checks::SMOKE_POOL_SIZE;
pub use id::{InvalidReleaseId, ReleaseId, ReleaseRef};

use crate::runtime::{Kind, Runtime};
use crate::store::{
    self, ActivateWhen, Activated, Activation, NewModule, NewRelease, RolledBack, Store,
};
use crate::time::now_ms;
use crate::vertical::{self, Bundle, ModuleFile, Vertical};

/// Who changed the registry, as recorded: the command line.
pub const ACTOR_CLI: &str = "cli";
/// Who changed the registry: the admin API (its operator token).
pub const ACTOR_ADMIN: &str = "admin";
/// Who changed the registry: a process publishing the verticals built into it.
pub const ACTOR_BUILTIN: &str = "builtin";
/// Who changed the registry: `vertical watch`.
pub const ACTOR_WATCH: &str = "watch";

/// What can go wrong with releases.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bundle cannot become a release. Nothing was stored. Returns 422 upstream.
    #[error("{origin} cannot be published:\n  - {}", problems.join("\n  - "))]
    Refused {
        /// The bundle's origin (a path, `built-in insurance`).
        origin: String,
        /// Every problem, one sentence each.
        problems: Vec<String>,
    },
    /// No such release. Returns 404 upstream.
    #[error("there is no release {0}")]
    UnknownRelease(String),
    /// The vertical has no active release. Returns 404 upstream.
    #[error("vertical {0} has no active release")]
    NoActiveRelease(String),
    /// A rollback from the vertical's first activated release. Returns 409 upstream.
    #[error(
        "{0} is the first release activated for its vertical: there is nothing to roll back to"
    )]
    NothingEarlier(ReleaseId),
    /// A stored module is missing or does not hash to its name: the database was altered.
    #[error("release {release} is damaged: {message}")]
    Damaged {
        /// The release.
        release: ReleaseId,
        /// What is wrong.
        message: String,
    },
    /// A stored release failed to load (e.g. on a host with a smaller contract).
    #[error(transparent)]
    Vertical(#[from] vertical::Error),
    /// The database.
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Results of the registry.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The outcome of [`publish`].
#[derive(Clone, Debug)]
pub struct Published {
    /// The release holding the bundle's content.
    pub release: store::Release,
    /// False when the same content was a release already: nothing was written.
    pub new: bool,
}

impl Published {
    /// The release's name.
    pub fn id(&self) -> ReleaseId {
        ReleaseId::new(&self.release.vertical, self.release.number)
    }
}

/// Checks a bundle in full, as [`publish`] does, and stores nothing: what an author's
/// build runs before anything reaches a database.
///
/// # Errors
///
/// [`Error::Refused`] naming every problem.
pub async fn check(runtime: &Runtime, bundle: &Bundle) -> Result<Vertical> {
    checks::check(runtime, bundle)
        .await
        .map_err(|problems| Error::Refused {
            origin: bundle.origin().to_owned(),
            problems,
        })
}

/// Checks a bundle in full and stores it as the next release of its vertical. The same
/// content published again returns its existing release, unchecked (it was checked once).
///
/// # Errors
///
/// [`Error::Refused`] naming every problem (nothing is stored), or the database.
pub async fn publish(
    store: &Store,
    runtime: &Runtime,
    bundle: &Bundle,
    note: &str,
    actor: &str,
) -> Result<Published> {
    let vertical_name = &bundle.manifest().vertical;
    let content_hash = bundle.content_hash();
    if let Some(release) = store
        .releases(Some(vertical_name))
        .await?
        .into_iter()
        .find(|r| r.content_hash == content_hash)
    {
        return Ok(Published {
            release,
            new: false,
        });
    }
    let vertical = check(runtime, bundle).await?;
    let file = |sha256: &str| {
        bundle
            .modules()
            .iter()
            .find(|f| f.sha256 == sha256)
            .expect("every loaded component comes from a bundle file")
    };
    let mut modules: Vec<NewModule> = vertical
        .modules()
        .map(|m| {
            let info = m.info();
            NewModule {
                sha256: &info.sha256,
                name: &info.name,
                version: &info.version,
                vertical: &info.vertical,
                kind: kind_name(info.kind),
                bytes: &file(&info.sha256).bytes,
            }
        })
        .collect();
    // The sample data travels with the rules: an exported release carries it, and the
    // demo and `shortlist sample` read it from the active release.
    let samples_sha256 = vertical.samples().map(|s| s.sha256());
    if let Some(sha256) = &samples_sha256 {
        let file = file(sha256);
        modules.push(NewModule {
            sha256,
            name: file.file.strip_suffix(".wasm").unwrap_or(&file.file),
            version: "",
            vertical: vertical_name,
            kind: SAMPLES_KIND,
            bytes: &file.bytes,
        });
    }
    let published = store
        .publish_release(&NewRelease {
            vertical: vertical_name,
            manifest: bundle.manifest_text(),
            content_hash: &content_hash,
            note,
            published_by: actor,
            modules: &modules,
            now: now_ms(),
        })
        .await?;
    Ok(Published {
        release: published.release,
        new: published.new,
    })
}

/// A release as operators read it: `vertical list --json` and the admin API.
pub fn summary(release: &store::Release) -> serde_json::Value {
    serde_json::json!({
        "release": ReleaseId::new(&release.vertical, release.number).to_string(),
        "vertical": release.vertical,
        "number": release.number,
        "active": release.active,
        "created_at": crate::time::rfc3339(release.created_at),
        "published_by": release.published_by,
        "note": release.note,
        "content_hash": release.content_hash,
        "modules": release.modules,
    })
}

/// The kind recorded for a release's sample data component.
pub const SAMPLES_KIND: &str = "samples";

/// The stored name of a module kind.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Filter => "filter",
        Kind::Scorer => "scorer",
    }
}

/// Makes a release its vertical's active one. `None` when it was active already.
///
/// # Errors
///
/// [`Error::UnknownRelease`], or the database.
pub async fn activate(store: &Store, id: &ReleaseId, actor: &str) -> Result<Option<Activation>> {
    match store
        .activate(
            &id.vertical,
            id.number,
            ActivateWhen::Always,
            actor,
            now_ms(),
        )
        .await?
    {
        Activated::Changed(activation) => Ok(Some(activation)),
        Activated::Unchanged => Ok(None),
        Activated::UnknownRelease => Err(Error::UnknownRelease(id.to_string())),
    }
}

/// Re-activates the release that was active before the current one.
///
/// # Errors
///
/// [`Error::NoActiveRelease`], [`Error::NothingEarlier`], or the database.
pub async fn rollback(store: &Store, vertical: &str, actor: &str) -> Result<Activation> {
    match store.rollback(vertical, actor, now_ms()).await? {
        RolledBack::Changed(activation) => Ok(activation),
        RolledBack::NoActiveRelease => Err(Error::NoActiveRelease(vertical.to_owned())),
        RolledBack::NothingEarlier => {
            let active = active(store, vertical)
                .await?
                .ok_or_else(|| Error::NoActiveRelease(vertical.to_owned()))?;
            Err(Error::NothingEarlier(active))
        }
    }
}

/// The active release of a vertical, if it has one.
///
/// # Errors
///
/// The database.
pub async fn active(store: &Store, vertical: &str) -> Result<Option<ReleaseId>> {
    Ok(store
        .active_releases()
        .await?
        .into_iter()
        .find(|(v, _)| v == vertical)
        .map(|(v, n)| ReleaseId::new(v, n)))
}

/// The release a reference names: the numbered one, or the vertical's active one.
///
/// # Errors
///
/// [`Error::NoActiveRelease`], or the database.
pub async fn resolve(store: &Store, reference: &ReleaseRef) -> Result<ReleaseId> {
    match reference.number {
        Some(number) => Ok(ReleaseId::new(&reference.vertical, number)),
        None => active(store, &reference.vertical)
            .await?
            .ok_or_else(|| Error::NoActiveRelease(reference.vertical.clone())),
    }
}

/// A stored release as a bundle: its manifest as published and its modules, each named
/// `<module name>.wasm`. Every module's bytes are checked against its hash.
///
/// # Errors
///
/// [`Error::UnknownRelease`], [`Error::Damaged`], or the database.
pub async fn bundle(store: &Store, id: &ReleaseId) -> Result<Bundle> {
    let release = store
        .release(&id.vertical, id.number)
        .await?
        .ok_or_else(|| Error::UnknownRelease(id.to_string()))?;
    let damaged = |message: String| Error::Damaged {
        release: id.clone(),
        message,
    };
    let mut files = Vec::with_capacity(release.modules.len());
    for module in &release.modules {
        let bytes = store
            .module_bytes(&module.sha256)
            .await?
            .ok_or_else(|| damaged(format!("module {} is missing", module.sha256)))?;
        let file = ModuleFile::new(format!("{}.wasm", module.name), bytes);
        if file.sha256 != module.sha256 {
            return Err(damaged(format!(
                "module {} hashes to {}",
                module.sha256, file.sha256
            )));
        }
        files.push(file);
    }
    Ok(Bundle::new(id.to_string(), release.manifest, files)?)
}

/// Loads a stored release: its bundle, compiled (through the runtime's cache) and checked.
///
/// # Errors
///
/// As [`bundle`], or a module that no longer loads.
pub async fn load(store: &Store, runtime: &Runtime, id: &ReleaseId) -> Result<Vertical> {
    Ok(bundle(store, id).await?.load(runtime).await?)
}

/// Publishes each vertical built into this binary whose content is not a release yet,
/// and activates it where its vertical has no active release: an upgrade never replaces
/// a release an operator chose. Returns the releases that became active.
///
/// # Errors
///
/// A built-in vertical refused (the binary is broken), or the database.
pub async fn publish_builtins(store: &Store, runtime: &Runtime) -> Result<Vec<ReleaseId>> {
    let mut activated = Vec::new();
    for name in Vertical::builtin_names() {
        let bundle = Bundle::builtin(name)?;
        let note = format!("built into shortlist {}", env!("CARGO_PKG_VERSION"));
        let published = publish(store, runtime, &bundle, &note, ACTOR_BUILTIN).await?;
        let id = published.id();
        if let Activated::Changed(_) = store
            .activate(
                name,
                id.number,
                ActivateWhen::NoneActive,
                ACTOR_BUILTIN,
                now_ms(),
            )
            .await?
        {
            activated.push(id);
        }
    }
    Ok(activated)
}
