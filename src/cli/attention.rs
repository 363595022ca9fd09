//! `leafbridge attention`: what needs a person, grouped by reason, with the fix and where;
//! `--retry EVENT_ID` runs an entity's job again once the fix is made.

use std::collections::BTreeMap;

use clap::Args;

use super::operator::{Target, Via, print_json};
use crate::config::Config;
use crate::operator::attention::AttentionItem;

#[derive(Debug, Clone, Args)]
pub struct AttentionArgs {
    /// Retry the entity whose attention entry has this id (after making the fix).
    #[arg(long, value_name = "ID")]
    pub retry: Option<String>,
    #[command(flatten)]
    pub via: Via,
}

pub async fn run(args: AttentionArgs, config: Option<Config>) -> anyhow::Result<()> {
    let target = args.via.connect(config.as_ref()).await?;
    if let Some(id) = &args.retry {
        let replayed = match &target {
            Target::Local(operator) => operator.retry_attention(id).await?,
            Target::Remote(remote) => remote.retry_attention(id).await?,
        };
        if args.via.json {
            return print_json(&replayed);
        }
        println!(
            "retrying: event {} stored, its job is pending",
            replayed.event_id
        );
        return Ok(());
    }
    let items = all_items(&target).await?;
    if args.via.json {
        return print_json(&items);
    }
    print_grouped(&items);
    Ok(())
}

/// Every page of the attention list.
async fn all_items(target: &Target) -> anyhow::Result<Vec<AttentionItem>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match target {
            Target::Local(operator) => operator.attention(cursor.as_deref(), 200).await?,
            Target::Remote(remote) => remote.attention(cursor.as_deref()).await?,
        };
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(items),
        }
    }
}

fn print_grouped(items: &[AttentionItem]) {
    if items.is_empty() {
        println!("nothing needs attention");
        return;
    }
    let mut by_reason: BTreeMap<&str, Vec<&AttentionItem>> = BTreeMap::new();
    for item in items {
        let reason = item.reason.as_deref().unwrap_or("(no reason recorded)");
        by_reason.entry(reason).or_default().push(item);
    }
    for (reason, entries) in by_reason {
        println!("{reason}");
        for item in entries {
            let fix = item.fix.as_ref().map_or_else(
                || "no known fix: see the event".to_owned(),
                |f| format!("fix in {}: {}", f.system, f.action),
            );
            println!(
                "  {}  {fix}  ({} times; retry with --retry {})",
                item.entity_key, item.occurrences, item.id
            );
        }
    }
}
