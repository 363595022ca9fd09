//! `leafbridge resync KIND [IDS]...`: enqueue the jobs webhooks would make for chosen entities
//! (or everything changed `--since`), or `--dry-run` them; `--wait` follows the jobs to the end.

use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use clap::Args;

use super::operator::{Bar, Target, Via, print_json};
use crate::config::Config;
use crate::operator::resync::{
    EntityId, ResyncAccepted, ResyncKind, ResyncRequest, ResyncResponse,
};
use crate::store::resyncs::{self, ResyncView};

#[derive(Debug, Clone, Args)]
pub struct ResyncArgs {
    /// orders, items, inventory, customers or all.
    #[arg(value_parser = parse_kind)]
    pub kind: ResyncKind,
    /// LeafLink order numbers, Flourish item ids or SKUs, SKUs (inventory) or license numbers.
    /// Without ids, everything the platforms list (changed since --since).
    pub ids: Vec<String>,
    /// Only what changed since this RFC 3339 time (e.g. 2026-11-26T00:00:00Z).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<FixedOffset>>,
    /// Plan without writing anything, and print the plans.
    #[arg(long)]
    pub dry_run: bool,
    /// Follow the jobs until every one has finished (a worker must be running).
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub via: Via,
}

fn parse_kind(text: &str) -> Result<ResyncKind, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| "expected orders, items, inventory, customers or all".to_owned())
}

fn parse_time(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|e| format!("not an RFC 3339 time: {e}"))
}

pub async fn run(args: ResyncArgs, config: Option<Config>) -> anyhow::Result<()> {
    let request = ResyncRequest {
        kind: args.kind,
        ids: (!args.ids.is_empty()).then(|| args.ids.iter().cloned().map(EntityId::Text).collect()),
        since: args.since,
        dry_run: args.dry_run,
    };
    let target = args.via.connect(config.as_ref()).await?;
    let bar = args.via.bar();
    let answer = match &target {
        Target::Local(operator) => operator.resync(&request, &bar).await?,
        Target::Remote(remote) => remote.resync(&request).await?,
    };
    bar.finish();
    match &answer {
        ResyncResponse::Accepted(accepted) if args.wait => {
            let view = wait(&target, accepted, &args.via.bar()).await?;
            return report_finished(&args.via, &view);
        }
        _ if args.via.json => return print_json(&answer),
        ResyncResponse::Accepted(accepted) => println!(
            "resync {}: {} jobs enqueued (progress: GET /api/v1/resyncs/{})",
            accepted.resync_id, accepted.jobs, accepted.resync_id
        ),
        ResyncResponse::DryRun(report) => {
            for entry in &report.plans {
                match (&entry.plan, &entry.error) {
                    (_, Some(error)) => println!("{}: cannot plan: {error}", entry.entity_key),
                    (plan, None) => {
                        println!("{}: {}", entry.entity_key, plan.clone().unwrap_or_default())
                    }
                }
            }
            println!("{}", report.estimated_calls.summary());
        }
    }
    Ok(())
}

/// Polls the resync's progress until every job has finished.
async fn wait(target: &Target, accepted: &ResyncAccepted, bar: &Bar) -> anyhow::Result<ResyncView> {
    loop {
        let view = match target {
            Target::Local(operator) => {
                resyncs::get(&operator.db.pool, &operator.connection, &accepted.resync_id)
                    .await?
                    .context("the resync disappeared")?
            }
            Target::Remote(remote) => remote.resync_status(&accepted.resync_id).await?,
        };
        bar.set(
            (view.done + view.dead) as u64,
            view.jobs as u64,
            "jobs finished",
        );
        if view.finished {
            bar.finish();
            return Ok(view);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn report_finished(via: &Via, view: &ResyncView) -> anyhow::Result<()> {
    if via.json {
        return print_json(view);
    }
    let outcomes: Vec<String> = view
        .outcomes
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!(
        "resync {}: {} jobs, {} dead; outcomes: {}",
        view.id,
        view.jobs,
        view.dead,
        if outcomes.is_empty() {
            "none".into()
        } else {
            outcomes.join(", ")
        }
    );
    Ok(())
}
