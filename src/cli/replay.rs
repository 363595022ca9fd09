//! `leafbridge replay [EVENT_IDS]...` or `leafbridge replay --outcome needs_attention --since T`:
//! store events again so their jobs run once more.

use chrono::{DateTime, FixedOffset};
use clap::Args;

use super::operator::{Target, Via, print_json};
use crate::config::Config;
use crate::operator::Progress;
use crate::operator::replay::{ReplayFilter, ReplayReport};

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// Events to replay; without ids, every event matching the filters below.
    pub event_ids: Vec<String>,
    /// leaflink, flourish, poller or operator.
    #[arg(long)]
    pub source: Option<String>,
    /// The event kind (order, item, customer, inventory_summary, ...).
    #[arg(long)]
    pub kind: Option<String>,
    /// synced, unchanged, ignored, held, needs_attention, failed or shadowed.
    #[arg(long)]
    pub outcome: Option<String>,
    /// pending, retrying, done, dead or ignored.
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub entity_key: Option<String>,
    /// Received at or after this RFC 3339 time.
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<FixedOffset>>,
    /// Received before this RFC 3339 time.
    #[arg(long, value_parser = parse_time)]
    pub until: Option<DateTime<FixedOffset>>,
    #[command(flatten)]
    pub via: Via,
}

fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|e| format!("not an RFC 3339 time: {e}"))
}

pub async fn run(args: ReplayArgs, config: Option<Config>) -> anyhow::Result<()> {
    let target = args.via.connect(config.as_ref()).await?;
    let bar = args.via.bar();
    let report = if args.event_ids.is_empty() {
        let filter = ReplayFilter {
            source: args.source,
            kind: args.kind,
            outcome: args.outcome,
            status: args.status,
            entity_key: args.entity_key,
            since: args.since,
            until: args.until,
        };
        match &target {
            Target::Local(operator) => operator.replay_matching(&filter, &bar).await?,
            Target::Remote(remote) => remote.replay_matching(&filter).await?,
        }
    } else {
        bar.start(args.event_ids.len() as u64);
        for id in &args.event_ids {
            match &target {
                Target::Local(operator) => operator.replay_event(id).await?,
                Target::Remote(remote) => remote.replay_event(id).await?,
            };
            bar.advance();
        }
        ReplayReport {
            replayed: args.event_ids.len() as i64,
            skipped: 0,
        }
    };
    bar.finish();
    if args.via.json {
        return print_json(&report);
    }
    println!(
        "{} events replayed ({} ignored events skipped)",
        report.replayed, report.skipped
    );
    Ok(())
}
