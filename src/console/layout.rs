//! The page shell every console page shares: head, navigation, notices, the small style sheet
//! and the one script (copy buttons); plus the sign-in and error pages and value formatting.

use axum::http::StatusCode;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::session::{Session, sign_out_form};

const STYLE: &str = r#"
:root{--fg:#1a1a1a;--muted:#555555;--line:#ccc;--bg:#ffffff;--accent:#0b5394;--bad:#a61b1b;--ok:#1e6b2e;--warn:#8a5a00}
*{box-sizing:border-box}
body{font:16px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}
header{background:#0f2d4a;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
header a{color:#fff}
header nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;flex:1}
header nav a[aria-current=page]{font-weight:700;text-decoration:underline}
main{padding:1rem;max-width:76rem;margin:0 auto}
h1{font-size:1.5rem;margin:.2rem 0 1rem}
h2{font-size:1.2rem;margin:1.4rem 0 .5rem}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus,iframe:focus{outline:3px solid #f2b705;outline-offset:1px}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:var(--accent);padding:.5rem}
.skip:focus{left:.5rem}
header .scope{font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f1f4f8}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.75rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
.card b{font-size:1.4rem;display:block}
.notice{background:#e8f1fb;border-left:4px solid var(--accent);padding:.5rem .8rem}
.error{background:#fbeaea;border-left:4px solid var(--bad);padding:.5rem .8rem}
.bad{color:var(--bad)}.ok{color:var(--ok)}.warn{color:var(--warn)}
form.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:.5rem 0}
form.filters label,form.stack label{display:flex;flex-direction:column;font-size:.9rem}
form.stack{display:grid;gap:.6rem;max-width:36rem}
input,select,textarea,button{font:inherit;padding:.3rem .45rem}
button{background:var(--accent);color:#fff;border:0;border-radius:4px;cursor:pointer}
header button{background:#fff;color:#0f2d4a}
form.inline{display:inline}
.timeline{list-style:none;padding:0;border-left:3px solid var(--line);margin-left:.4rem}
.timeline li{margin:0 0 .8rem 0;padding-left:1rem;position:relative}
.timeline li::before{content:"";position:absolute;left:-.5rem;top:.45rem;width:.7rem;height:.7rem;border-radius:50%;background:var(--accent)}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:24rem;white-space:pre-wrap;overflow-wrap:anywhere}
code{overflow-wrap:anywhere}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:700px){th,td{padding:.3rem}main{padding:.6rem}}
"#;

/// Copy buttons: the only script the console runs; pages work without it.
const SCRIPT: &str = r#"
document.querySelectorAll('button[data-copy]').forEach(function(b){
  b.hidden=false;
  b.addEventListener('click',function(){
    navigator.clipboard.writeText(b.getAttribute('data-copy')).then(function(){b.textContent='Copied';});
  });
});
"#;

/// The console's sections: (path, label).
pub const NAV: [(&str, &str); 10] = [
    ("/console/", "Overview"),
    ("/console/attention", "Attention"),
    ("/console/events", "Events"),
    ("/console/orders", "Orders"),
    ("/console/products", "Products"),
    ("/console/jobs", "Jobs"),
    ("/console/links", "Links"),
    ("/console/resync", "Resync"),
    ("/console/preflight", "Preflight"),
    ("/console/connections", "Connections"),
];

fn head(title: &str, refresh: Option<u32>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            @if let Some(seconds) = refresh {
                meta http-equiv="refresh" content=(seconds);
            }
            title { (title) " · leafbridge" }
            style { (PreEscaped(STYLE)) }
        }
    }
}

/// A signed-in page: navigation with `current` marked, the notice if any, then `body`.
pub fn page(
    title: &str,
    current: &str,
    session: &Session,
    notice: Option<&str>,
    body: Markup,
) -> Markup {
    page_with_refresh(title, current, session, notice, None, body)
}

/// [`page`] that reloads itself every `refresh` seconds (progress without script).
pub fn page_with_refresh(
    title: &str,
    current: &str,
    session: &Session,
    notice: Option<&str>,
    refresh: Option<u32>,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, refresh))
            body {
                a.skip href="#content" { "Skip to the page's content" }
                header {
                    a href="/console/" { strong { "leafbridge" } }
                    @if let Some(connection) = &session.connection {
                        span.scope { "connection " code { (connection) } }
                    }
                    nav aria-label="Console sections" {
                        @for (path, label) in NAV {
                            @if *path == *current {
                                a href=(path) aria-current="page" { (label) }
                            } @else {
                                a href=(path) { (label) }
                            }
                        }
                    }
                    (sign_out_form(session))
                }
                main id="content" tabindex="-1" {
                    h1 { (title) }
                    @if let Some(notice) = notice {
                        p.notice role="status" { (notice) }
                    }
                    (body)
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// The sign-in page; `pre` is the form's CSRF value (also set as a cookie).
pub fn sign_in(pre: &str, next: &str, message: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("Sign in", None))
            body {
                main {
                    h1 { "Sign in to the leafbridge console" }
                    @if let Some(message) = message {
                        p.notice role="alert" { (message) }
                    }
                    form.stack method="post" action="/console/sign-in" {
                        input type="hidden" name="csrf" value=(pre);
                        input type="hidden" name="next" value=(next);
                        label for="token" { "Admin token or connection token" }
                        input id="token" name="token" type="password" autocomplete="current-password" required;
                        button type="submit" { "Sign in" }
                    }
                }
            }
        }
    }
}

/// A page for an error answered to a person.
pub fn error_page(status: StatusCode, code: &str, message: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body {
                main {
                    h1 { (status.as_u16()) " " (title) }
                    p.error role="alert" { (message) }
                    p { small { "code: " code { (code) } } }
                    p { a href="/console/" { "Back to the console" } " · " a href="/console/sign-in" { "Sign in" } }
                }
            }
        }
    }
}

/// A time in ms since the epoch as UTC text.
pub fn time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// A duration in ms in words (`3 min 5 s`).
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// A hidden CSRF field for a form.
pub fn csrf(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// A one-button form posting to `action`.
pub fn action_button(session: &Session, action: &str, label: &str, aria: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf(session))
            button type="submit" aria-label=(aria) { (label) }
        }
    }
}

/// The CSS class for an outcome or status.
pub fn tone(word: &str) -> &'static str {
    match word {
        "synced" | "done" | "unchanged" => "ok",
        "needs_attention" | "held" | "retrying" | "pending" => "warn",
        "failed" | "dead" => "bad",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative luminance of `#rrggbb` (WCAG 2.x).
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    fn colour(name: &str) -> &'static str {
        let start = STYLE.find(&format!("--{name}:")).unwrap() + name.len() + 3;
        &STYLE[start..start + 7]
    }

    #[test]
    fn text_colours_meet_wcag_aa_contrast() {
        for name in ["fg", "muted", "accent", "bad", "ok", "warn"] {
            let ratio = contrast(colour(name), colour("bg"));
            assert!(ratio >= 4.5, "{name}: {ratio:.2}");
        }
        assert!(contrast("#ffffff", "#0f2d4a") >= 4.5, "header");
        assert!(contrast("#ffffff", colour("accent")) >= 4.5, "buttons");
        assert!(contrast(colour("fg"), "#f1f4f8") >= 4.5, "table heads");
    }

    #[test]
    fn pages_declare_their_language_a_skip_link_focus_styles_and_the_scope() {
        let scoped = Session {
            csrf: "c".into(),
            connection: Some("brand-b".into()),
        };
        let html = page("Jobs", "/console/jobs", &scoped, Some("<done>"), html! {}).into_string();
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("href=\"#content\"") && html.contains("id=\"content\""));
        assert!(html.contains("a:focus") && html.contains("outline"));
        assert!(html.contains("connection <code>brand-b</code>"));
        assert!(html.contains("aria-current=\"page\">Jobs") && html.contains("&lt;done&gt;"));
        crate::console::a11y::assert_labelled(&html);
    }

    #[test]
    fn sign_in_and_error_pages_are_labelled() {
        let html = sign_in("pre", "/console/", Some("<bad>")).into_string();
        assert!(html.contains("<html lang=\"en\">") && html.contains("&lt;bad&gt;"));
        crate::console::a11y::assert_labelled(&html);
        let error = error_page(StatusCode::NOT_FOUND, "not_found", "<x>").into_string();
        assert!(error.contains("<html lang=\"en\">") && error.contains("&lt;x&gt;"));
        crate::console::a11y::assert_labelled(&error);
    }
}
