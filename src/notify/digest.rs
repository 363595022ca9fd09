//! One digest: the problems of a connection not said yet and the ones said that are resolved,
//! rendered as an email (subject and text), a Slack message, or leafbridge's JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::collect::{ATTENTION, BUDGET, CREDENTIALS, DEAD_JOB, POLLER};
use crate::store::notify::ItemRow;

/// What one digest says; stored as the body of its delivery job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub connection: String,
    /// When the digest was made (ms since the epoch).
    pub created_at: i64,
    /// Base URL of leafbridge's operator API, for links to records.
    pub base_url: String,
    pub opened: Vec<ItemRow>,
    pub resolved: Vec<ItemRow>,
}

fn text(detail: &Value, field: &str) -> String {
    match detail.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl Digest {
    /// `[leafbridge] brand-a: 3 new problems, 1 resolved`.
    pub fn subject(&self) -> String {
        let mut parts = Vec::new();
        match self.opened.len() {
            0 => {}
            1 => parts.push("1 new problem".to_owned()),
            n => parts.push(format!("{n} new problems")),
        }
        if !self.resolved.is_empty() {
            parts.push(format!("{} resolved", self.resolved.len()));
        }
        format!("[leafbridge] {}: {}", self.connection, parts.join(", "))
    }

    fn event_link(&self, detail: &Value) -> String {
        format!(
            "{}/api/v1/events/{}",
            self.base_url.trim_end_matches('/'),
            text(detail, "event_id")
        )
    }

    /// One line about a problem (attention problems are grouped by reason separately).
    fn line(&self, item: &ItemRow) -> String {
        let d = &item.detail;
        match item.category.as_str() {
            ATTENTION => format!(
                "{} {} — {}",
                text(d, "kind"),
                text(d, "entity_key"),
                self.event_link(d)
            ),
            DEAD_JOB => format!(
                "job {} ({} {}) failed for good: {} — retry with POST {}/api/v1/jobs/{}/retry",
                text(d, "job_id"),
                text(d, "kind"),
                text(d, "entity_key"),
                text(d, "error"),
                self.base_url.trim_end_matches('/'),
                text(d, "job_id"),
            ),
            POLLER => format!(
                "poller {} keeps failing: {}",
                text(d, "poller"),
                text(d, "error")
            ),
            CREDENTIALS => format!(
                "{} refuses leafbridge's API key ({}): the key was revoked or lacks rights; \
                 issue a new one and set it",
                text(d, "platform"),
                text(d, "status")
            ),
            BUDGET => format!(
                "{} API budget nearly spent: {} of {} requests in the last {} minutes",
                text(d, "platform"),
                text(d, "used"),
                text(d, "budget"),
                text(d, "window_minutes")
            ),
            other => format!("{other}: {}", item.key),
        }
    }

    /// The plain-text body: new problems by category (attention grouped by reason, with the
    /// fix and the system to make it in), then what was resolved.
    pub fn body(&self) -> String {
        let mut out = format!(
            "leafbridge, connection {}: {}\n",
            self.connection,
            self.subject()
                .trim_start_matches(&format!("[leafbridge] {}: ", self.connection))
        );
        let attention: Vec<&ItemRow> = self
            .opened
            .iter()
            .filter(|i| i.category == ATTENTION)
            .collect();
        if !attention.is_empty() {
            out.push_str("\nNeeds attention\n");
            let mut by_reason: BTreeMap<(String, String, String), Vec<&ItemRow>> = BTreeMap::new();
            for item in attention {
                let d = &item.detail;
                let key = (text(d, "reason"), text(d, "fix"), text(d, "system"));
                by_reason.entry(key).or_default().push(item);
            }
            for ((reason, fix, system), items) in by_reason {
                out.push_str(&format!("\n* {reason} ({})\n", items.len()));
                if !fix.is_empty() {
                    out.push_str(&format!("  Fix in {system}: {fix}\n"));
                }
                for item in items {
                    out.push_str(&format!("  - {}\n", self.line(item)));
                }
            }
        }
        for (category, title) in [
            (CREDENTIALS, "API keys refused"),
            (BUDGET, "API budget"),
            (POLLER, "Pollers failing"),
            (DEAD_JOB, "Dead jobs"),
        ] {
            let items: Vec<&ItemRow> = self
                .opened
                .iter()
                .filter(|i| i.category == category)
                .collect();
            if !items.is_empty() {
                out.push_str(&format!("\n{title}\n"));
                for item in items {
                    out.push_str(&format!("  - {}\n", self.line(item)));
                }
            }
        }
        if !self.resolved.is_empty() {
            out.push_str("\nResolved\n");
            for item in &self.resolved {
                out.push_str(&format!("  - {}\n", self.line(item)));
            }
        }
        out
    }

    /// A Slack incoming-webhook message.
    pub fn slack(&self) -> Value {
        json!({ "text": format!("*{}*\n```{}```", self.subject(), self.body()) })
    }

    /// leafbridge's own JSON.
    pub fn json(&self) -> Value {
        let item = |i: &ItemRow| {
            json!({
                "key": i.key,
                "category": i.category,
                "detail": i.detail,
                "opened_at": i.opened_at,
                "resolved_at": i.resolved_at,
                "text": self.line(i),
            })
        };
        json!({
            "type": "leafbridge.digest",
            "connection": self.connection,
            "created_at": self.created_at,
            "subject": self.subject(),
            "opened": self.opened.iter().map(item).collect::<Vec<_>>(),
            "resolved": self.resolved.iter().map(item).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: &str, category: &str, detail: Value) -> ItemRow {
        ItemRow {
            key: key.into(),
            category: category.into(),
            detail,
            opened_at: 1,
            resolved_at: None,
            announced_at: None,
        }
    }

    #[test]
    fn attention_is_grouped_by_reason_with_the_fix_and_a_link() {
        let fix = json!({"event_id": "e1", "kind": "order", "entity_key": "order:1",
            "reason": "unknown SKU", "fix": "create SKU X", "system": "Flourish"});
        let mut second = fix.clone();
        second["event_id"] = json!("e2");
        second["entity_key"] = json!("order:2");
        let digest = Digest {
            connection: "brand-a".into(),
            created_at: 5,
            base_url: "http://lb.example/".into(),
            opened: vec![
                item("attention:order:1", ATTENTION, fix),
                item("attention:order:2", ATTENTION, second),
                item(
                    "dead_job:j1",
                    DEAD_JOB,
                    json!({"job_id": "j1", "kind": "leaflink.order",
                    "entity_key": "order:3", "error": "boom"}),
                ),
            ],
            resolved: vec![item(
                "credentials:leaflink",
                CREDENTIALS,
                json!({"platform": "leaflink", "status": 401}),
            )],
        };
        assert_eq!(
            digest.subject(),
            "[leafbridge] brand-a: 3 new problems, 1 resolved"
        );
        let body = digest.body();
        assert_eq!(body.matches("* unknown SKU (2)").count(), 1, "{body}");
        assert!(body.contains("Fix in Flourish: create SKU X"), "{body}");
        assert!(
            body.contains("http://lb.example/api/v1/events/e2"),
            "{body}"
        );
        assert!(body.contains("Dead jobs\n  - job j1"), "{body}");
        assert!(body.contains("Resolved\n  - leaflink refuses"), "{body}");
        assert_eq!(digest.json()["opened"].as_array().unwrap().len(), 3);
    }
}
