//! `leafbridge healthcheck`: asks a running instance's `/readyz`; exits 0 when it is ready and 1
//! with the reason when not. The container's health check, for images without an HTTP client.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The instance to ask.
    #[arg(
        long,
        env = "LEAFBRIDGE_HEALTHCHECK_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub url: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
}

/// Ok when `/readyz` answers 2xx; otherwise why not (the binary exits 1 with it).
pub async fn run(args: &HealthcheckArgs) -> anyhow::Result<()> {
    let url = format!("{}/readyz", args.url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs))
        .build()?;
    let response = client
        .get(&url)
        .send()
        .await
        .map_err(|error| anyhow::anyhow!("not ready: {url}: {error}"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "not ready: {url} answered {}",
        response.status()
    );
    Ok(())
}
