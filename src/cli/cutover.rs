//! `leafbridge cutover [--dry-run]`: the first live pass after a rehearsal — which LeafLink
//! orders it creates in Flourish, which hand-keyed Flourish orders it adopts, which it updates
//! and which it leaves alone — then (without `--dry-run`) the switch to live mode.

use clap::Args;

use super::operator::{Target, Via, print_json};
use crate::config::Config;
use crate::operator::cutover::{CutoverEntry, CutoverReport};

#[derive(Debug, Clone, Args)]
pub struct CutoverArgs {
    /// List what the first live pass would do; write nothing and keep the mode.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub via: Via,
}

pub async fn run(args: CutoverArgs, config: Option<Config>) -> anyhow::Result<()> {
    let target = args.via.connect(config.as_ref()).await?;
    let report = match &target {
        Target::Local(operator) => operator.cutover(args.dry_run, &args.via.bar()).await?,
        Target::Remote(remote) => remote.cutover(args.dry_run).await?,
    };
    if args.via.json {
        return print_json(&report);
    }
    print!("{}", text(&report));
    Ok(())
}

fn group(out: &mut String, title: &str, entries: &[CutoverEntry]) {
    out.push_str(&format!("{title}: {}\n", entries.len()));
    for entry in entries {
        out.push_str(&format!("  {}  {}\n", entry.order_number, entry.reason));
    }
}

/// The report as text: one group per action, with each order and why.
pub fn text(report: &CutoverReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run { "would" } else { "did" };
    out.push_str(&format!("The first live pass {verb}:\n"));
    group(&mut out, "create", &report.create);
    group(&mut out, "adopt (keyed by hand in Flourish)", &report.adopt);
    group(&mut out, "update", &report.update);
    group(&mut out, "leave alone", &report.leave_alone);
    group(&mut out, "fail", &report.failed);
    out.push_str(&format!("mode: {}\n", report.mode));
    out
}
