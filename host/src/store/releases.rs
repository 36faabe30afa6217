//! The module registry: modules stored by content, releases of a vertical, the active
//! release of each vertical and every change of it, on both backends.
//!
//! The SQL is shared; one macro implements the methods for each backend, which differ
//! only in how a write transaction begins, how a row is locked, and how the other
//! replicas hear of a change ([`super::Event`]).

use serde::Serialize;

/// A module to store: its bytes and what its metadata says.
#[derive(Clone, Copy, Debug)]
pub struct NewModule<'a> {
    /// SHA-256 of `bytes`, hex.
    pub sha256: &'a str,
    /// Name from the module's metadata.
    pub name: &'a str,
    /// The author's version string.
    pub version: &'a str,
    /// The vertical it belongs to.
    pub vertical: &'a str,
    /// `filter` or `scorer`.
    pub kind: &'a str,
    /// The component.
    pub bytes: &'a [u8],
}

/// A release to publish (see [`Store::publish_release`](super::Store::publish_release)).
#[derive(Clone, Copy, Debug)]
pub struct NewRelease<'a> {
    /// The vertical.
    pub vertical: &'a str,
    /// The manifest text, as published.
    pub manifest: &'a str,
    /// Identity of the content (manifest and module hashes): the same content is the
    /// same release.
    pub content_hash: &'a str,
    /// The publisher's note.
    pub note: &'a str,
    /// Who published it, e.g. `cli`, `admin`, `builtin`.
    pub published_by: &'a str,
    /// Its modules, in manifest order.
    pub modules: &'a [NewModule<'a>],
    /// Publication time, unix ms.
    pub now: i64,
}

/// A module of a release, as the registry describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReleaseModule {
    /// The release's vertical.
    #[serde(skip)]
    pub vertical: String,
    /// The release's number.
    #[serde(skip)]
    pub number: i64,
    /// Position in the manifest's module list, from 0.
    #[serde(skip)]
    pub position: i64,
    /// SHA-256 of the component, hex.
    pub sha256: String,
    /// Module name.
    pub name: String,
    /// The author's version string.
    pub version: String,
    /// `filter` or `scorer`.
    pub kind: String,
    /// Size of the component in bytes.
    pub size: i64,
}

/// A release: an immutable manifest and module set of a vertical, `vertical@number`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Release {
    /// The vertical.
    pub vertical: String,
    /// Its number within the vertical, from 1.
    pub number: i64,
    /// The manifest text, as published.
    #[serde(skip)]
    pub manifest: String,
    /// Identity of its content.
    pub content_hash: String,
    /// The publisher's note.
    pub note: String,
    /// Who published it.
    pub published_by: String,
    /// Publication time, unix ms.
    pub created_at: i64,
    /// Whether it is the vertical's active release.
    pub active: bool,
    /// Its modules, in manifest order.
    #[sqlx(skip)]
    pub modules: Vec<ReleaseModule>,
}

/// The outcome of [`Store::publish_release`](super::Store::publish_release).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The release holding the content.
    pub release: Release,
    /// False when a release with the same content existed: nothing was written.
    pub new: bool,
}

/// Why a vertical's active release changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationKind {
    /// An operator, a publish or the start-up chose a release.
    Activate,
    /// A rollback went back to the release active before.
    Rollback,
}

impl ActivationKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Rollback => "rollback",
        }
    }
}

/// One change of a vertical's active release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Activation {
    /// Increasing id; the highest is the catalogue's version.
    pub id: i64,
    /// The vertical.
    pub vertical: String,
    /// The release active before, if any.
    pub from_number: Option<i64>,
    /// The release active after.
    pub to_number: i64,
    /// `activate` or `rollback`.
    pub kind: String,
    /// Who made the change, e.g. `cli`, `admin`, `builtin`, `watch`.
    pub actor: String,
    /// When, unix ms.
    pub created_at: i64,
}

/// The outcome of [`Store::activate`](super::Store::activate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activated {
    /// The active release changed, as recorded.
    Changed(Activation),
    /// Nothing changed: the release was active already (or, for a first activation,
    /// another release was).
    Unchanged,
    /// No such release.
    UnknownRelease,
}

/// The outcome of [`Store::rollback`](super::Store::rollback).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RolledBack {
    /// The active release went back, as recorded.
    Changed(Activation),
    /// The vertical has no active release.
    NoActiveRelease,
    /// The active release was the vertical's first: there is nothing to go back to.
    NothingEarlier,
}

/// Which activations [`Store::activate`](super::Store::activate) makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivateWhen {
    /// Whatever is active now.
    Always,
    /// Only when the vertical has no active release (the start-up's built-in verticals).
    NoneActive,
}

pub(super) const ENSURE_VERTICAL: &str = "insert into verticals \
     (vertical, last_release, active_release, created_at, updated_at) values ($1, 0, null, $2, $2) \
     on conflict (vertical) do update set updated_at = verticals.updated_at";

pub(super) const RELEASE_BY_CONTENT: &str =
    "select number from releases where vertical = $1 and content_hash = $2";

pub(super) const INSERT_MODULE: &str = "insert into modules \
     (sha256, name, version, vertical, kind, size, bytes, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8) on conflict (sha256) do nothing";

pub(super) const NEXT_RELEASE: &str = "update verticals set last_release = last_release + 1, \
     updated_at = $2 where vertical = $1 returning last_release";

pub(super) const INSERT_RELEASE: &str = "insert into releases \
     (vertical, number, manifest, content_hash, note, published_by, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $7)";

pub(super) const INSERT_RELEASE_MODULE: &str = "insert into release_modules \
     (vertical, number, position, module_sha256, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $5)";

macro_rules! release_columns {
    () => {
        "select r.vertical, r.number, r.manifest, r.content_hash, r.note, r.published_by, \
         r.created_at, coalesce(v.active_release = r.number, false) as active \
         from releases r join verticals v on v.vertical = r.vertical "
    };
}

pub(super) const RELEASES: &str = concat!(
    release_columns!(),
    "where $1 is null or r.vertical = $1 order by r.vertical, r.number"
);

pub(super) const RELEASE: &str = concat!(
    release_columns!(),
    "where r.vertical = $1 and r.number = $2"
);

pub(super) const RELEASE_MODULES: &str = "select rm.vertical, rm.number, rm.position, \
     m.sha256, m.name, m.version, m.kind, m.size \
     from release_modules rm join modules m on m.sha256 = rm.module_sha256 \
     where ($1 is null or rm.vertical = $1) and ($2 is null or rm.number = $2) \
     order by rm.vertical, rm.number, rm.position";

pub(super) const MODULE_BYTES: &str = "select bytes from modules where sha256 = $1";

/// A vertical's active release (`null` when none; no row when the vertical is unknown).
pub(super) const ACTIVE_RELEASE: &str = "select active_release from verticals where vertical = $1";

/// [`ACTIVE_RELEASE`], locking the row until the transaction ends.
pub(super) const ACTIVE_RELEASE_FOR_UPDATE: &str =
    "select active_release from verticals where vertical = $1 for update";

pub(super) const RELEASE_EXISTS: &str =
    "select count(*) from releases where vertical = $1 and number = $2";

pub(super) const SET_ACTIVE: &str =
    "update verticals set active_release = $2, updated_at = $3 where vertical = $1";

pub(super) const INSERT_ACTIVATION: &str = "insert into activations \
     (vertical, from_number, to_number, kind, actor, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $6) \
     returning id, vertical, from_number, to_number, kind, actor, created_at";

/// The release that was active before the active one became so by an activation (not a
/// rollback): where a rollback goes. Successive rollbacks walk back through the history.
pub(super) const ROLLBACK_TARGET: &str = "select from_number from activations \
     where vertical = $1 and to_number = $2 and kind = 'activate' order by id desc limit 1";

pub(super) const ACTIVE_RELEASES: &str = "select vertical, active_release from verticals \
     where active_release is not null order by vertical";

pub(super) const CATALOGUE_VERSION: &str = "select coalesce(max(id), 0) from activations";

pub(super) const ACTIVATIONS: &str = "select id, vertical, from_number, to_number, kind, actor, \
     created_at from activations where vertical = $1 order by id";

/// Implements the registry methods for a backend type with a `pool` field and an
/// `announce(Event)` method, over database `$db`. Write transactions open with `$begin`;
/// `$active` reads a vertical's active release inside one ([`ACTIVE_RELEASE_FOR_UPDATE`]
/// on PostgreSQL; on SQLite `begin immediate` already holds the write lock).
macro_rules! impl_releases {
    ($store:ty, $db:ty, $begin:literal, $active:expr) => {
        impl $store {
            /// Makes `to` the active release and records the change, inside `tx`.
            async fn record_activation(
                tx: &mut sqlx::Transaction<'_, $db>,
                vertical: &str,
                from: Option<i64>,
                to: i64,
                kind: $crate::store::releases::ActivationKind,
                actor: &str,
                now: i64,
            ) -> $crate::store::Result<$crate::store::releases::Activation> {
                use $crate::store::releases as sql;
                sqlx::query(sql::SET_ACTIVE)
                    .bind(vertical)
                    .bind(to)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                Ok(sqlx::query_as(sql::INSERT_ACTIVATION)
                    .bind(vertical)
                    .bind(from)
                    .bind(to)
                    .bind(kind.as_str())
                    .bind(actor)
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await?)
            }

            pub(super) async fn publish_release(
                &self,
                new: &$crate::store::releases::NewRelease<'_>,
            ) -> $crate::store::Result<$crate::store::releases::Published> {
                use $crate::store::releases as sql;
                let mut tx = self.pool.begin_with($begin).await?;
                // Locks the vertical's row: concurrent publishes of one vertical serialize here.
                sqlx::query(sql::ENSURE_VERTICAL)
                    .bind(new.vertical)
                    .bind(new.now)
                    .execute(&mut *tx)
                    .await?;
                let existing: Option<i64> = sqlx::query_scalar(sql::RELEASE_BY_CONTENT)
                    .bind(new.vertical)
                    .bind(new.content_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                let (number, fresh) = match existing {
                    Some(number) => (number, false),
                    None => {
                        for module in new.modules {
                            sqlx::query(sql::INSERT_MODULE)
                                .bind(module.sha256)
                                .bind(module.name)
                                .bind(module.version)
                                .bind(module.vertical)
                                .bind(module.kind)
                                .bind(module.bytes.len() as i64)
                                .bind(module.bytes)
                                .bind(new.now)
                                .execute(&mut *tx)
                                .await?;
                        }
                        let number: i64 = sqlx::query_scalar(sql::NEXT_RELEASE)
                            .bind(new.vertical)
                            .bind(new.now)
                            .fetch_one(&mut *tx)
                            .await?;
                        sqlx::query(sql::INSERT_RELEASE)
                            .bind(new.vertical)
                            .bind(number)
                            .bind(new.manifest)
                            .bind(new.content_hash)
                            .bind(new.note)
                            .bind(new.published_by)
                            .bind(new.now)
                            .execute(&mut *tx)
                            .await?;
                        for (position, module) in new.modules.iter().enumerate() {
                            sqlx::query(sql::INSERT_RELEASE_MODULE)
                                .bind(new.vertical)
                                .bind(number)
                                .bind(position as i64)
                                .bind(module.sha256)
                                .bind(new.now)
                                .execute(&mut *tx)
                                .await?;
                        }
                        (number, true)
                    }
                };
                tx.commit().await?;
                let release = self
                    .release(new.vertical, number)
                    .await?
                    .ok_or_else(|| sqlx::Error::RowNotFound)?;
                Ok(sql::Published {
                    release,
                    new: fresh,
                })
            }

            pub(super) async fn releases(
                &self,
                vertical: Option<&str>,
            ) -> $crate::store::Result<Vec<$crate::store::releases::Release>> {
                use $crate::store::releases as sql;
                let mut releases: Vec<sql::Release> = sqlx::query_as(sql::RELEASES)
                    .bind(vertical)
                    .fetch_all(&self.pool)
                    .await?;
                let modules: Vec<sql::ReleaseModule> = sqlx::query_as(sql::RELEASE_MODULES)
                    .bind(vertical)
                    .bind(None::<i64>)
                    .fetch_all(&self.pool)
                    .await?;
                sql::attach_modules(&mut releases, modules);
                Ok(releases)
            }

            pub(super) async fn release(
                &self,
                vertical: &str,
                number: i64,
            ) -> $crate::store::Result<Option<$crate::store::releases::Release>> {
                use $crate::store::releases as sql;
                let release: Option<sql::Release> = sqlx::query_as(sql::RELEASE)
                    .bind(vertical)
                    .bind(number)
                    .fetch_optional(&self.pool)
                    .await?;
                let Some(release) = release else {
                    return Ok(None);
                };
                let modules: Vec<sql::ReleaseModule> = sqlx::query_as(sql::RELEASE_MODULES)
                    .bind(vertical)
                    .bind(number)
                    .fetch_all(&self.pool)
                    .await?;
                let mut releases = vec![release];
                sql::attach_modules(&mut releases, modules);
                Ok(releases.pop())
            }

            pub(super) async fn module_bytes(
                &self,
                sha256: &str,
            ) -> $crate::store::Result<Option<Vec<u8>>> {
                Ok(sqlx::query_scalar($crate::store::releases::MODULE_BYTES)
                    .bind(sha256)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            pub(super) async fn activate(
                &self,
                vertical: &str,
                number: i64,
                when: $crate::store::releases::ActivateWhen,
                actor: &str,
                now: i64,
            ) -> $crate::store::Result<$crate::store::releases::Activated> {
                use $crate::store::releases::{
                    self as sql, ActivateWhen, Activated, ActivationKind,
                };
                let mut tx = self.pool.begin_with($begin).await?;
                let active: Option<Option<i64>> = sqlx::query_scalar($active)
                    .bind(vertical)
                    .fetch_optional(&mut *tx)
                    .await?;
                let exists: i64 = sqlx::query_scalar(sql::RELEASE_EXISTS)
                    .bind(vertical)
                    .bind(number)
                    .fetch_one(&mut *tx)
                    .await?;
                let (Some(active), true) = (active, exists > 0) else {
                    tx.rollback().await?;
                    return Ok(Activated::UnknownRelease);
                };
                let unchanged = match when {
                    ActivateWhen::Always => active == Some(number),
                    ActivateWhen::NoneActive => active.is_some(),
                };
                if unchanged {
                    tx.rollback().await?;
                    return Ok(Activated::Unchanged);
                }
                let activation = Self::record_activation(
                    &mut tx,
                    vertical,
                    active,
                    number,
                    ActivationKind::Activate,
                    actor,
                    now,
                )
                .await?;
                tx.commit().await?;
                self.announce($crate::store::Event::ReleaseActivated)
                    .await?;
                Ok(Activated::Changed(activation))
            }

            pub(super) async fn rollback(
                &self,
                vertical: &str,
                actor: &str,
                now: i64,
            ) -> $crate::store::Result<$crate::store::releases::RolledBack> {
                use $crate::store::releases::{self as sql, ActivationKind, RolledBack};
                let mut tx = self.pool.begin_with($begin).await?;
                let active: Option<Option<i64>> = sqlx::query_scalar($active)
                    .bind(vertical)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(Some(active)) = active else {
                    tx.rollback().await?;
                    return Ok(RolledBack::NoActiveRelease);
                };
                let target: Option<Option<i64>> = sqlx::query_scalar(sql::ROLLBACK_TARGET)
                    .bind(vertical)
                    .bind(active)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(Some(target)) = target else {
                    tx.rollback().await?;
                    return Ok(RolledBack::NothingEarlier);
                };
                let activation = Self::record_activation(
                    &mut tx,
                    vertical,
                    Some(active),
                    target,
                    ActivationKind::Rollback,
                    actor,
                    now,
                )
                .await?;
                tx.commit().await?;
                self.announce($crate::store::Event::ReleaseActivated)
                    .await?;
                Ok(RolledBack::Changed(activation))
            }

            pub(super) async fn active_releases(
                &self,
            ) -> $crate::store::Result<Vec<(String, i64)>> {
                Ok(sqlx::query_as($crate::store::releases::ACTIVE_RELEASES)
                    .fetch_all(&self.pool)
                    .await?)
            }

            pub(super) async fn catalogue_version(&self) -> $crate::store::Result<i64> {
                Ok(
                    sqlx::query_scalar($crate::store::releases::CATALOGUE_VERSION)
                        .fetch_one(&self.pool)
                        .await?,
                )
            }

            pub(super) async fn activations(
                &self,
                vertical: &str,
            ) -> $crate::store::Result<Vec<$crate::store::releases::Activation>> {
                Ok(sqlx::query_as($crate::store::releases::ACTIVATIONS)
                    .bind(vertical)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}
pub(super) use impl_releases;

/// Hands each release its modules (both sorted by vertical and number).
pub(super) fn attach_modules(releases: &mut [Release], modules: Vec<ReleaseModule>) {
    let mut modules = modules.into_iter().peekable();
    for release in releases {
        while let Some(module) = modules.next_if(|m| {
            (m.vertical.as_str(), m.number) <= (release.vertical.as_str(), release.number)
        }) {
            if module.vertical == release.vertical && module.number == release.number {
                release.modules.push(module);
            }
        }
    }
}
