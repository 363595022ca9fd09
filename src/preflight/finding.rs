//! One reported problem: the check that found it, how serious it is, the records involved and
//! the fix, in the system where a person has to act.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How serious a finding is (see `fixtures/README.md`, "Checks").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The records end in `needs_attention` or are written wrongly as soon as they sync.
    Error,
    /// The records are held or skipped, or only an order touching them fails.
    Warning,
    /// Sync will create something on the other side.
    Info,
}

impl Severity {
    /// The lowercase name used in every rendering.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which system a record lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A LeafLink record.
    Leaflink,
    /// A Flourish record.
    Flourish,
    /// leafbridge's own configuration or database.
    Leafbridge,
}

/// A record id as its platform spells it: integers on LeafLink, strings on Flourish.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RecordId {
    /// A LeafLink id.
    Int(i64),
    /// A Flourish id (or a setting name).
    Text(String),
}

impl Side {
    /// The system's name as people write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Leaflink => "LeafLink",
            Self::Flourish => "Flourish",
            Self::Leafbridge => "leafbridge",
        }
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(id) => write!(f, "{id}"),
            Self::Text(id) => f.write_str(id),
        }
    }
}

/// One record a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RecordRef {
    /// Where it lives.
    pub side: Side,
    /// Its kind: `item`, `product`, `strain`, `customer`, `destination`, `company_staff`, …
    pub kind: String,
    /// Its id.
    pub id: RecordId,
    /// The value the check looked at (SKU, licence, name, e-mail), for people.
    pub key: String,
}

impl RecordRef {
    /// A LeafLink record.
    pub fn leaflink(kind: &str, id: i64, key: impl Into<String>) -> Self {
        Self {
            side: Side::Leaflink,
            kind: kind.to_owned(),
            id: RecordId::Int(id),
            key: key.into(),
        }
    }

    /// A Flourish record.
    pub fn flourish(kind: &str, id: &str, key: impl Into<String>) -> Self {
        Self {
            side: Side::Flourish,
            kind: kind.to_owned(),
            id: RecordId::Text(id.to_owned()),
            key: key.into(),
        }
    }

    /// A leafbridge setting or resource.
    pub fn leafbridge(kind: &str, id: &str, key: impl Into<String>) -> Self {
        Self {
            side: Side::Leafbridge,
            kind: kind.to_owned(),
            id: RecordId::Text(id.to_owned()),
            key: key.into(),
        }
    }
}

impl fmt::Display for RecordRef {
    /// `LeafLink product 5106 (CF-FL-WC-35)`; the key is left out when blank.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.side.name(), self.kind, self.id)?;
        match self.key.trim() {
            "" => Ok(()),
            key => write!(f, " ({key})"),
        }
    }
}

/// One problem found before go-live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's stable name, e.g. `duplicate_sku`.
    pub check: String,
    /// How serious it is.
    pub severity: Severity,
    /// One line a person can read.
    pub summary: String,
    /// The records involved.
    pub records: Vec<RecordRef>,
    /// What to do, and where.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding without records or fix yet.
    pub fn new(check: &str, severity: Severity, summary: impl Into<String>) -> Self {
        Self {
            check: check.to_owned(),
            severity,
            summary: summary.into(),
            records: Vec::new(),
            fix: None,
        }
    }

    /// Adds records.
    pub fn with(mut self, records: impl IntoIterator<Item = RecordRef>) -> Self {
        self.records.extend(records);
        self
    }

    /// Sets the fix.
    pub fn fix(mut self, system: Side, action: impl Into<String>) -> Self {
        self.fix = Some(Fix {
            system,
            action: action.into(),
        });
        self
    }
}

/// What a person does to clear a finding, and in which system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    /// Where to act (leafbridge for its own settings).
    pub system: Side,
    /// The instruction.
    pub action: String,
}
