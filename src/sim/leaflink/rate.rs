//! LeafLink's documented rate limit: 300 requests a minute sustained per key, with bursts allowed
//! (up to 1000 in a minute). A token bucket of 700 refilled at 5 a second gives exactly that: a
//! full bucket plus a minute's refill is 1000, and a busy client settles at 300 a minute. Over
//! the limit LeafLink answers 429 without a `Retry-After`.

use std::time::Instant;

/// The limit: a sustained rate and the burst on top of it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests a minute, sustained.
    pub per_minute: u32,
    /// Requests that may come at once on top of the sustained rate.
    pub burst: u32,
}

impl RateLimit {
    /// LeafLink's published figure.
    pub fn leaflink() -> Self {
        Self {
            per_minute: 300,
            burst: 700,
        }
    }
}

/// A token bucket for one key.
#[derive(Debug)]
pub struct Bucket {
    limit: Option<RateLimit>,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full bucket; `None` lets everything through.
    pub fn new(limit: Option<RateLimit>) -> Self {
        Self {
            limit,
            tokens: limit.map_or(0.0, |l| f64::from(l.burst)),
            at: Instant::now(),
        }
    }

    /// Takes one request's token; `false` when the limit is exceeded.
    pub fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        let rate = f64::from(limit.per_minute) / 60.0;
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(limit.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_passes_then_the_sustained_rate_holds() {
        let mut bucket = Bucket::new(Some(RateLimit::leaflink()));
        let start = bucket.at;
        let burst = (0..1000).filter(|_| bucket.take_at(start)).count();
        assert_eq!(burst, 700);
        let later = start + Duration::from_secs(60);
        let next_minute = (0..1000).filter(|_| bucket.take_at(later)).count();
        assert_eq!(next_minute, 300);
        assert!(!bucket.take_at(later));
        assert!(Bucket::new(None).take());
    }
}
