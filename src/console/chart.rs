//! Small bar charts drawn on the server as inline SVG (no charting library in the browser).

use maud::{Markup, html};

/// A horizontal bar chart of `(label, count)` with a title for screen readers.
pub fn bars(title: &str, rows: &[(String, i64)]) -> Markup {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let row_height = 22;
    let height = (rows.len().max(1) * row_height) as i64 + 4;
    html! {
        figure {
            figcaption { (title) }
            @if rows.is_empty() {
                p { "Nothing in this period." }
            } @else {
                svg role="img" aria-label=(title) width="100%" height=(height)
                    viewBox=(format!("0 0 420 {height}")) preserveAspectRatio="xMinYMin meet"
                    xmlns="http://www.w3.org/2000/svg" {
                    @for (i, (label, n)) in rows.iter().enumerate() {
                        @let y = (i * row_height) as i64 + 2;
                        @let width = (*n * 230 / max).max(1);
                        text x="0" y=(y + 15) font-size="13" fill="#1a1a1a" { (label) }
                        rect x="140" y=(y + 3) width=(width) height="15" fill=(colour(label)) {}
                        text x=(145 + width) y=(y + 15) font-size="13" fill="#1a1a1a" { (n) }
                    }
                }
            }
        }
    }
}

fn colour(label: &str) -> &'static str {
    match label {
        "synced" => "#2e7d32",
        "unchanged" => "#6a8caf",
        "needs_attention" | "held" => "#c77c00",
        "failed" => "#b71c1c",
        "shadowed" => "#7b5ea7",
        _ => "#607080",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_chart_says_so_and_labels_are_escaped() {
        assert!(
            bars("Last hour", &[])
                .into_string()
                .contains("Nothing in this period.")
        );
        let svg = bars("Day", &[("<b>x</b>".into(), 3), ("synced".into(), 0)]).into_string();
        assert!(svg.contains("&lt;b&gt;x&lt;/b&gt;") && !svg.contains("<b>x"));
        assert!(svg.contains("role=\"img\""));
    }
}
