//! Keys stored with stray whitespace: sync matches them (SKUs and licenses after trimming,
//! e-mails and strain names normalised), but a platform's exact filter does not, so each costs
//! a wider search on every lookup. Each record is one finding, fixed by trimming it at the source.

use super::Context;
use crate::preflight::finding::{Finding, RecordRef, Severity, Side};

/// One finding per record whose key carries whitespace the rules ignore.
pub fn check(cx: &Context<'_>) -> Vec<Finding> {
    let (leaflink, flourish) = (&cx.snapshot.leaflink, &cx.snapshot.flourish);
    let mut findings = Vec::new();
    for p in &leaflink.products {
        let record = RecordRef::leaflink("product", p.id, p.sku.trim());
        findings.extend(stray(record, "SKU", &p.sku, trimmed));
    }
    for i in &flourish.items {
        let record = RecordRef::flourish("item", &i.id, i.sku.trim());
        findings.extend(stray(record, "SKU", &i.sku, trimmed));
    }
    for c in &leaflink.customers {
        let license = c.license_number.as_deref().unwrap_or_default();
        let record = RecordRef::leaflink("customer", c.id, license.trim());
        findings.extend(stray(record, "license number", license, trimmed));
    }
    for d in &flourish.destinations {
        let license = &d.fields.license_number;
        let record = RecordRef::flourish("destination", &d.id, license.trim());
        findings.extend(stray(record, "license number", license, trimmed));
    }
    for s in &leaflink.staff {
        let email = s.email.as_deref().unwrap_or_default();
        let record = RecordRef::leaflink("company_staff", s.id, email.trim());
        findings.extend(stray(record, "e-mail", email, trimmed));
    }
    for r in &flourish.sales_reps {
        let email = r.email.as_deref().unwrap_or_default();
        let record = RecordRef::flourish("sales_rep", &r.sales_rep_id, email.trim());
        findings.extend(stray(record, "e-mail", email, trimmed));
    }
    for s in &leaflink.strains {
        let record = RecordRef::leaflink("strain", s.id, collapsed(&s.name));
        findings.extend(stray(record, "name", &s.name, collapsed));
    }
    findings
}

fn trimmed(raw: &str) -> String {
    raw.trim().to_owned()
}

/// Trimmed, inner runs of whitespace made one space: how strain names are compared.
fn collapsed(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A finding when `raw` differs from its normalised form.
fn stray(
    record: RecordRef,
    what: &str,
    raw: &str,
    normalise: fn(&str) -> String,
) -> Option<Finding> {
    let clean = normalise(raw);
    if clean == raw || clean.is_empty() {
        return None;
    }
    let platform = match record.side {
        Side::Leaflink => "LeafLink",
        Side::Flourish => "Flourish",
        Side::Leafbridge => "leafbridge",
    };
    let fix = format!("set the {what} of {record} to `{clean}` in {platform}");
    let summary = format!(
        "{record} has {what} {raw:?} with stray whitespace; sync matches it as {clean:?}, but \
         {platform}'s exact filters miss it"
    );
    let side = record.side;
    Some(
        Finding::new("stray_whitespace", Severity::Warning, summary)
            .with([record])
            .fix(side, fix),
    )
}
