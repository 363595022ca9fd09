//! `leafbridge shadow-report`: what live mode would have done during a rehearsal (shadow mode),
//! surprises first, as text, JSON or one HTML page; on the configured database or a running
//! instance (`--url`).

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::operator::{Target, Via};
use crate::config::Config;
use crate::http::admin::shadow_report::DEFAULT_WINDOW_MS;
use crate::operator::shadow_render;
use crate::operator::shadow_report::{DEFAULT_PRICE_CHANGE_PERCENT, ReportSettings};
use crate::store::now_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Html,
}

#[derive(Debug, Clone, Args)]
pub struct ShadowReportArgs {
    /// Events received at or after this time (RFC 3339); default 7 days ago.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// A price change above this percentage is a surprise.
    #[arg(long, default_value_t = DEFAULT_PRICE_CHANGE_PERCENT)]
    pub price_change_percent: u32,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub via: Via,
}

pub async fn run(args: ShadowReportArgs, config: Option<Config>) -> anyhow::Result<()> {
    let until = now_ms();
    let since = match &args.since {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .with_context(|| format!("--since {text:?} is not an RFC 3339 time"))?
            .timestamp_millis(),
        None => until - DEFAULT_WINDOW_MS,
    };
    let settings = ReportSettings {
        price_change_percent: args.price_change_percent,
    };
    let report = match args.via.connect(config.as_ref()).await? {
        Target::Local(operator) => operator.shadow_report(since, until, settings).await?,
        Target::Remote(remote) => remote.shadow_report(since, until, settings).await?,
    };
    let format = if args.via.json {
        Format::Json
    } else {
        args.format
    };
    let text = match format {
        Format::Text => shadow_render::text(&report),
        Format::Json => serde_json::to_string_pretty(&report)?,
        Format::Html => shadow_render::html(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => println!("{text}"),
    }
    Ok(())
}
