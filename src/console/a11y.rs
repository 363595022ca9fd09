//! Test helper for the accessibility pass: every form control in rendered markup has a label
//! (a `<label for>`, an enclosing `<label>` or an `aria-label`), and headings never skip a level.

/// The value of attribute `name` in the tag text `tag` (maud writes `name="value"`).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    tag[start..].split('"').next()
}

/// The text of every tag named `name` (`<name …>`), with its position.
fn tags<'a>(html: &'a str, name: &str) -> Vec<(usize, &'a str)> {
    let open = format!("<{name}");
    html.match_indices(&open)
        .filter(|(at, _)| {
            html[at + open.len()..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '>' || c == '/')
        })
        .map(|(at, _)| (at, html[at..].split('>').next().unwrap_or("")))
        .collect()
}

/// Panics naming the first form control without a label, or the first heading that skips a
/// level (the page's own `h1` counts as already there).
pub fn assert_labelled(html: &str) {
    let targets: Vec<&str> = tags(html, "label")
        .into_iter()
        .filter_map(|(_, tag)| attribute(tag, "for"))
        .collect();
    for name in ["input", "select", "textarea"] {
        for (at, tag) in tags(html, name) {
            let kind = attribute(tag, "type").unwrap_or("text");
            if matches!(kind, "hidden" | "submit" | "button") {
                continue;
            }
            let by_for = attribute(tag, "id").is_some_and(|id| targets.contains(&id));
            let by_aria = attribute(tag, "aria-label").is_some_and(|l| !l.trim().is_empty());
            let enclosing =
                html[..at].matches("<label").count() > html[..at].matches("</label>").count();
            assert!(by_for || by_aria || enclosing, "no label for {tag}>");
        }
    }
    let mut level = 1;
    for (at, _) in html.match_indices("<h") {
        let Some(next) = html[at + 2..].chars().next().and_then(|c| c.to_digit(10)) else {
            continue;
        };
        assert!(next <= level + 1, "h{next} after h{level}");
        level = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlabelled_controls_are_found() {
        assert_labelled(r#"<label for="a">A</label><input id="a" name="a">"#);
        assert_labelled(r#"<label>A <select name="a"></select></label>"#);
        assert_labelled(r#"<input type="hidden" name="csrf"><input aria-label="Q" name="q">"#);
        let missing = std::panic::catch_unwind(|| assert_labelled(r#"<input name="q">"#));
        assert!(missing.is_err());
        let skipped = std::panic::catch_unwind(|| assert_labelled("<h2>a</h2><h4>b</h4>"));
        assert!(skipped.is_err());
    }
}
