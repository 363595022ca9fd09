//! `leafbridge simulate`: run the LeafLink or Flourish simulator as a process, for manual trials
//! and docker-compose. It serves the platform's API with the seed dataset and, when given a
//! webhook URL and key, delivers signed webhooks there.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde_json::Value;

use crate::sim::flourish::{FlourishSim, FlourishSimConfig, flourish_webhook_target};
use crate::sim::leaflink::{LeafLinkSim, LeafLinkSimConfig, webhook_target};

/// The seed dataset shipped with leafbridge (a brand on both platforms).
pub const BUILTIN_SEED: &str = include_str!("../../fixtures/seed.json");

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Platform {
    Leaflink,
    Flourish,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Which platform to simulate.
    #[arg(long, value_enum)]
    pub platform: Platform,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// A seed file: the whole dataset (`{"leaflink": …, "flourish": …}`) or one platform's
    /// section. Default: the dataset shipped with leafbridge.
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Where to deliver webhooks (e.g. http://127.0.0.1:8080/webhooks/leaflink).
    #[arg(long, requires = "webhook_key")]
    pub webhook_url: Option<String>,
    /// The key webhooks are signed with (LeafLink's company webhook key or Flourish's signing key).
    #[arg(long, env = "LEAFBRIDGE_SIM_WEBHOOK_KEY", hide_env_values = true)]
    pub webhook_key: Option<String>,
    /// The API key the simulator accepts.
    #[arg(
        long,
        env = "LEAFBRIDGE_SIM_API_KEY",
        hide_env_values = true,
        default_value = "sim-api-key"
    )]
    pub api_key: String,
}

/// Reads a seed file (or the built-in one) and picks the platform's section.
pub fn seed_section(path: Option<&PathBuf>, platform: Platform) -> anyhow::Result<Value> {
    let text = match path {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => BUILTIN_SEED.to_owned(),
    };
    let seed: Value = serde_json::from_str(&text).context("the seed is not valid JSON")?;
    let name = match platform {
        Platform::Leaflink => "leaflink",
        Platform::Flourish => "flourish",
    };
    Ok(seed.get(name).cloned().unwrap_or(seed))
}

pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let seed = seed_section(args.seed.as_ref(), args.platform)?;
    let key = args.webhook_key.clone().unwrap_or_default();
    let (base_url, shutdown): (
        String,
        Box<dyn FnOnce() -> futures::future::BoxFuture<'static, ()>>,
    ) = match args.platform {
        Platform::Leaflink => {
            let webhook = args.webhook_url.map(|url| webhook_target(url, key));
            let config = LeafLinkSimConfig {
                api_key: args.api_key,
                webhook,
            };
            let sim = LeafLinkSim::start(args.listen, config, Some(&seed)).await?;
            (sim.base_url(), Box::new(move || Box::pin(sim.shutdown())))
        }
        Platform::Flourish => {
            let webhook = args
                .webhook_url
                .map(|url| flourish_webhook_target(url, key));
            let config = FlourishSimConfig {
                api_key: args.api_key,
                webhook,
            };
            let sim = FlourishSim::start(args.listen, config, Some(&seed)).await?;
            (sim.base_url(), Box::new(move || Box::pin(sim.shutdown())))
        }
    };
    println!("{:?} simulator serving at {base_url}", args.platform);
    println!(
        "control endpoints under /_sim/ (faults, requests, state, seed, webhooks); Ctrl-C stops"
    );
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    shutdown().await;
    Ok(())
}
