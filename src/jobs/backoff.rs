//! The retry schedule: configured delays with jitter, and `Retry-After` honoured but clamped.

use std::time::Duration;

use rand::Rng;

/// When to run a job again after its `attempt`-th run failed, or `None` when the schedule is
/// exhausted and the job is dead.
pub fn next_delay(
    schedule: &[Duration],
    attempt: i64,
    retry_after: Option<Duration>,
    max_retry_after: Duration,
) -> Option<Duration> {
    let index = usize::try_from(attempt.max(1) - 1).ok()?;
    let base = *schedule.get(index)?;
    let delay = match retry_after {
        // The platform knows best when it can take the call again, within reason.
        Some(asked) => asked.min(max_retry_after),
        None => with_jitter(base),
    };
    Some(delay)
}

/// Adds up to ±20 % so that jobs failing together do not retry in lockstep.
fn with_jitter(base: Duration) -> Duration {
    let millis = base.as_millis() as f64;
    let factor = rand::rng().random_range(0.8..=1.2);
    Duration::from_millis((millis * factor) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn delays_follow_the_schedule_within_twenty_percent() {
        let schedule = [secs(10), secs(100)];
        for _ in 0..50 {
            let first = next_delay(&schedule, 1, None, secs(3600)).unwrap();
            assert!(first >= secs(8) && first <= secs(12), "{first:?}");
            let second = next_delay(&schedule, 2, None, secs(3600)).unwrap();
            assert!(second >= secs(80) && second <= secs(120), "{second:?}");
        }
    }

    #[test]
    fn an_exhausted_schedule_means_dead() {
        assert_eq!(next_delay(&[secs(1)], 2, None, secs(60)), None);
        assert_eq!(next_delay(&[], 1, None, secs(60)), None);
    }

    #[test]
    fn retry_after_is_honoured_but_clamped() {
        let schedule = [secs(10)];
        assert_eq!(
            next_delay(&schedule, 1, Some(secs(30)), secs(3600)),
            Some(secs(30))
        );
        assert_eq!(
            next_delay(&schedule, 1, Some(secs(99_999)), secs(3600)),
            Some(secs(3600))
        );
        assert_eq!(
            next_delay(&schedule, 1, Some(secs(2)), secs(3600)),
            Some(secs(2))
        );
    }
}
