//! The keys that sign audit links, on both backends: the SQL is shared and one macro
//! implements the methods for each backend, which differ only in how a write
//! transaction begins.

/// A key that signs audit links.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditKey {
    /// The key's id, named in each link (`kid`).
    pub id: String,
    /// The HMAC secret, base64.
    pub secret: String,
    /// When it was revoked, if it was.
    pub retired_at: Option<i64>,
    /// When it was made, unix ms.
    pub created_at: i64,
}

pub(super) const AUDIT_KEYS: &str = "select id, secret, retired_at, created_at from audit_keys \
     where retired_at is null or retired_at > $1 order by seq desc";

pub(super) const RETIRE_AUDIT_KEYS: &str =
    "update audit_keys set retired_at = $1, updated_at = $1 where retired_at is null";

pub(super) const INSERT_AUDIT_KEY: &str = "insert into audit_keys \
     (id, secret, retired_at, created_at, updated_at) values ($1, $2, null, $3, $3)";

/// Implements the audit-key methods for a backend type with a `pool` field.
macro_rules! impl_audit_keys {
    ($store:ty, $begin:literal) => {
        impl $store {
            pub(super) async fn audit_keys(
                &self,
                now: i64,
            ) -> $crate::store::Result<Vec<$crate::store::audit::AuditKey>> {
                Ok(sqlx::query_as($crate::store::audit::AUDIT_KEYS)
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await?)
            }

            pub(super) async fn add_audit_key(
                &self,
                id: &str,
                secret: &str,
                revoke_others: bool,
                now: i64,
            ) -> $crate::store::Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                if revoke_others {
                    sqlx::query($crate::store::audit::RETIRE_AUDIT_KEYS)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query($crate::store::audit::INSERT_AUDIT_KEY)
                    .bind(id)
                    .bind(secret)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(super) use impl_audit_keys;
