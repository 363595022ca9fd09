//! The rehearsal report as text (the CLI's default) and as one self-contained HTML page where
//! every figure links by anchor to the events behind it (and each event to its console page).

use std::collections::BTreeSet;
use std::fmt::Write;

use chrono::{DateTime, SecondsFormat, Utc};

use super::shadow_report::{Creation, ShadowReport, Tally};
use crate::preflight::html::escape;

fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

fn ids(event_ids: &[String]) -> String {
    event_ids.join(", ")
}

fn tallies(out: &mut String, title: &str, list: &[Tally]) {
    let _ = writeln!(out, "\n{title}");
    if list.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for tally in list {
        let _ = writeln!(
            out,
            "  {:>5}  {}  [events: {}]",
            tally.count,
            tally.key,
            ids(&tally.event_ids)
        );
    }
}

fn creations(out: &mut String, title: &str, list: &[Creation]) {
    let _ = writeln!(out, "\n{title}");
    if list.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for created in list {
        let _ = writeln!(
            out,
            "  {}  {}  [events: {}]",
            created.key,
            created.name,
            ids(&created.event_ids)
        );
    }
}

/// The report as plain text, surprises first.
/// The counted order sections, in the report's order (text and HTML alike).
fn order_sections(report: &ShadowReport) -> [(&'static str, &[Tally]); 4] {
    [
        (
            "Orders that would be created, per Flourish facility",
            &report.orders_by_facility,
        ),
        (
            "Orders that would be created, per Flourish sales rep",
            &report.orders_by_sales_rep,
        ),
        ("Orders held, and why", &report.orders_held),
        ("Other order writes", &report.order_changes),
    ]
}

/// The sections of records that would be created.
fn creation_sections(report: &ShadowReport) -> [(&'static str, &[Creation]); 3] {
    [
        (
            "Destinations that would be created",
            &report.destinations_created,
        ),
        ("Strains that would be created", &report.strains_created),
        ("Products that would be created", &report.products_created),
    ]
}

/// The counted sections after the product and stock ones.
fn closing_sections(report: &ShadowReport) -> [(&'static str, &[Tally]); 2] {
    [
        ("LeafLink status transitions", &report.status_transitions),
        ("Needs attention, by reason", &report.attention),
    ]
}

pub fn text(report: &ShadowReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Rehearsal report for connection {} from {} to {}: {} rehearsed events",
        report.connection,
        time(report.since),
        time(report.until),
        report.events
    );
    let _ = writeln!(out, "\nSurprises (look at these first)");
    if report.surprises.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for surprise in &report.surprises {
        let _ = writeln!(
            out,
            "  ! {}: {}  [events: {}]",
            surprise.kind,
            surprise.message,
            ids(&surprise.event_ids)
        );
    }
    for (title, list) in order_sections(report) {
        tallies(&mut out, title, list);
    }
    for (title, list) in creation_sections(report) {
        creations(&mut out, title, list);
    }
    let _ = writeln!(out, "\nProducts that would be updated");
    if report.products_updated.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for update in &report.products_updated {
        let changes: Vec<String> = update
            .changes
            .iter()
            .map(|c| {
                let before = c.before.as_ref().map_or("?".to_owned(), |b| b.to_string());
                format!("{}: {before} -> {}", c.field, c.after)
            })
            .collect();
        let _ = writeln!(
            out,
            "  {} (product {})  {}  [events: {}]",
            update.sku,
            update.product_id,
            changes.join("; "),
            ids(&update.event_ids)
        );
    }
    let _ = writeln!(out, "\nStock updates, largest change first");
    if report.stock_updates.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for stock in &report.stock_updates {
        let before = stock.before.map_or("?".to_owned(), |b| b.to_string());
        let _ = writeln!(
            out,
            "  {} (product {})  {before} -> {} ({:+})  [events: {}]",
            stock.sku,
            stock.product_id,
            stock.after,
            stock.change,
            ids(&stock.event_ids)
        );
    }
    for (title, list) in closing_sections(report) {
        tallies(&mut out, title, list);
    }
    let _ = writeln!(out, "\nPlatform calls per hour (this process)");
    if report.platform_calls.is_empty() {
        let _ = writeln!(out, "  not known (ask a running instance with --url)");
    }
    for hour in &report.platform_calls {
        let _ = writeln!(
            out,
            "  {}  {:<8}  {} of {}",
            time(hour.hour),
            hour.platform,
            hour.calls,
            hour.limit
        );
    }
    out
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}\
main{max-width:1100px;margin:0 auto;padding:28px}h2{margin:28px 0 8px;font-size:19px}\
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:6px 10px;\
border-bottom:1px solid #e3e7eb;vertical-align:top}th{background:#eef1f4}\
.surprise{background:#fff;border-left:5px solid #e59400;padding:8px 12px;margin:6px 0}\
a{color:#1565c0}code{background:#eef1f4;padding:0 4px}";

/// Links to the anchors of `event_ids`.
fn links(event_ids: &[String]) -> String {
    event_ids
        .iter()
        .map(|id| format!("<a href=\"#ev-{0}\">{0}</a>", escape(id)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn html_tallies(out: &mut String, title: &str, list: &[Tally]) {
    let _ = write!(out, "<h2>{}</h2>", escape(title));
    if list.is_empty() {
        out.push_str("<p>none</p>");
        return;
    }
    out.push_str("<table><tr><th>Count</th><th>What</th><th>Events</th></tr>");
    for tally in list {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            tally.count,
            escape(&tally.key),
            links(&tally.event_ids)
        );
    }
    out.push_str("</table>");
}

fn html_creations(out: &mut String, title: &str, list: &[Creation]) {
    let rows: Vec<Tally> = list
        .iter()
        .map(|c| Tally {
            key: format!("{} — {}", c.key, c.name),
            count: c.event_ids.len() as u64,
            event_ids: c.event_ids.clone(),
        })
        .collect();
    html_tallies(out, title, &rows);
}

/// The report as one self-contained page.
pub fn html(report: &ShadowReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>leafbridge \
         rehearsal report</title><style>{STYLE}</style></head><body><main>\
         <h1>Rehearsal report</h1><p>Connection <code>{}</code>, {} to {}: {} rehearsed \
         events.</p><h2>Surprises</h2>",
        escape(&report.connection),
        escape(&time(report.since)),
        escape(&time(report.until)),
        report.events
    );
    if report.surprises.is_empty() {
        out.push_str("<p>none</p>");
    }
    for surprise in &report.surprises {
        let _ = write!(
            out,
            "<div class=\"surprise\"><b>{}</b>: {} ({})</div>",
            escape(&surprise.kind),
            escape(&surprise.message),
            links(&surprise.event_ids)
        );
    }
    for (title, list) in order_sections(report) {
        html_tallies(&mut out, title, list);
    }
    for (title, list) in creation_sections(report) {
        html_creations(&mut out, title, list);
    }
    out.push_str("<h2>Products that would be updated</h2><table><tr><th>SKU</th><th>Product</th><th>Before → after</th><th>Events</th></tr>");
    for update in &report.products_updated {
        let changes: Vec<String> = update
            .changes
            .iter()
            .map(|c| {
                let before = c.before.as_ref().map_or("?".to_owned(), |b| b.to_string());
                escape(&format!("{}: {before} → {}", c.field, c.after))
            })
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&update.sku),
            update.product_id,
            changes.join("<br>"),
            links(&update.event_ids)
        );
    }
    out.push_str("</table><h2>Stock updates, largest change first</h2><table><tr><th>SKU</th><th>Before → after</th><th>Change</th><th>Events</th></tr>");
    for stock in &report.stock_updates {
        let before = stock.before.map_or("?".to_owned(), |b| b.to_string());
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{} → {}</td><td>{:+}</td><td>{}</td></tr>",
            escape(&stock.sku),
            escape(&before),
            stock.after,
            stock.change,
            links(&stock.event_ids)
        );
    }
    out.push_str("</table>");
    for (title, list) in closing_sections(report) {
        html_tallies(&mut out, title, list);
    }
    out.push_str("<h2>Platform calls per hour</h2><table><tr><th>Hour</th><th>Platform</th><th>Calls</th><th>Limit</th></tr>");
    for hour in &report.platform_calls {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&time(hour.hour)),
            escape(&hour.platform),
            hour.calls,
            hour.limit
        );
    }
    out.push_str("</table><h2>Events</h2><ul>");
    for id in every_event(report) {
        let id = escape(&id);
        let _ = write!(
            out,
            "<li id=\"ev-{id}\"><a href=\"/console/events/{id}\">{id}</a></li>"
        );
    }
    out.push_str("</ul></main></body></html>");
    out
}

/// Every event id the report cites, once.
fn every_event(report: &ShadowReport) -> BTreeSet<String> {
    let tallies = order_sections(report)
        .into_iter()
        .chain(closing_sections(report));
    let mut all: BTreeSet<String> = BTreeSet::new();
    all.extend(tallies.flat_map(|(_, l)| l.iter().flat_map(|t| t.event_ids.clone())));
    all.extend(
        creation_sections(report)
            .into_iter()
            .flat_map(|(_, l)| l.iter().flat_map(|c| c.event_ids.clone())),
    );
    all.extend(report.surprises.iter().flat_map(|s| s.event_ids.clone()));
    all.extend(
        report
            .products_updated
            .iter()
            .flat_map(|u| u.event_ids.clone()),
    );
    all.extend(
        report
            .stock_updates
            .iter()
            .flat_map(|s| s.event_ids.clone()),
    );
    all
}
