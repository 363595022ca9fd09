//! What the benchmark process costs: resident memory and CPU time, read from `/proc` (Linux).

use std::time::{Duration, Instant};

/// Resident memory of this process in MB, from `/proc/self/status`.
pub fn rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time this process uses during the window that starts at `from`.
pub async fn cpu_in_window(from: Instant, window: Duration) -> Option<Duration> {
    tokio::time::sleep_until(from.into()).await;
    let before = process_cpu()?;
    tokio::time::sleep(window).await;
    Some(process_cpu()? - before)
}

/// User plus system time of this process, from `/proc/self/stat` (in clock ticks of 10 ms).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The one-minute load average of the machine, to say how busy it was during a run.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
