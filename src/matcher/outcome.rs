//! What became of one processed event: a kind, a reason a person can read, and for data
//! problems the fix that would clear them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The kind of outcome recorded for an event (see `matching-rules.md`, "Outcomes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Writes were made.
    Synced,
    /// Everything already matched; nothing was written.
    Unchanged,
    /// A rule says this event is not for us.
    Ignored,
    /// Waiting for data that may still arrive; re-evaluated on the next event.
    Held,
    /// A data problem a person must fix; not retried automatically.
    NeedsAttention,
    /// Transient errors outlived the retry schedule.
    Failed,
}

impl OutcomeKind {
    /// The name stored in the database and sent on the wire (`needs_attention`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Synced => "synced",
            Self::Unchanged => "unchanged",
            Self::Ignored => "ignored",
            Self::Held => "held",
            Self::NeedsAttention => "needs_attention",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A text that names no outcome kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome {0:?}")]
pub struct UnknownOutcome(pub String);

impl FromStr for OutcomeKind {
    type Err = UnknownOutcome;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "synced" => Self::Synced,
            "unchanged" => Self::Unchanged,
            "ignored" => Self::Ignored,
            "held" => Self::Held,
            "needs_attention" => Self::NeedsAttention,
            "failed" => Self::Failed,
            _ => return Err(UnknownOutcome(text.to_owned())),
        })
    }
}

/// The platform where a person has to act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum System {
    /// LeafLink, the marketplace.
    LeafLink,
    /// Flourish, the ERP.
    Flourish,
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::LeafLink => "LeafLink",
            Self::Flourish => "Flourish",
        })
    }
}

/// A concrete action that would clear a `needs_attention` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// Where to act.
    pub system: System,
    /// What to do, as an instruction (e.g. "create brand `Canyon Farms` in LeafLink").
    pub action: String,
}

/// One recorded outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// What happened.
    pub kind: OutcomeKind,
    /// Why, in words an operator understands.
    pub reason: String,
    /// For `NeedsAttention`: the fix, when one is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

impl Outcome {
    fn new(kind: OutcomeKind, reason: impl Into<String>) -> Self {
        Self {
            kind,
            reason: reason.into(),
            fix: None,
        }
    }

    /// Writes were made (the reason lists them).
    pub fn synced(reason: impl Into<String>) -> Self {
        Self::new(OutcomeKind::Synced, reason)
    }

    /// Nothing to write.
    pub fn unchanged(reason: impl Into<String>) -> Self {
        Self::new(OutcomeKind::Unchanged, reason)
    }

    /// A rule says skip this.
    pub fn ignored(reason: impl Into<String>) -> Self {
        Self::new(OutcomeKind::Ignored, reason)
    }

    /// Waiting for data.
    pub fn held(reason: impl Into<String>) -> Self {
        Self::new(OutcomeKind::Held, reason)
    }

    /// A data problem without a single obvious fix.
    pub fn attention(reason: impl Into<String>) -> Self {
        Self::new(OutcomeKind::NeedsAttention, reason)
    }

    /// A data problem and the action that clears it.
    pub fn attention_fix(
        reason: impl Into<String>,
        system: System,
        action: impl Into<String>,
    ) -> Self {
        Self {
            fix: Some(Fix {
                system,
                action: action.into(),
            }),
            ..Self::new(OutcomeKind::NeedsAttention, reason)
        }
    }

    /// Transient errors outlived the retries.
    pub fn failed(reason: impl Into<String>) -> Self {
        Self::new(OutcomeKind::Failed, reason)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.reason)?;
        if let Some(fix) = &self.fix {
            write!(f, " (fix in {}: {})", fix.system, fix.action)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_serialises_with_snake_case_kind_and_fix() {
        let outcome = Outcome::attention_fix(
            "brand \"Canyon Farms\" does not exist in LeafLink",
            System::LeafLink,
            "create brand `Canyon Farms` in LeafLink",
        );
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["kind"], "needs_attention");
        assert_eq!(json["fix"]["system"], "LeafLink");
        let back: Outcome = serde_json::from_value(json).unwrap();
        assert_eq!(back, outcome);
    }

    #[test]
    fn outcome_without_fix_omits_the_field() {
        let json = serde_json::to_value(Outcome::held("order held")).unwrap();
        assert_eq!(json["kind"], "held");
        assert!(json.get("fix").is_none());
    }

    #[test]
    fn display_reads_as_a_sentence_with_the_fix() {
        let outcome = Outcome::attention_fix("x", System::Flourish, "do y");
        assert_eq!(
            outcome.to_string(),
            "NeedsAttention: x (fix in Flourish: do y)"
        );
    }

    #[test]
    fn outcome_names_are_the_serde_names_and_parse_back() {
        use OutcomeKind::*;
        for kind in [Synced, Unchanged, Ignored, Held, NeedsAttention, Failed] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert_eq!(kind.as_str().parse::<OutcomeKind>(), Ok(kind));
        }
        assert!("shipped".parse::<OutcomeKind>().is_err());
    }
}
