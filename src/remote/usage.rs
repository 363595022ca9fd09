//! What a platform client spends: requests by method and status class, time waited for the
//! rate limiter, and requests per minute over the last day, for `/metrics` and the stats page.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

const MINUTE_MS: i64 = 60_000;
const DAY_MINUTES: i64 = 24 * 60;

/// The requests one client sent; shared by its clones.
#[derive(Debug)]
pub struct Usage {
    platform: &'static str,
    inner: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    /// (method, status class) → requests.
    by_method: BTreeMap<(String, &'static str), u64>,
    total: u64,
    limiter_wait: Duration,
    /// (minute since the epoch, requests in it), oldest first, at most a day.
    minutes: VecDeque<(i64, u64)>,
    /// The status of the newest answer when it was a refusal of the credentials (401, 403);
    /// cleared by the next 2xx.
    refused: Option<u16>,
}

/// One count of `/metrics`: requests of one method that ended in one status class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodCount {
    pub method: String,
    /// `2xx`, `3xx`, `4xx`, `5xx`, or `error` when no response came back.
    pub status: &'static str,
    pub calls: u64,
}

/// The requests one platform's client sent, for the operator.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlatformCalls {
    /// `leaflink` or `flourish`.
    pub platform: String,
    /// Requests sent in the last hour (retries included).
    pub last_hour: u64,
    /// Requests sent in the last 24 hours.
    pub last_day: u64,
    /// Requests sent since the process started.
    pub since_start: u64,
    /// Requests sent since the process started, by HTTP method (`GET`, `PATCH`…).
    pub by_method: BTreeMap<String, u64>,
    /// Milliseconds spent waiting for the rate limiter since the process started.
    pub limiter_wait_ms: u64,
}

/// The class of an HTTP status (`2xx`…`5xx`).
fn status_class(status: Option<u16>) -> &'static str {
    match status {
        None => "error",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(_) => "5xx",
    }
}

impl Usage {
    pub fn new(platform: &'static str) -> Self {
        Self {
            platform,
            inner: Mutex::new(Counts::default()),
        }
    }

    /// `leaflink` or `flourish`.
    pub fn platform(&self) -> &'static str {
        self.platform
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        // A panic while counting leaves the counts usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts one request sent at `now_ms`; `status` is `None` when no response came back.
    pub fn record(&self, method: &str, status: Option<u16>, now_ms: i64) {
        let minute = now_ms.div_euclid(MINUTE_MS);
        let mut counts = self.counts();
        *counts
            .by_method
            .entry((method.to_owned(), status_class(status)))
            .or_default() += 1;
        counts.total += 1;
        match status {
            Some(code @ (401 | 403)) => counts.refused = Some(code),
            Some(200..=299) => counts.refused = None,
            _ => {}
        }
        match counts.minutes.back_mut() {
            Some((last, n)) if *last == minute => *n += 1,
            _ => counts.minutes.push_back((minute, 1)),
        }
        while counts
            .minutes
            .front()
            .is_some_and(|(m, _)| *m <= minute - DAY_MINUTES)
        {
            counts.minutes.pop_front();
        }
    }

    /// Adds time spent waiting for the rate limiter.
    pub fn waited(&self, wait: Duration) {
        self.counts().limiter_wait += wait;
    }

    /// Requests by method and status class since the start.
    pub fn by_method(&self) -> Vec<MethodCount> {
        self.counts()
            .by_method
            .iter()
            .map(|((method, status), calls)| MethodCount {
                method: method.clone(),
                status,
                calls: *calls,
            })
            .collect()
    }

    /// Time spent waiting for the rate limiter since the start.
    pub fn limiter_wait(&self) -> Duration {
        self.counts().limiter_wait
    }

    /// 401 or 403 when the platform's latest answer refused the credentials and no 2xx came
    /// since (the key was revoked).
    pub fn credentials_refused(&self) -> Option<u16> {
        self.counts().refused
    }

    /// Requests sent in the `minutes` minutes up to `now_ms` (the current minute included).
    pub fn requests_within(&self, now_ms: i64, minutes: i64) -> u64 {
        let minute = now_ms.div_euclid(MINUTE_MS);
        self.counts()
            .minutes
            .iter()
            .filter(|(m, _)| *m > minute - minutes)
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests per hour over the last day: (start of the hour in ms, requests), oldest first.
    pub fn per_hour(&self) -> Vec<(i64, u64)> {
        let mut hours: BTreeMap<i64, u64> = BTreeMap::new();
        for (minute, n) in &self.counts().minutes {
            *hours
                .entry(minute.div_euclid(60) * 60 * MINUTE_MS)
                .or_default() += n;
        }
        hours.into_iter().collect()
    }

    /// The totals the stats page shows, as of `now_ms`.
    pub fn summary(&self, now_ms: i64) -> PlatformCalls {
        let minute = now_ms.div_euclid(MINUTE_MS);
        let counts = self.counts();
        let within = |minutes: i64| -> u64 {
            counts
                .minutes
                .iter()
                .filter(|(m, _)| *m > minute - minutes)
                .map(|(_, n)| n)
                .sum()
        };
        let mut by_method = BTreeMap::new();
        for ((method, _), calls) in &counts.by_method {
            *by_method.entry(method.clone()).or_default() += calls;
        }
        PlatformCalls {
            platform: self.platform.to_owned(),
            by_method,
            last_hour: within(60),
            last_day: within(DAY_MINUTES),
            since_start: counts.total,
            limiter_wait_ms: u64::try_from(counts.limiter_wait.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_method_and_class_and_window() {
        let usage = Usage::new("leaflink");
        let start = 1_000 * MINUTE_MS;
        usage.record("GET", Some(200), start - 2 * 60 * MINUTE_MS);
        usage.record("GET", Some(404), start - 5 * MINUTE_MS);
        usage.record("POST", Some(201), start);
        usage.record("GET", None, start);
        usage.waited(Duration::from_millis(30));
        let summary = usage.summary(start);
        assert_eq!(
            (summary.last_hour, summary.last_day, summary.since_start),
            (3, 4, 4)
        );
        assert_eq!(summary.limiter_wait_ms, 30);
        assert_eq!(usage.requests_within(start, 1), 2);
        assert_eq!(usage.requests_within(start, 10), 3);
        let methods: Vec<_> = summary.by_method.into_iter().collect();
        assert_eq!(methods, vec![("GET".to_owned(), 3), ("POST".to_owned(), 1)]);
        let a_day_later = usage.summary(start + DAY_MINUTES * MINUTE_MS);
        assert_eq!((a_day_later.last_hour, a_day_later.last_day), (0, 0));
        let classes: Vec<_> = usage
            .by_method()
            .into_iter()
            .map(|c| (c.method, c.status, c.calls))
            .collect();
        assert_eq!(
            classes,
            vec![
                ("GET".to_owned(), "2xx", 1),
                ("GET".to_owned(), "4xx", 1),
                ("GET".to_owned(), "error", 1),
                ("POST".to_owned(), "2xx", 1),
            ]
        );
    }

    #[test]
    fn a_refusal_of_the_credentials_lasts_until_the_next_success() {
        let usage = Usage::new("leaflink");
        assert_eq!(usage.credentials_refused(), None);
        usage.record("GET", Some(401), 0);
        usage.record("GET", Some(500), 1);
        assert_eq!(usage.credentials_refused(), Some(401));
        usage.record("GET", Some(403), 2);
        assert_eq!(usage.credentials_refused(), Some(403));
        usage.record("GET", Some(200), 3);
        assert_eq!(usage.credentials_refused(), None);
    }
}
