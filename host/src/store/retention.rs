//! Retention on both backends: each organisation's window, and the deletes the janitor
//! runs in small batches (see [`crate::retention`]). The SQL is shared; one macro
//! implements the methods for each backend, which differ in how a write transaction
//! begins, how the batch's jobs are locked and how a JSON list of ids is read.

/// Every organisation, for the janitor's round.
pub(super) const ORGS: &str = "select id, name, retention_days, created_at from orgs order by id";

/// `$2` days (null: the deployment's), `$3` now.
pub(super) const SET_RETENTION: &str =
    "update orgs set retention_days = $2, updated_at = $3 where id = $1";

/// Up to `$3` of organisation `$1`'s jobs that finished before `$2`, oldest first; a job
/// whose delivery is still being attempted waits for it. `$lock` is empty (SQLite: the
/// transaction holds the write lock) or `for update skip locked` (PostgreSQL: two
/// janitors take different batches).
macro_rules! expired_jobs {
    ($lock:literal) => {
        concat!(
            "select id from jobs where org_id = $1 and status in ('completed', 'failed') \
             and finished_at < $2 and not exists (select 1 from deliveries d \
             where d.eval_id = jobs.id and d.status = 'pending') \
             order by finished_at, id limit $3 ",
            $lock
        )
    };
}

pub(super) const EXPIRED_JOBS_SQLITE: &str = expired_jobs!("");
pub(super) const EXPIRED_JOBS_POSTGRES: &str = expired_jobs!("for update skip locked");

/// The statements that delete a batch of jobs (`$ids`: the backend's expression listing
/// the ids of the JSON array `$1`), children first.
macro_rules! delete_jobs {
    ($ids:literal) => {
        [
            concat!(
                "delete from delivery_attempts where delivery_id in \
                 (select id from deliveries where eval_id in ",
                $ids,
                ")"
            ),
            concat!("delete from deliveries where eval_id in ", $ids),
            concat!("delete from traces where eval_id in ", $ids),
            concat!("delete from jobs where id in ", $ids),
        ]
    };
}

pub(super) const DELETE_JOBS_SQLITE: [&str; 4] = delete_jobs!("(select value from json_each($1))");
pub(super) const DELETE_JOBS_POSTGRES: [&str; 4] =
    delete_jobs!("(select jsonb_array_elements_text($1::jsonb))");

/// Deletes up to `$2` pool versions that a newer version superseded before `$1` and that
/// no job references. The current version is never superseded; a job can only be
/// submitted against the current one, so past the grace no new job will reference it.
pub(super) const DELETE_POOL_VERSIONS: &str = "delete from pool_versions \
     where (org_id, pool_id, version) in (select v.org_id, v.pool_id, v.version \
     from pool_versions v where exists (select 1 from pool_versions n \
     where n.org_id = v.org_id and n.pool_id = v.pool_id and n.version > v.version \
     and n.created_at < $1) and not exists (select 1 from jobs j where j.org_id = v.org_id \
     and j.pool_id = v.pool_id and j.pool_version = v.version) \
     order by v.created_at limit $2)";

/// Implements the retention methods for a backend type with a `pool` field.
macro_rules! impl_retention {
    ($store:ty, $begin:literal, $expired:expr, $delete:expr) => {
        impl $store {
            pub(super) async fn orgs(&self) -> $crate::store::Result<Vec<$crate::store::Org>> {
                Ok(sqlx::query_as($crate::store::retention::ORGS)
                    .fetch_all(&self.pool)
                    .await?)
            }

            pub(super) async fn set_retention(
                &self,
                org_id: &str,
                days: Option<i64>,
                now: i64,
            ) -> $crate::store::Result<bool> {
                let updated = sqlx::query($crate::store::retention::SET_RETENTION)
                    .bind(org_id)
                    .bind(days)
                    .bind(now)
                    .execute(&self.pool)
                    .await?;
                Ok(updated.rows_affected() == 1)
            }

            pub(super) async fn purge_jobs(
                &self,
                org_id: &str,
                finished_before: i64,
                limit: i64,
            ) -> $crate::store::Result<u64> {
                let mut tx = self.pool.begin_with($begin).await?;
                let ids: Vec<String> = sqlx::query_scalar($expired)
                    .bind(org_id)
                    .bind(finished_before)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                if ids.is_empty() {
                    tx.rollback().await?;
                    return Ok(0);
                }
                let ids_json =
                    serde_json::to_string(&ids).expect("a list of strings always serialises");
                for statement in $delete {
                    sqlx::query(statement)
                        .bind(&ids_json)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(ids.len() as u64)
            }

            pub(super) async fn purge_pool_versions(
                &self,
                superseded_before: i64,
                limit: i64,
            ) -> $crate::store::Result<u64> {
                let deleted = sqlx::query($crate::store::retention::DELETE_POOL_VERSIONS)
                    .bind(superseded_before)
                    .bind(limit)
                    .execute(&self.pool)
                    .await?;
                Ok(deleted.rows_affected())
            }
        }
    };
}
pub(super) use impl_retention;
