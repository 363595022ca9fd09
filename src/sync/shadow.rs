//! Shadow mode for the flows: in shadow mode a job runs its processor's dry run (fresh reads,
//! the matcher's plan, no write) and records the plan as outcome `shadowed`, with the outcome
//! and reason live mode would have had. A data problem is recorded as `needs_attention` (it is
//! as real in a rehearsal), marked `"rehearsal": true` in its detail.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::jobs::{JobContext, JobError, Processed, Processor};
use crate::remote::ModeSwitch;

/// The outcome of an event planned in shadow mode.
pub const SHADOWED: &str = "shadowed";

/// `inner`, stopping at the plan while `mode` is shadow.
pub fn gate(inner: Arc<dyn Processor>, mode: ModeSwitch) -> Arc<dyn Processor> {
    Arc::new(Gate { inner, mode })
}

struct Gate {
    inner: Arc<dyn Processor>,
    mode: ModeSwitch,
}

#[async_trait::async_trait]
impl Processor for Gate {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        if !self.mode.is_shadow() {
            return self.inner.process(job).await;
        }
        let planned = self.inner.dry_run(job).await?;
        Ok(rehearsed(planned))
    }

    async fn dry_run(&self, job: &JobContext) -> Result<Value, JobError> {
        self.inner.dry_run(job).await
    }
}

/// What live mode would have recorded, from a dry run's answer: `synced` for a plan with
/// steps, `unchanged` for a plan without, else the outcome that stopped it.
pub fn would_be(planned: &Value) -> (String, String) {
    if let Some(plan) = planned.get("plan").filter(|p| !p.is_null()) {
        let summary = planned["summary"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| "planned writes".to_owned());
        let empty = plan["steps"].as_array().is_some_and(|s| s.is_empty());
        let kind = if empty { "unchanged" } else { "synced" };
        return (kind.to_owned(), summary);
    }
    let outcome = &planned["outcome"];
    let kind = outcome["kind"].as_str().unwrap_or("unchanged").to_owned();
    let reason = outcome["reason"].as_str().unwrap_or_default().to_owned();
    (kind, reason)
}

/// The record of a rehearsed event.
fn rehearsed(planned: Value) -> Processed {
    let (kind, reason) = would_be(&planned);
    let fix = planned["outcome"]
        .get("fix")
        .cloned()
        .unwrap_or(Value::Null);
    let plan = planned.get("plan").cloned().unwrap_or(Value::Null);
    let outcome = if kind == "needs_attention" {
        kind.clone()
    } else {
        SHADOWED.to_owned()
    };
    Processed {
        outcome,
        reason: Some(reason),
        detail: Some(json!({
            "rehearsal": true,
            "would_be": kind,
            "plan": plan,
            "before": planned.get("before").cloned().unwrap_or(Value::Null),
            "writes": [],
            "fix": fix,
        })),
    }
}

/// Whether a stored event detail was recorded during a rehearsal.
pub fn is_rehearsal(detail: Option<&Value>) -> bool {
    detail.is_some_and(|d| d["rehearsal"] == json!(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_shadowed_as_synced_and_a_data_problem_stays_attention() {
        let planned =
            json!({"plan": {"steps": [{"step": "create_order"}]}, "summary": "create order"});
        let record = rehearsed(planned);
        assert_eq!(record.outcome, SHADOWED);
        assert_eq!(record.reason.as_deref(), Some("create order"));
        let detail = record.detail.unwrap();
        assert_eq!(detail["would_be"], "synced");
        assert!(is_rehearsal(Some(&detail)));

        let held = rehearsed(json!({"outcome": {"kind": "held", "reason": "no rep"}}));
        assert_eq!(held.outcome, SHADOWED);
        assert_eq!(held.detail.unwrap()["would_be"], "held");

        let attention = rehearsed(json!({"outcome": {"kind": "needs_attention",
            "reason": "SKU missing", "fix": {"system": "Flourish", "action": "create it"}}}));
        assert_eq!(attention.outcome, "needs_attention");
        let detail = attention.detail.unwrap();
        assert_eq!(detail["fix"]["action"], "create it");
        assert!(is_rehearsal(Some(&detail)));
    }
}
