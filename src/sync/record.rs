//! What a flow records about one event: the outcome with its reason, the plan, the writes made
//! and, for data problems, the fix a person must make.

use serde::Serialize;

use crate::jobs::Processed;
use crate::matcher::{Outcome, OutcomeKind};

/// One write made to a platform.
#[derive(Clone, Debug, Serialize)]
pub struct Write {
    /// `leaflink` or `flourish`.
    pub system: &'static str,
    /// What was done, e.g. `create_outbound_order`.
    pub action: String,
    /// The record written (id), when known.
    pub target: Option<String>,
}

/// The writes of one run, in order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Writes(pub Vec<Write>);

impl Writes {
    pub fn push(
        &mut self,
        system: &'static str,
        action: impl Into<String>,
        target: Option<String>,
    ) {
        self.0.push(Write {
            system,
            action: action.into(),
            target,
        });
    }
}

/// The stored name of an outcome kind (`needs_attention`, ...).
pub fn outcome_name(kind: OutcomeKind) -> String {
    kind.as_str().to_owned()
}

/// A run that ended in an outcome other than `synced` (nothing, or only some, written).
pub fn from_outcome(
    outcome: &Outcome,
    plan: Option<serde_json::Value>,
    writes: Writes,
) -> Processed {
    Processed {
        outcome: outcome_name(outcome.kind),
        reason: Some(outcome.reason.clone()),
        detail: Some(serde_json::json!({"plan": plan, "writes": writes, "fix": outcome.fix})),
    }
}

/// A run that applied a plan.
pub fn synced(reason: impl Into<String>, plan: serde_json::Value, writes: Writes) -> Processed {
    Processed {
        outcome: "synced".into(),
        reason: Some(reason.into()),
        detail: Some(serde_json::json!({"plan": plan, "writes": writes})),
    }
}
