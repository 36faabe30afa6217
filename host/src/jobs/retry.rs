//! When a job goes back to the queue after a passing failure (the database, no free
//! instance slot): exponential backoff with jitter, and a limit after which it fails.

use std::time::Duration;

/// How a job is retried. See [`Backoff::default`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The first delay.
    pub base: Duration,
    /// The longest delay.
    pub cap: Duration,
    /// Each delay is multiplied by a random factor in `1 ± jitter`.
    pub jitter: f64,
    /// Retries after which the job fails instead.
    pub max_retries: i64,
}

impl Default for Backoff {
    /// 250 ms, doubling to at most 30 s, ±20%; 8 retries (about a minute in all).
    fn default() -> Self {
        Self {
            base: Duration::from_millis(250),
            cap: Duration::from_secs(30),
            jitter: 0.2,
            max_retries: 8,
        }
    }
}

impl Backoff {
    /// The wait before the retry after `retries` earlier ones, with `random` in [0, 1)
    /// picking the jitter; `None` when retries are exhausted.
    pub fn delay(&self, retries: i64, random: f64) -> Option<Duration> {
        if retries >= self.max_retries || retries < 0 {
            return None;
        }
        let exponent = u32::try_from(retries).unwrap_or(u32::MAX).min(30);
        let base = self.base.saturating_mul(1 << exponent).min(self.cap);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let jitter = self.jitter.clamp(0.0, 1.0);
        Some(base.mul_f64(1.0 - jitter + 2.0 * jitter * random))
    }
}

/// A uniform sample in [0, 1) from the operating system.
pub fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_within_their_jitter_up_to_the_cap_then_stop() {
        let backoff = Backoff::default();
        for retries in 0..8 {
            let base = (Duration::from_millis(250) * (1 << retries)).min(Duration::from_secs(30));
            for random in [0.0, 0.5, 0.999_999, -3.0, f64::NAN] {
                let delay = backoff.delay(retries, random).unwrap();
                assert!(
                    delay >= base.mul_f64(0.8) && delay <= base.mul_f64(1.2),
                    "{retries} {random}: {delay:?}"
                );
            }
        }
        assert_eq!(backoff.delay(8, 0.5), None);
        assert_eq!(backoff.delay(-1, 0.5), None);
        let unit = random_unit();
        assert!((0.0..1.0).contains(&unit));
    }
}
