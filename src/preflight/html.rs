//! The report as one self-contained HTML page (inline CSS, no scripts, no external assets) that
//! can be opened from disk and shared. Every value from the platforms is HTML-escaped.

use std::fmt::Write;

use super::environment::Status;
use super::finding::Finding;
use super::report::Report;
use super::text::status;

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:1100px;margin:0 auto;padding:28px}
h1{margin:0 0 4px;font-size:26px}h2{margin:32px 0 10px;font-size:19px}
.meta{color:#5b6775;margin:0 0 20px}
.verdict{display:inline-block;padding:3px 12px;border-radius:14px;font-weight:600;color:#fff}
.ready{background:#2e7d32}.not-ready{background:#c62828}
.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{flex:1;min-width:150px;background:#fff;border-radius:10px;padding:16px 18px;box-shadow:0 1px 3px #0002}
.card b{display:block;font-size:32px}.card.error b{color:#c62828}.card.warning b{color:#b26a00}.card.info b{color:#1565c0}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 3px #0002}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #e3e7eb;vertical-align:top}
th{background:#eef1f4;font-weight:600}
.sev{font-weight:600;text-transform:uppercase;font-size:12px}
.sev.error{color:#c62828}.sev.warning{color:#b26a00}.sev.info{color:#1565c0}
.finding{background:#fff;border-left:5px solid #999;border-radius:6px;padding:10px 14px;margin:8px 0;box-shadow:0 1px 2px #0001}
.finding.error{border-color:#c62828}.finding.warning{border-color:#e59400}.finding.info{border-color:#1e88e5}
.records{color:#3c4753;font-size:13px;margin-top:4px}.fix{margin-top:4px;font-size:14px}
.ok{color:#2e7d32;font-weight:600}
code{background:#eef1f4;padding:0 4px;border-radius:3px}
";

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders `report` as a complete HTML document.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>leafbridge preflight report</title><style>{STYLE}</style></head><body><main>"
    );
    summary(&mut out, report);
    findings(&mut out, "Findings", &report.findings);
    findings(
        &mut out,
        "Notes: what the first sync will do",
        &report.notes,
    );
    tables(&mut out, report);
    out.push_str("</main></body></html>\n");
    out
}

fn summary(out: &mut String, report: &Report) {
    let s = &report.summary;
    let (class, verdict) = if report.has_errors() {
        ("not-ready", "Not ready")
    } else {
        ("ready", "Ready")
    };
    let _ = write!(
        out,
        "<h1>leafbridge preflight <span class=\"verdict {class}\">{verdict}</span></h1>\
         <p class=\"meta\">Generated {}</p><section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\
         <div class=\"card error\"><b>{}</b>errors</div><div class=\"card warning\"><b>{}</b>warnings</div>\
         <div class=\"card info\"><b>{}</b>info</div></div>",
        escape(&report.generated_at),
        s.errors,
        s.warnings,
        s.infos
    );
    environment(out, report);
    if !s.checks.is_empty() {
        out.push_str("<h2>Findings by check</h2><table><tr><th>Severity</th><th>Check</th><th>Count</th></tr>");
        for c in &s.checks {
            let sev = c.severity.as_str();
            let _ = write!(
                out,
                "<tr><td class=\"sev {sev}\">{sev}</td><td><code>{}</code></td><td>{}</td></tr>",
                escape(&c.check),
                c.count
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

fn environment(out: &mut String, report: &Report) {
    if report.environment.is_empty() {
        return;
    }
    out.push_str(
        "<h2>Connectivity and configuration</h2><table><tr><th>Check</th><th>Status</th></tr>",
    );
    for check in &report.environment {
        let class = match check.status {
            Status::Passed => "ok",
            Status::Failed => "sev error",
            Status::NotChecked => "sev warning",
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"{class}\">{}</td></tr>",
            escape(&check.name),
            status(check.status)
        );
    }
    out.push_str("</table>");
}

fn findings(out: &mut String, title: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let _ = write!(out, "<section><h2>{}</h2>", escape(title));
    for f in findings {
        let sev = f.severity.as_str();
        let records: Vec<String> = f.records.iter().map(|r| escape(&r.to_string())).collect();
        let _ = write!(
            out,
            "<div class=\"finding {sev}\"><span class=\"sev {sev}\">{sev}</span> <code>{}</code> {}\
             <div class=\"records\">{}</div>",
            escape(&f.check),
            escape(&f.summary),
            records.join(" &middot; ")
        );
        if let Some(fix) = &f.fix {
            let _ = write!(
                out,
                "<div class=\"fix\"><b>Fix in {}:</b> {}</div>",
                fix.system.name(),
                escape(&fix.action)
            );
        }
        out.push_str("</div>");
    }
    out.push_str("</section>");
}

fn tables(out: &mut String, report: &Report) {
    if !report.listing_states.is_empty() {
        out.push_str("<section><h2>Listing states of linked products</h2><table><tr><th>State</th><th>Products</th></tr>");
        for (state, count) in &report.listing_states {
            let _ = write!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(state));
        }
        out.push_str("</table></section>");
    }
    let routing = &report.routing;
    if !routing.facilities.is_empty() || !routing.not_routed.is_empty() {
        out.push_str("<section><h2>Open orders by receiving facility</h2><table><tr><th>Facility</th><th>Orders</th></tr>");
        for row in &routing.facilities {
            let _ = write!(
                out,
                "<tr><td>{} <code>{}</code></td><td>{}</td></tr>",
                escape(&row.facility_name),
                escape(&row.facility_id),
                row.orders
            );
        }
        for (reason, count) in &routing.not_routed {
            let _ = write!(
                out,
                "<tr><td>Not routed: {}</td><td>{count}</td></tr>",
                escape(reason)
            );
        }
        out.push_str("</table></section>");
    }
    if !report.summary.records_read.is_empty() {
        out.push_str("<section><h2>Records read</h2><table><tr><th>List</th><th>Records</th></tr>");
        for (name, count) in &report.summary.records_read {
            let _ = write!(out, "<tr><td>{}</td><td>{count}</td></tr>", escape(name));
        }
        out.push_str("</table></section>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preflight::finding::{RecordRef, Severity};

    #[test]
    fn platform_text_is_escaped_in_the_page() {
        let finding = Finding::new(
            "duplicate_sku",
            Severity::Error,
            "<script>alert('x')</script> & co",
        )
        .with([RecordRef::leaflink("product", 1, "\"A&B\"")]);
        let page = render(&Report::from_findings(vec![finding]));
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert!(page.contains("&quot;A&amp;B&quot;"));
    }

    #[test]
    fn page_has_no_external_assets() {
        let page = render(&Report::from_findings(vec![]));
        for needle in ["<link", "<script", "src=", "http://", "https://", "@import"] {
            assert!(!page.contains(needle), "page contains {needle}");
        }
    }
}
