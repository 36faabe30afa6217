//! When to try a webhook delivery again: a fixed schedule with jitter, cut
//! short by `410 Gone` and bent by `Retry-After` on 429 and 503.
//!
//! The policy is pure: the caller supplies the uniform sample used for
//! jitter, so tests are deterministic and need no clock.

use std::time::Duration;

use super::{AttemptOutcome, Error};

/// The default delays before attempts 1 to 8: immediately, 5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h, 10 h.
const DEFAULT_SCHEDULE: [Duration; 8] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];
/// Default jitter: each delay is moved by up to ±20%.
const DEFAULT_JITTER: f64 = 0.2;
/// Default lower bound on an honoured `Retry-After`.
const DEFAULT_MIN_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Default upper bound on an honoured `Retry-After`.
const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(10 * 3600);

/// HTTP statuses whose `Retry-After` is honoured.
const TOO_MANY_REQUESTS: u16 = 429;
const SERVICE_UNAVAILABLE: u16 = 503;

/// When to retry a delivery. Build it with [`Default`] and override fields
/// (tests use a compressed schedule such as `0,100ms,200ms`).
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// The delay before each attempt; entry 0 is the first attempt's (0 =
    /// immediately), and the length is the number of attempts. Defaults to
    /// `0,5s,5m,30m,2h,5h,10h,10h`.
    pub schedule: Vec<Duration>,
    /// The relative jitter applied to schedule delays, in `[0, 1]`: 0.2 moves
    /// a delay by up to ±20%. Defaults to 0.2.
    pub jitter: f64,
    /// The smallest `Retry-After` honoured; shorter ones are raised to it.
    /// Defaults to 1 s.
    pub min_retry_after: Duration,
    /// The largest `Retry-After` honoured; longer ones are cut to it.
    /// Defaults to 10 h.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            schedule: DEFAULT_SCHEDULE.to_vec(),
            jitter: DEFAULT_JITTER,
            min_retry_after: DEFAULT_MIN_RETRY_AFTER,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// Parses a comma-separated schedule such as `0,5s,5m,30m,2h,5h,10h,10h`
    /// or `0,100ms,200ms`. Each entry is a whole number with a unit (`ms`,
    /// `s`, `m` or `h`); a bare `0` needs none. Whitespace is ignored; the
    /// schedule must have at least one entry.
    pub fn parse_schedule(text: &str) -> Result<Vec<Duration>, Error> {
        let invalid = |reason: String| Error::InvalidSchedule {
            text: text.to_string(),
            reason,
        };
        if text.trim().is_empty() {
            return Err(invalid("it must have at least one entry".to_string()));
        }
        text.split(',')
            .map(|entry| parse_duration(entry.trim()).map_err(invalid))
            .collect()
    }

    /// Delay before attempt number `next` (1-based: attempt 1 is the
    /// first); None when attempts are exhausted or the outcome says stop
    /// (410, or a success, which needs no further attempt).
    ///
    /// A 429 or 503 with `retry_after` waits that long, clamped to
    /// [`min_retry_after`](Self::min_retry_after)..=[`max_retry_after`](Self::max_retry_after),
    /// without jitter; otherwise the delay is `schedule[next-1]` ± jitter.
    /// `random` is a uniform sample in `[0, 1)` supplied by the caller; a
    /// value outside that range is clamped into it. `next` = 0 is not an
    /// attempt number and gives None.
    pub fn next_delay(&self, next: u32, last: &AttemptOutcome, random: f64) -> Option<Duration> {
        if last.is_success() || last.is_gone() {
            return None;
        }
        let index = usize::try_from(next.checked_sub(1)?).ok()?;
        let base = *self.schedule.get(index)?;
        if let (Some(TOO_MANY_REQUESTS | SERVICE_UNAVAILABLE), Some(wait)) =
            (last.status, last.retry_after)
        {
            // `max` then `min` rather than `clamp`, which panics when the
            // bounds are configured the wrong way round.
            return Some(wait.max(self.min_retry_after).min(self.max_retry_after));
        }
        Some(self.jittered(base, random))
    }

    /// `base` scaled by a factor in `[1 - jitter, 1 + jitter)`.
    fn jittered(&self, base: Duration, random: f64) -> Duration {
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let factor = 1.0 + jitter * (2.0 * random - 1.0);
        Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(base)
    }
}

/// One schedule entry: `0`, or a whole number followed by `ms`, `s`, `m` or `h`.
fn parse_duration(entry: &str) -> Result<Duration, String> {
    if entry.is_empty() {
        return Err("it has an empty entry".to_string());
    }
    let split = entry
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(entry.len());
    let (digits, unit) = entry.split_at(split);
    if digits.is_empty() {
        return Err(format!("entry {entry:?} must start with a whole number"));
    }
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("entry {entry:?} is too large"))?;
    let millis_per_unit: u64 = match unit.trim() {
        "" if value == 0 => 0,
        "" => {
            return Err(format!("entry {entry:?} needs a unit (ms, s, m or h)"));
        }
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "entry {entry:?} has an unknown unit (use ms, s, m or h)"
            ));
        }
    };
    let millis = value
        .checked_mul(millis_per_unit)
        .ok_or_else(|| format!("entry {entry:?} is too large"))?;
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(status: Option<u16>, retry_after: Option<Duration>) -> AttemptOutcome {
        AttemptOutcome {
            status,
            error_kind: Some("status".into()),
            duration_ms: 12,
            response_prefix: String::new(),
            retry_after,
        }
    }

    const SECS: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn the_default_schedule_is_the_documented_one() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.schedule,
            RetryPolicy::parse_schedule("0,5s,5m,30m,2h,5h,10h,10h").unwrap()
        );
        assert_eq!(policy.schedule.len(), 8);
        assert_eq!(policy.jitter, 0.2);
        assert_eq!(policy.min_retry_after, SECS(1));
        assert_eq!(policy.max_retry_after, SECS(36_000));
        // With a centred sample (random = 0.5) there is no jitter at all.
        let last = failed(Some(500), None);
        let delays: Vec<_> = (1..=8)
            .map(|n| policy.next_delay(n, &last, 0.5).unwrap())
            .collect();
        assert_eq!(delays, DEFAULT_SCHEDULE.to_vec());
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let policy = RetryPolicy::default();
        let last = failed(None, None);
        let mut lowest = f64::MAX;
        let mut highest = f64::MIN;
        // A deterministic sweep of samples over [0, 1), plus the edges.
        let samples =
            (0..10_000)
                .map(|i| f64::from(i) / 10_000.0)
                .chain([0.0, 0.999_999_999, f64::EPSILON]);
        for random in samples {
            for next in 1..=8u32 {
                let base = DEFAULT_SCHEDULE[next as usize - 1].as_secs_f64();
                let delay = policy
                    .next_delay(next, &last, random)
                    .unwrap()
                    .as_secs_f64();
                assert!(
                    delay >= base * 0.8 - 1e-6,
                    "{next} {random}: {delay} < {base}"
                );
                assert!(
                    delay <= base * 1.2 + 1e-6,
                    "{next} {random}: {delay} > {base}"
                );
                if base > 0.0 {
                    lowest = lowest.min(delay / base);
                    highest = highest.max(delay / base);
                }
            }
        }
        // The whole band is used, not just the middle.
        assert!(lowest < 0.801 && highest > 1.199, "{lowest}..{highest}");
        // The first attempt is immediate whatever the sample.
        assert_eq!(policy.next_delay(1, &last, 0.99), Some(Duration::ZERO));
    }

    #[test]
    fn jitter_is_bounded_for_odd_samples_and_settings() {
        let last = failed(Some(500), None);
        let policy = RetryPolicy::default();
        for random in [-1.0, 1.0, 7.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let delay = policy.next_delay(2, &last, random).unwrap();
            assert!(
                delay >= Duration::from_secs(4) && delay <= Duration::from_secs(6),
                "{random}: {delay:?}"
            );
        }
        let wild = RetryPolicy {
            jitter: 5.0,
            ..RetryPolicy::default()
        };
        assert_eq!(wild.next_delay(2, &last, 0.0), Some(Duration::ZERO));
        assert_eq!(wild.next_delay(2, &last, 1.0), Some(SECS(10)));
        let none = RetryPolicy {
            jitter: 0.0,
            ..RetryPolicy::default()
        };
        assert_eq!(none.next_delay(3, &last, 0.93), Some(SECS(300)));
    }

    #[test]
    fn attempts_are_exhausted_after_the_last_entry() {
        let policy = RetryPolicy::default();
        let last = failed(Some(500), None);
        assert!(policy.next_delay(8, &last, 0.3).is_some());
        assert_eq!(policy.next_delay(9, &last, 0.3), None);
        assert_eq!(policy.next_delay(u32::MAX, &last, 0.3), None);
        assert_eq!(policy.next_delay(0, &last, 0.3), None);
        // Even a Retry-After cannot extend the schedule.
        let busy = failed(Some(503), Some(SECS(7)));
        assert_eq!(policy.next_delay(9, &busy, 0.3), None);
        let short = RetryPolicy {
            schedule: RetryPolicy::parse_schedule("0,100ms,200ms").unwrap(),
            ..RetryPolicy::default()
        };
        assert_eq!(
            short.next_delay(3, &last, 0.5),
            Some(Duration::from_millis(200))
        );
        assert_eq!(short.next_delay(4, &last, 0.5), None);
    }

    #[test]
    fn gone_and_success_stop_retrying() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.next_delay(2, &failed(Some(410), None), 0.5), None);
        assert_eq!(
            policy.next_delay(2, &failed(Some(410), Some(SECS(5))), 0.5),
            None
        );
        let ok = AttemptOutcome {
            error_kind: None,
            ..failed(Some(204), None)
        };
        assert_eq!(policy.next_delay(2, &ok, 0.5), None);
        // Other 4xx and transport failures are retried on schedule.
        for status in [Some(400), Some(404), Some(302), Some(500), None] {
            assert_eq!(
                policy.next_delay(2, &failed(status, None), 0.5),
                Some(SECS(5)),
                "{status:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_503_within_bounds() {
        let policy = RetryPolicy::default();
        for status in [429, 503] {
            let after = |d| failed(Some(status), Some(d));
            // Honoured as given, without jitter, whatever the sample.
            assert_eq!(policy.next_delay(2, &after(SECS(7)), 0.0), Some(SECS(7)));
            assert_eq!(policy.next_delay(2, &after(SECS(7)), 0.99), Some(SECS(7)));
            // Longer than the schedule entry is fine too.
            assert_eq!(
                policy.next_delay(2, &after(SECS(600)), 0.5),
                Some(SECS(600))
            );
            // Clamped to 1 s .. 10 h.
            assert_eq!(
                policy.next_delay(2, &after(Duration::ZERO), 0.5),
                Some(SECS(1))
            );
            assert_eq!(
                policy.next_delay(2, &after(SECS(86_400 * 30)), 0.5),
                Some(SECS(36_000))
            );
            // Without a Retry-After the schedule applies.
            assert_eq!(
                policy.next_delay(4, &failed(Some(status), None), 0.5),
                Some(SECS(1800))
            );
        }
        // Other statuses ignore Retry-After.
        assert_eq!(
            policy.next_delay(2, &failed(Some(500), Some(SECS(7))), 0.5),
            Some(SECS(5))
        );
        // Custom bounds, even inverted ones, never panic.
        let tight = RetryPolicy {
            min_retry_after: SECS(10),
            max_retry_after: SECS(20),
            ..RetryPolicy::default()
        };
        assert_eq!(
            tight.next_delay(2, &failed(Some(429), Some(SECS(3))), 0.5),
            Some(SECS(10))
        );
        assert_eq!(
            tight.next_delay(2, &failed(Some(429), Some(SECS(30))), 0.5),
            Some(SECS(20))
        );
        let inverted = RetryPolicy {
            min_retry_after: SECS(20),
            max_retry_after: SECS(10),
            ..RetryPolicy::default()
        };
        assert!(
            inverted
                .next_delay(2, &failed(Some(429), Some(SECS(3))), 0.5)
                .is_some()
        );
    }

    #[test]
    fn schedules_parse() {
        assert_eq!(
            RetryPolicy::parse_schedule("0,100ms,200ms").unwrap(),
            vec![
                Duration::ZERO,
                Duration::from_millis(100),
                Duration::from_millis(200)
            ]
        );
        assert_eq!(
            RetryPolicy::parse_schedule(" 0 , 5s,5m , 30m,2h,5h,10h,10h ").unwrap(),
            DEFAULT_SCHEDULE.to_vec()
        );
        assert_eq!(
            RetryPolicy::parse_schedule("0ms").unwrap(),
            vec![Duration::ZERO]
        );
        assert_eq!(RetryPolicy::parse_schedule("90s").unwrap(), vec![SECS(90)]);
        assert_eq!(RetryPolicy::parse_schedule("1h").unwrap(), vec![SECS(3600)]);
    }

    #[test]
    fn bad_schedules_are_refused_with_a_reason() {
        for (text, reason) in [
            ("", "at least one entry"),
            ("   ", "at least one entry"),
            ("0,,5s", "empty entry"),
            ("0,5s,", "empty entry"),
            ("5", "needs a unit"),
            ("0,5x", "unknown unit"),
            ("0,5 sec", "unknown unit"),
            ("0,1.5s", "unknown unit"),
            ("0,-5s", "whole number"),
            ("s", "whole number"),
            ("99999999999999999999s", "too large"),
            ("18446744073709551615h", "too large"),
        ] {
            let err = RetryPolicy::parse_schedule(text).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(reason), "{text:?}: {message}");
            assert!(
                message.contains("is not a valid retry schedule"),
                "{message}"
            );
        }
    }
}
