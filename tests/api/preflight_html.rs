//! The HTML report in a real headless browser (Debian's chromium): it loads without errors,
//! its DOM carries the summary, and a screenshot of it is a real picture.

use std::path::Path;
use std::process::{Command, Output};

use leafbridge::preflight;

use crate::helpers::missing_prerequisite;
use crate::preflight_support::{fixture, start};

/// Chromium's flags for a quiet, sandbox-free, offline run with its own profile.
fn chromium(profile: &Path, extra: &[String]) -> Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .output()
        .expect("chromium runs")
}

fn chromium_installed() -> bool {
    Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the PNG has at least two different pixels.
pub(crate) fn has_several_colours(png_bytes: &[u8]) -> bool {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("a frame");
    let step = frame.color_type.samples();
    let pixels = &pixels[..frame.buffer_size()];
    let first = &pixels[..step];
    pixels.chunks(step).any(|pixel| pixel != first)
}

#[tokio::test]
async fn html_report_renders_in_headless_chromium_with_its_summary() {
    if !chromium_installed() {
        missing_prerequisite("chromium not installed (apt-get install -y chromium)");
        return;
    }
    let world = start(&fixture("seed.json")).await;
    let report = preflight::build_report(&world.settings).await;
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, preflight::html::render(&report)).unwrap();
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();

    let dom = chromium(profile.path(), &["--dump-dom".into(), url.clone()]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("id=\"summary\""), "summary section in the DOM");
    let errors = format!("<b>{}</b>errors", report.summary.errors);
    assert!(dom.contains(&errors), "error count {errors} in the DOM");
    assert!(dom.contains("Not ready") && dom.contains("duplicate_sku"));

    let shot = dir.path().join("report.png");
    let output = chromium(
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,900".into(),
            url,
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bytes = std::fs::read(&shot).expect("a screenshot was written");
    assert!(
        bytes.len() > 10_000,
        "screenshot of {} bytes is too small",
        bytes.len()
    );
    assert!(has_several_colours(&bytes), "screenshot is a single colour");
    // PREFLIGHT_KEEP_DIR=<dir> keeps the page and its screenshot for a person to look at.
    if let Ok(keep) = std::env::var("PREFLIGHT_KEEP_DIR") {
        std::fs::copy(&page, Path::new(&keep).join("report.html")).unwrap();
        std::fs::copy(&shot, Path::new(&keep).join("report.png")).unwrap();
    }
}
