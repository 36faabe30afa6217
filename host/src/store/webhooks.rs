//! The webhook outbox: signing secrets, deliveries and their attempts, on both backends.
//!
//! The SQL is shared; one macro implements the methods for each backend, which
//! differ only in how a write transaction begins and how a due delivery is locked.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// Where a delivery is in its life; stored and written `pending`, `delivered` or `failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Attempts are due or running.
    Pending,
    /// Delivered: a 2xx answer.
    Delivered,
    /// Given up: attempts exhausted, or the receiver answered 410.
    Failed,
}

impl DeliveryStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 3] = [Self::Pending, Self::Delivered, Self::Failed];

    /// The stored (and serialized) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a [`DeliveryStatus`] name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown delivery status {0:?}")]
pub struct UnknownDeliveryStatus(pub String);

impl FromStr for DeliveryStatus {
    type Err = UnknownDeliveryStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownDeliveryStatus(s.to_owned()))
    }
}

/// Used by `sqlx::FromRow` to decode the `status` column.
impl TryFrom<String> for DeliveryStatus {
    type Error = UnknownDeliveryStatus;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A webhook delivery to write with a job's result (the outbox row).
#[derive(Clone, Copy, Debug)]
pub struct NewDelivery<'a> {
    /// The `webhook-id`, e.g. `msg_...`.
    pub id: &'a str,
    /// Where to POST; the payload is the job's result.
    pub url: &'a str,
}

/// One delivery of one job's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    /// The `webhook-id`.
    pub id: String,
    /// The job.
    pub eval_id: String,
    /// Owning organisation.
    pub org_id: String,
    /// Target URL.
    pub url: String,
    /// The JSON body.
    #[serde(skip)]
    pub payload: String,
    /// Where it is in its life.
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i64,
    /// When the next attempt is due, unix ms.
    pub next_attempt_at: i64,
    /// Worker holding it while an attempt runs.
    #[serde(skip)]
    pub lease_owner: Option<String>,
    /// Bumped by every claim: the fencing token of the attempt's result.
    #[serde(skip)]
    pub lease_token: i64,
    /// When that hold runs out.
    #[serde(skip)]
    pub lease_expires_at: Option<i64>,
    /// HTTP status of the last attempt, if it got one.
    pub last_status_code: Option<i64>,
    /// Error kind of the last attempt, if it failed without a status.
    pub last_error: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last change, unix ms.
    pub updated_at: i64,
}

/// One recorded attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DeliveryAttempt {
    /// The delivery.
    #[serde(skip)]
    pub delivery_id: String,
    /// 1 for the first attempt.
    pub number: i64,
    /// When it started, unix ms.
    pub started_at: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// HTTP status, if any.
    pub status_code: Option<i64>,
    /// Why it failed without a status (`connect`, `timeout`, `blocked_address`, ...).
    pub error_kind: Option<String>,
    /// The first KiB of the response.
    pub response_prefix: String,
}

/// What an attempt leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Delivered.
    Delivered,
    /// Try again after this many milliseconds (timed by the database's clock).
    RetryAfter(i64),
    /// Give up.
    Failed,
}

/// One signing secret of an organisation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SecretRow {
    /// Row id.
    pub id: String,
    /// `whsec_...`.
    pub secret: String,
    /// When a retired secret stops signing; `None` for the current one.
    pub expires_at: Option<i64>,
    /// Created, unix ms.
    pub created_at: i64,
}

/// A delivery's columns; its payload is the job's result (see `insert_delivery!`).
macro_rules! delivery_columns {
    () => {
        "id, eval_id, org_id, url, \
         coalesce(nullif(payload, ''), (select result from jobs where jobs.id = deliveries.eval_id), '') \
         as payload, status, attempts, next_attempt_at, lease_owner, \
         lease_token, lease_expires_at, last_status_code, last_error, created_at, updated_at"
    };
}

/// The outbox row of a finished job, due at `$now` (the backend's expression over `$6`).
/// Its payload is left empty: it is the job's result, stored once, in the job, and read
/// from there by `delivery_columns!` (deliveries written before 0007 keep their own).
macro_rules! insert_delivery {
    ($now:expr) => {
        concat!(
            "insert into deliveries (id, eval_id, org_id, url, payload, status, attempts, \
             next_attempt_at, created_at, updated_at) \
             values ($1, $2, $3, $4, '', 'pending', 0, ",
            $now,
            ", $5, $5)"
        )
    };
}

pub(super) const INSERT_DELIVERY_SQLITE: &str =
    insert_delivery!(concat!("coalesce($6, ", super::sql::sqlite_clock!(), ")"));
pub(super) const INSERT_DELIVERY_POSTGRES: &str = insert_delivery!(concat!(
    "coalesce($6::bigint, ",
    super::sql::postgres_clock!(),
    ")"
));

/// `$1` worker, `$now` the time (the backend's expression over `$2`, see
/// [`super::Clock`]), `$3` lease ms; `$lock` is empty or `for update skip locked`. Bumps the
/// delivery's fencing token.
macro_rules! claim_delivery {
    ($lock:literal, $now:expr) => {
        concat!(
            "update deliveries set lease_owner = $1, lease_token = lease_token + 1, \
             lease_expires_at = ", $now, " + $3, updated_at = ", $now, " \
             where id = (select id from deliveries where status = 'pending' and next_attempt_at <= ", $now, " \
             and (lease_expires_at is null or lease_expires_at < ", $now, ") \
             order by next_attempt_at, id limit 1 ",
            $lock,
            ") and status = 'pending' and (lease_expires_at is null or lease_expires_at < ", $now, ") returning ",
            delivery_columns!()
        )
    };
}

pub(super) const CLAIM_DELIVERY_SQLITE: &str = claim_delivery!(
    "",
    concat!("coalesce($2, ", super::sql::sqlite_clock!(), ")")
);
pub(super) const CLAIM_DELIVERY_POSTGRES: &str = claim_delivery!(
    "for update skip locked",
    concat!("coalesce($2::bigint, ", super::sql::postgres_clock!(), ")")
);

/// Records an attempt's end: status `$3`, due again `$4` ms after `$now` (the backend's
/// expression over `$8`).
macro_rules! finish_attempt {
    ($now:expr) => {
        concat!(
            "update deliveries set attempts = attempts + 1, status = $3, \
             next_attempt_at = ",
            $now,
            " + $4, last_status_code = $5, last_error = $6, \
             lease_owner = null, lease_expires_at = null, updated_at = $7 \
             where id = $1 and lease_token = $2 and status = 'pending' returning attempts"
        )
    };
}

pub(super) const FINISH_ATTEMPT_SQLITE: &str =
    finish_attempt!(concat!("coalesce($8, ", super::sql::sqlite_clock!(), ")"));
pub(super) const FINISH_ATTEMPT_POSTGRES: &str = finish_attempt!(concat!(
    "coalesce($8::bigint, ",
    super::sql::postgres_clock!(),
    ")"
));

pub(super) const INSERT_ATTEMPT: &str = "insert into delivery_attempts (delivery_id, number, started_at, \
     duration_ms, status_code, error_kind, response_prefix, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $8)";

pub(super) const DELIVERIES_OF_JOB: &str = concat!(
    "select ",
    delivery_columns!(),
    " from deliveries where org_id = $1 and eval_id = $2 order by created_at, id"
);

pub(super) const ATTEMPTS: &str = "select delivery_id, number, started_at, duration_ms, status_code, error_kind, \
     response_prefix from delivery_attempts where delivery_id = $1 order by number";

/// Makes a delivery due at `$now` (the backend's expression over `$5`), unless an attempt
/// holds it (a live lease) or it was redelivered less than `$4` ms before: one attempt in
/// flight per job, one redelivery per interval.
macro_rules! redeliver {
    ($now:expr) => {
        concat!(
            "update deliveries set status = 'pending', next_attempt_at = ",
            $now,
            ", \
             redelivered_at = ",
            $now,
            ", updated_at = $3 where org_id = $1 and eval_id = $2 \
             and (lease_expires_at is null or lease_expires_at < ",
            $now,
            ") \
             and (redelivered_at is null or redelivered_at <= ",
            $now,
            " - $4) returning ",
            delivery_columns!()
        )
    };
}

pub(super) const REDELIVER_SQLITE: &str =
    redeliver!(concat!("coalesce($5, ", super::sql::sqlite_clock!(), ")"));
pub(super) const REDELIVER_POSTGRES: &str = redeliver!(concat!(
    "coalesce($5::bigint, ",
    super::sql::postgres_clock!(),
    ")"
));

/// The database's clock (the backend's expression), to compare with `redelivered_at`.
pub(super) const CLOCK_SQLITE: &str = concat!("select ", super::sql::sqlite_clock!());
pub(super) const CLOCK_POSTGRES: &str = concat!("select ", super::sql::postgres_clock!());

/// When a job's delivery was last redelivered.
pub(super) const REDELIVERED_AT: &str =
    "select redelivered_at from deliveries where org_id = $1 and eval_id = $2";

/// The outcome of [`Store::redeliver`](super::Store::redeliver).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redelivered {
    /// Due now, under its `webhook-id`.
    Queued(Box<Delivery>),
    /// An attempt is being made now; its outcome shows in the job's status.
    InFlight,
    /// Redelivered this many milliseconds ago, within the interval.
    TooSoon(i64),
    /// The job has no delivery (no `webhook_url`, or not finished).
    NoDelivery,
}

pub(super) const SECRETS: &str = "select id, secret, expires_at, created_at from webhook_secrets \
     where org_id = $1 and (expires_at is null or expires_at > $2) order by created_at desc, id";

pub(super) const RETIRE_SECRETS: &str = "update webhook_secrets set expires_at = $2, updated_at = $3 where org_id = $1 and expires_at is null";

pub(super) const INSERT_SECRET: &str = "insert into webhook_secrets (id, org_id, secret, expires_at, created_at, updated_at) \
     values ($1, $2, $3, null, $4, $4)";

/// Implements the outbox methods for a backend type with a `pool` field.
macro_rules! impl_webhooks {
    ($store:ty, $claim:expr, $finish:expr, $redeliver:expr, $clock:expr, $begin:ident $(, $mode:literal)?) => {
        impl $store {
            pub(super) async fn claim_delivery(&self, worker: &str, now: Option<i64>, lease_ms: i64) -> $crate::store::Result<Option<$crate::store::webhooks::Delivery>> {
                Ok(sqlx::query_as($claim).bind(worker).bind(now).bind(lease_ms).fetch_optional(&self.pool).await?)
            }

            pub(super) async fn finish_attempt(
                &self,
                id: &str,
                token: i64,
                attempt: &$crate::store::webhooks::DeliveryAttempt,
                next: $crate::store::webhooks::Next,
                now: i64,
                clock: Option<i64>,
            ) -> $crate::store::Result<bool> {
                let (status, delay) = match next {
                    $crate::store::webhooks::Next::Delivered => ($crate::store::webhooks::DeliveryStatus::Delivered.as_str(), 0),
                    $crate::store::webhooks::Next::RetryAfter(ms) => ($crate::store::webhooks::DeliveryStatus::Pending.as_str(), ms),
                    $crate::store::webhooks::Next::Failed => ($crate::store::webhooks::DeliveryStatus::Failed.as_str(), 0),
                };
                let mut tx = self.pool.$begin($($mode)?).await?;
                let number: Option<i64> = sqlx::query_scalar($finish)
                    .bind(id)
                    .bind(token)
                    .bind(status)
                    .bind(delay)
                    .bind(attempt.status_code)
                    .bind(attempt.error_kind.as_deref())
                    .bind(now)
                    .bind(clock)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(number) = number else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                sqlx::query($crate::store::webhooks::INSERT_ATTEMPT)
                    .bind(id)
                    .bind(number)
                    .bind(attempt.started_at)
                    .bind(attempt.duration_ms)
                    .bind(attempt.status_code)
                    .bind(attempt.error_kind.as_deref())
                    .bind(&attempt.response_prefix)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            pub(super) async fn deliveries(&self, org_id: &str, eval_id: &str) -> $crate::store::Result<Vec<$crate::store::webhooks::Delivery>> {
                Ok(sqlx::query_as($crate::store::webhooks::DELIVERIES_OF_JOB).bind(org_id).bind(eval_id).fetch_all(&self.pool).await?)
            }

            pub(super) async fn delivery_attempts(&self, delivery_id: &str) -> $crate::store::Result<Vec<$crate::store::webhooks::DeliveryAttempt>> {
                Ok(sqlx::query_as($crate::store::webhooks::ATTEMPTS).bind(delivery_id).fetch_all(&self.pool).await?)
            }

            pub(super) async fn redeliver(&self, org_id: &str, eval_id: &str, now: i64, interval_ms: i64, clock: Option<i64>) -> $crate::store::Result<$crate::store::webhooks::Redelivered> {
                use $crate::store::webhooks::{self as sql, Redelivered};
                let queued: Option<sql::Delivery> = sqlx::query_as($redeliver).bind(org_id).bind(eval_id).bind(now).bind(interval_ms).bind(clock).fetch_optional(&self.pool).await?;
                if let Some(delivery) = queued {
                    return Ok(Redelivered::Queued(Box::new(delivery)));
                }
                let last: Option<Option<i64>> = sqlx::query_scalar(sql::REDELIVERED_AT).bind(org_id).bind(eval_id).fetch_optional(&self.pool).await?;
                let clock = match clock {
                    Some(clock) => clock,
                    None => sqlx::query_scalar($clock).fetch_one(&self.pool).await?,
                };
                Ok(match last {
                    None => Redelivered::NoDelivery,
                    Some(Some(at)) if clock - at < interval_ms => Redelivered::TooSoon(clock - at),
                    Some(_) => Redelivered::InFlight,
                })
            }

            pub(super) async fn webhook_secrets(&self, org_id: &str, now: i64) -> $crate::store::Result<Vec<$crate::store::webhooks::SecretRow>> {
                Ok(sqlx::query_as($crate::store::webhooks::SECRETS).bind(org_id).bind(now).fetch_all(&self.pool).await?)
            }

            pub(super) async fn add_webhook_secret(
                &self,
                org_id: &str,
                id: &str,
                secret: &str,
                retire_current_at: Option<i64>,
                now: i64,
            ) -> $crate::store::Result<()> {
                let mut tx = self.pool.$begin($($mode)?).await?;
                if let Some(at) = retire_current_at {
                    sqlx::query($crate::store::webhooks::RETIRE_SECRETS).bind(org_id).bind(at).bind(now).execute(&mut *tx).await?;
                }
                sqlx::query($crate::store::webhooks::INSERT_SECRET).bind(id).bind(org_id).bind(secret).bind(now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(super) use impl_webhooks;
