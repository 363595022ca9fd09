//! The report as plain text for a terminal: counts first, then findings grouped by check.

use std::fmt::Write;

use super::environment::Status;
use super::finding::Finding;
use super::report::Report;

/// Renders `report` for people reading a terminal.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let s = &report.summary;
    let verdict = if report.has_errors() {
        "NOT READY"
    } else {
        "READY"
    };
    let _ = writeln!(out, "leafbridge preflight: {verdict}");
    let _ = writeln!(
        out,
        "{} errors, {} warnings, {} info\n",
        s.errors, s.warnings, s.infos
    );
    if !report.environment.is_empty() {
        let _ = writeln!(out, "Connectivity and configuration");
        for check in &report.environment {
            let _ = writeln!(out, "  {:<12} {}", status(check.status), check.name);
        }
        out.push('\n');
    }
    if !s.checks.is_empty() {
        let _ = writeln!(out, "Findings by check");
        for c in &s.checks {
            let _ = writeln!(
                out,
                "  {:<8} {:>4}  {}",
                c.severity.as_str(),
                c.count,
                c.check
            );
        }
        out.push('\n');
    }
    section(&mut out, "Details", &report.findings);
    section(
        &mut out,
        "Notes (what the first sync will do)",
        &report.notes,
    );
    listing_states(&mut out, report);
    routing(&mut out, report);
    if !s.records_read.is_empty() {
        let _ = writeln!(out, "Records read");
        for (name, count) in &s.records_read {
            let _ = writeln!(out, "  {name:<28} {count:>6}");
        }
    }
    out
}

fn section(out: &mut String, title: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}");
    let mut current = "";
    for finding in findings {
        if finding.check != current {
            current = &finding.check;
            let _ = writeln!(out, "\n  [{}] {current}", finding.severity.as_str());
        }
        let _ = writeln!(out, "    - {}", finding.summary);
        let records: Vec<String> = finding.records.iter().map(|r| r.to_string()).collect();
        if !records.is_empty() {
            let _ = writeln!(out, "      records: {}", records.join("; "));
        }
        if let Some(fix) = &finding.fix {
            let _ = writeln!(out, "      fix in {}: {}", fix.system.name(), fix.action);
        }
    }
    out.push('\n');
}

fn listing_states(out: &mut String, report: &Report) {
    if report.listing_states.is_empty() {
        return;
    }
    let _ = writeln!(out, "Listing states of linked LeafLink products");
    for (state, count) in &report.listing_states {
        let note = if matches!(state.as_str(), "Available" | "Backorder") {
            ""
        } else {
            "  (no inventory sync)"
        };
        let _ = writeln!(out, "  {state:<12} {count:>6}{note}");
    }
    out.push('\n');
}

fn routing(out: &mut String, report: &Report) {
    let table = &report.routing;
    if table.facilities.is_empty() && table.not_routed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Open orders by receiving facility (routing as configured)"
    );
    for row in &table.facilities {
        let _ = writeln!(
            out,
            "  {:<10} {:<32} {:>5}",
            row.facility_id, row.facility_name, row.orders
        );
    }
    for (reason, count) in &table.not_routed {
        let _ = writeln!(out, "  not routed {count:>5}: {reason}");
    }
    out.push('\n');
}

/// A status as shown in reports.
pub fn status(status: Status) -> &'static str {
    match status {
        Status::Passed => "ok",
        Status::Failed => "FAILED",
        Status::NotChecked => "not checked",
    }
}
