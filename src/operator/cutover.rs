//! Cutover from a rehearsal to live: the first live pass over every LeafLink order, which
//! creates the orders Flourish lacks, adopts the ones staff keyed by hand during the rehearsal
//! (instead of creating a second one), updates the ones that differ and leaves the rest alone.
//! A dry run plans exactly that pass and writes nothing; the run applies it, one order after
//! another, and then stores the mode `live`. Both sort the orders by the same rule, so their
//! numbers match.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::resync::ResyncKind;
use super::{Operator, OperatorError, Progress, targets};
use crate::jobs::{JobContext, Processed};
use crate::remote::Mode;
use crate::store::{modes, now_ms};

/// What the first live pass does (or did) to one LeafLink order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutoverEntry {
    pub order_number: String,
    /// What was planned or done, or why nothing is.
    pub reason: String,
}

/// The first live pass, by what it does to each order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CutoverReport {
    pub dry_run: bool,
    /// Orders Flourish lacks: created.
    pub create: Vec<CutoverEntry>,
    /// Orders keyed by hand in Flourish (found by `original_order_id`, notes, or destination +
    /// lines + date): linked, not created again.
    pub adopt: Vec<CutoverEntry>,
    /// Orders already linked whose Flourish order differs: updated (or moved).
    pub update: Vec<CutoverEntry>,
    /// Orders in step, not for Flourish, held, or needing a person's fix: nothing written.
    pub leave_alone: Vec<CutoverEntry>,
    /// Orders whose planning or writing failed (a platform error); the pass goes on.
    pub failed: Vec<CutoverEntry>,
    /// The connection's mode after the cutover (unchanged by a dry run).
    pub mode: Mode,
}

/// The group an order falls in, from a dry run's answer or a run's recorded detail (both carry
/// `adopted` and the plan's steps).
fn classify(adopted: &Value, plan: &Value) -> &'static str {
    if !adopted.is_null() {
        return "adopt";
    }
    let steps = plan["steps"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    if steps.iter().any(|s| s["step"] == "create_order")
        && !steps.iter().any(|s| s["step"] == "cancel_order")
    {
        "create"
    } else if steps.is_empty() {
        "leave_alone"
    } else {
        "update"
    }
}

impl CutoverReport {
    fn add(&mut self, group: &str, entry: CutoverEntry) {
        let list = match group {
            "create" => &mut self.create,
            "adopt" => &mut self.adopt,
            "update" => &mut self.update,
            "failed" => &mut self.failed,
            _ => &mut self.leave_alone,
        };
        list.push(entry);
    }
}

impl Operator {
    /// Plans (`dry_run`) or runs the first live pass over every LeafLink order, then (not on a
    /// dry run) stores and applies the mode `live`.
    pub async fn cutover(
        &self,
        dry_run: bool,
        progress: &dyn Progress,
    ) -> Result<CutoverReport, OperatorError> {
        let sync = self.platforms("a cutover")?;
        let processor = self
            .processors
            .get("leaflink.order")
            .cloned()
            .ok_or_else(|| {
                OperatorError::Conflict("no processor handles leaflink.order jobs".into())
            })?;
        let targets = targets::listed(sync, ResyncKind::Orders, None).await?;
        let mut report = CutoverReport {
            dry_run,
            mode: sync.mode.get(),
            ..CutoverReport::default()
        };
        if !dry_run {
            // The pass writes: the flows must run live from here on.
            sync.mode.set(Mode::Live);
        }
        progress.start(targets.len() as u64);
        for target in targets {
            let number = target
                .entity_key
                .split_once(':')
                .map_or(target.entity_key.as_str(), |(_, id)| id)
                .to_owned();
            let job = JobContext {
                job_id: "cutover".into(),
                kind: target.job_kind.into(),
                entity_key: target.entity_key,
                attempt: 0,
                event_id: String::new(),
                source: "operator".into(),
                event_kind: target.event_kind.into(),
                body: json!({"cutover": true, "data": target.data}),
            };
            let (group, reason) = if dry_run {
                match processor.dry_run(&job).await {
                    Ok(planned) => {
                        let (_, reason) = crate::sync::shadow::would_be(&planned);
                        (classify(&planned["adopted"], &planned["plan"]), reason)
                    }
                    Err(error) => ("failed", error.to_string()),
                }
            } else {
                match processor.process(&job).await {
                    Ok(processed) => ran(&processed),
                    Err(error) => ("failed", error.to_string()),
                }
            };
            report.add(
                group,
                CutoverEntry {
                    order_number: number,
                    reason,
                },
            );
            progress.advance();
        }
        if !dry_run {
            modes::set(
                &self.db.pool,
                &self.connection,
                Mode::Live.as_str(),
                now_ms(),
            )
            .await?;
            report.mode = Mode::Live;
        }
        Ok(report)
    }
}

/// The group of an order the run processed.
fn ran(processed: &Processed) -> (&'static str, String) {
    let detail = processed.detail.clone().unwrap_or(Value::Null);
    let reason = processed.reason.clone().unwrap_or_default();
    if processed.outcome != "synced" && detail["adopted"].is_null() {
        return ("leave_alone", reason);
    }
    (classify(&detail["adopted"], &detail["plan"]), reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_fall_into_create_adopt_update_or_leave_alone() {
        let create = json!({"steps": [{"step": "create_order"}, {"step": "write_external_id"}]});
        assert_eq!(classify(&Value::Null, &create), "create");
        assert_eq!(classify(&json!("notes"), &create), "adopt");
        let moved = json!({"steps": [{"step": "cancel_order"}, {"step": "create_order"}]});
        assert_eq!(classify(&Value::Null, &moved), "update");
        let lines = json!({"steps": [{"step": "update_lines"}]});
        assert_eq!(classify(&Value::Null, &lines), "update");
        assert_eq!(classify(&Value::Null, &Value::Null), "leave_alone");
        let held = Processed {
            outcome: "held".into(),
            reason: Some("no rep".into()),
            detail: Some(json!({"plan": null})),
        };
        assert_eq!(ran(&held), ("leave_alone", "no rep".to_owned()));
    }
}
