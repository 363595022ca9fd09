//! `leafbridge healthcheck`: asks a running instance's `/readyz` and exits 0 when it is ready,
//! 1 when not — the container's health check, for images without an HTTP client.

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

/// The exit status: 0 when `/readyz` answers 2xx, 1 otherwise (the reason is printed).
pub async fn run(args: &HealthcheckArgs) -> u8 {
    let url = format!("{}/readyz", args.url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout_secs))
        .build();
    let answer = match client {
        Ok(client) => client.get(&url).send().await,
        Err(error) => {
            eprintln!("leafbridge healthcheck: {error}");
            return 1;
        }
    };
    match answer {
        Ok(response) if response.status().is_success() => 0,
        Ok(response) => {
            eprintln!(
                "leafbridge healthcheck: {url} answered {}",
                response.status()
            );
            1
        }
        Err(error) => {
            eprintln!("leafbridge healthcheck: {url}: {error}");
            1
        }
    }
}
