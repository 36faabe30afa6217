//! The delivery workers: send queued webhook deliveries, record every attempt, and
//! schedule the next one, on their own concurrency limit so that a slow or dead
//! receiver never holds up evaluations.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, info, info_span, warn};

use super::claim_loop::ClaimLoop;
use crate::store::{Delivery, DeliveryAttempt, Next, Store};
use crate::time::now_ms;
use crate::webhooks::{self, AttemptConfig, Policy, RetryPolicy, Secret};

/// How long a worker holds a delivery while an attempt runs: past the attempt's timeout.
pub const DELIVERY_LEASE: Duration = Duration::from_secs(60);
/// How long a rotated-out secret keeps signing.
pub const ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);

/// How deliveries run.
#[derive(Clone, Debug)]
pub struct DeliveryConfig {
    /// This process's name in leases.
    pub name: String,
    /// Attempts in flight at once.
    pub concurrency: usize,
    /// Which addresses may be reached.
    pub policy: Policy,
    /// Timeouts and response cap of one attempt.
    pub attempt: AttemptConfig,
    /// When to try again.
    pub retry: RetryPolicy,
    /// How often idle workers look for due deliveries without being woken.
    pub poll: Duration,
}

/// The secrets that sign an org's deliveries, creating its first one if it has none.
///
/// # Errors
///
/// The database, or a stored secret that does not parse.
pub async fn org_secrets(store: &Store, org_id: &str) -> anyhow::Result<Vec<Secret>> {
    let now = now_ms();
    let mut rows = store.webhook_secrets(org_id, now).await?;
    if rows.is_empty() {
        let secret = Secret::generate()?;
        let id = format!("whs_{}", crate::base62::random(12)?);
        store
            .add_webhook_secret(org_id, &id, &secret.to_text(), None, now)
            .await?;
        rows = store.webhook_secrets(org_id, now).await?;
    }
    Ok(rows
        .iter()
        .map(|r| Secret::parse(&r.secret))
        .collect::<Result<_, _>>()?)
}

/// Makes a new current secret for an org; the previous one keeps signing for [`ROTATION_GRACE`].
///
/// # Errors
///
/// The database or the random source.
pub async fn rotate_secret(store: &Store, org_id: &str) -> anyhow::Result<Secret> {
    let now = now_ms();
    let secret = Secret::generate()?;
    let id = format!("whs_{}", crate::base62::random(12)?);
    let grace_end = now + ROTATION_GRACE.as_millis() as i64;
    store
        .add_webhook_secret(org_id, &id, &secret.to_text(), Some(grace_end), now)
        .await?;
    Ok(secret)
}

/// Runs delivery workers until `shutdown`; attempts in flight finish first.
pub async fn run_deliveries(
    config: DeliveryConfig,
    store: Store,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
) {
    if config.concurrency == 0 {
        info!("Webhook delivery is off in this process (0 delivery workers).");
        return;
    }
    let config = Arc::new(config);
    let lease_ms = DELIVERY_LEASE.as_millis() as i64;
    let claim_loop = ClaimLoop {
        what: "delivery",
        concurrency: config.concurrency,
        poll: config.poll,
        wake: &wake,
        shutdown: &shutdown,
    };
    let claim = || {
        let (store, name) = (store.clone(), config.name.clone());
        async move { store.claim_delivery(&name, now_ms(), lease_ms).await }
    };
    let process = |delivery: Delivery| {
        let span = info_span!("delivery", job.id = %delivery.eval_id, webhook.id = %delivery.id);
        let (config, store) = (config.clone(), store.clone());
        async move { deliver(&config, &store, delivery).await }.instrument(span)
    };
    claim_loop.run(claim, process).await;
}

/// One attempt of one delivery, recorded with what follows it.
async fn deliver(config: &DeliveryConfig, store: &Store, delivery: Delivery) {
    let secrets = match org_secrets(store, &delivery.org_id).await {
        Ok(secrets) => secrets,
        Err(e) => {
            // Leave it claimed: the lease runs out and another attempt picks it up.
            warn!(error = %e, "No signing secret; the delivery waits for its lease to run out.");
            return;
        }
    };
    let started_at = now_ms();
    let timestamp = started_at / 1000;
    let outcome = webhooks::attempt(
        &config.policy,
        &config.attempt,
        &delivery.url,
        &delivery.id,
        timestamp,
        delivery.payload.as_bytes(),
        &secrets,
    )
    .await;
    let number = delivery.attempts + 1;
    let next = if outcome.is_success() {
        Next::Delivered
    } else {
        let next_attempt = u32::try_from(number + 1).unwrap_or(u32::MAX);
        match config
            .retry
            .next_delay(next_attempt, &outcome, random_unit())
        {
            Some(delay) => Next::RetryAfter(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
            None => Next::Failed,
        }
    };
    let attempt = DeliveryAttempt {
        delivery_id: delivery.id.clone(),
        number,
        started_at,
        duration_ms: outcome.duration_ms as i64,
        status_code: outcome.status.map(i64::from),
        error_kind: outcome.error_kind.clone(),
        response_prefix: outcome.response_prefix.clone(),
    };
    match next {
        Next::Delivered => {
            info!(attempt = number, http.status = ?outcome.status, "Webhook delivered.")
        }
        Next::RetryAfter(at) => {
            warn!(attempt = number, http.status = ?outcome.status, error.kind = ?outcome.error_kind, retry.in_ms = at - now_ms(), "Webhook attempt failed; will retry.")
        }
        Next::Failed => {
            warn!(attempt = number, http.status = ?outcome.status, error.kind = ?outcome.error_kind, "Webhook delivery failed for good.")
        }
    }
    match store
        .finish_attempt(&delivery.id, delivery.lease_token, &attempt, next, now_ms())
        .await
    {
        Ok(true) => {}
        Ok(false) => warn!("Lost the hold on a delivery before recording its attempt."),
        Err(e) => {
            warn!(error = %e, "Could not record a delivery attempt; its lease will run out and it is tried again.")
        }
    }
}

/// A uniform sample in [0, 1) for retry jitter.
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}
