//! The `preflight` command's runner and the JSON handler: formats, output files and the exit
//! status (1 with errors, 0 without).

use leafbridge::cli::preflight::{Format, PreflightArgs, run};
use leafbridge::http::preflight::get_preflight;
use leafbridge::preflight::Report;
use serde_json::json;

use crate::preflight_support::{fixture, start};

fn args(format: Format, output: &std::path::Path) -> PreflightArgs {
    PreflightArgs {
        format,
        output: Some(output.to_path_buf()),
        fix_safe: false,
    }
}

#[tokio::test]
async fn json_output_is_the_report_and_errors_make_exit_status_one() {
    let world = start(&fixture("seed.json")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let status = run(args(Format::Json, &path), &world.settings)
        .await
        .unwrap();
    assert_eq!(status, 1);
    let report: Report = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let expected = fixture("expected-findings.json")["findings"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(report.findings.len(), expected);
}

#[tokio::test]
async fn text_output_gives_counts_before_details() {
    let world = start(&fixture("seed.json")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.txt");
    run(args(Format::Text, &path), &world.settings)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    if let Ok(keep) = std::env::var("PREFLIGHT_KEEP_DIR") {
        std::fs::write(std::path::Path::new(&keep).join("report.txt"), &text).unwrap();
    }
    let counts = text
        .find("13 errors, 9 warnings, 2 info")
        .expect("counts line");
    let details = text.find("Details").expect("details section");
    assert!(counts < details);
    assert!(text.starts_with("leafbridge preflight: NOT READY"));
    assert!(text.contains("fix in LeafLink: set product 5106 to Available"));
}

#[tokio::test]
async fn html_output_is_one_self_contained_page() {
    let world = start(&fixture("seed.json")).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.html");
    run(args(Format::Html, &path), &world.settings)
        .await
        .unwrap();
    let page = std::fs::read_to_string(&path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<style>") && !page.contains("<link") && !page.contains("src="));
}

#[tokio::test]
async fn a_clean_company_exits_with_status_zero() {
    let seed = json!({
        "leaflink": {"company": {"id": 1, "name": "Clean Co"}},
        "flourish": {"facilities": [{"id": "0a0b0c0d", "facility_name": "Only"}]}
    });
    let mut world = start(&seed).await;
    world.settings.checks.feeding = Default::default();
    let dir = tempfile::tempdir().unwrap();
    let status = run(
        args(Format::Json, &dir.path().join("r.json")),
        &world.settings,
    )
    .await
    .unwrap();
    assert_eq!(status, 0);
}

#[tokio::test]
async fn the_http_handler_answers_the_json_report() {
    let world = start(&fixture("seed.json")).await;
    let axum::Json(report) = get_preflight(&world.settings).await;
    assert_eq!(report.summary.errors, 13);
    assert_eq!(report.exit_code(), 1);
}
