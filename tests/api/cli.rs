//! The binary's contract: clear one-line configuration errors with exit status 2, a readable
//! `--help`, and `migrate` needing nothing but a database.

use std::process::{Command, Output};

fn leafbridge(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leafbridge"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("running leafbridge")
}

const GOOD: [(&str, &str); 4] = [
    ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "ll"),
    ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "fl"),
    ("LEAFBRIDGE_ADMIN_TOKEN", "a-long-admin-token"),
    ("LEAFBRIDGE_LISTEN", "127.0.0.1:0"),
];

fn with(overrides: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut env: Vec<_> = GOOD
        .iter()
        .copied()
        .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
        .collect();
    env.extend_from_slice(overrides);
    env
}

#[test]
fn an_invalid_configuration_stops_serve_with_one_line_naming_the_setting_and_status_2() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "")],
            "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY",
        ),
        (
            &[("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "one,,two")],
            "LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY",
        ),
        (
            &[("LEAFBRIDGE_DATABASE_URL", "::not a url::")],
            "LEAFBRIDGE_DATABASE_URL",
        ),
        (&[("LEAFBRIDGE_LISTEN", "nowhere")], "LEAFBRIDGE_LISTEN"),
        (
            &[
                ("LEAFBRIDGE_LEAFLINK_BASE_URL", "ftp://x"),
                ("LEAFBRIDGE_LEAFLINK_API_KEY", "k"),
            ],
            "LEAFBRIDGE_LEAFLINK_BASE_URL",
        ),
    ];
    for (overrides, setting) in cases {
        let output = leafbridge(&["serve"], &with(overrides));
        assert_eq!(output.status.code(), Some(2), "{setting}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(setting), "{stderr}");
    }
    let missing = leafbridge(&["serve"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8(missing.stderr)
            .unwrap()
            .contains("is not set")
    );
}

#[test]
fn secrets_never_appear_in_a_configuration_error() {
    let output = leafbridge(&["serve"], &with(&[("LEAFBRIDGE_ADMIN_TOKEN", "short")]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("LEAFBRIDGE_ADMIN_TOKEN")
            && !stderr.contains("short\n")
            && !stderr.contains("\"short\"")
    );
}

#[test]
fn help_explains_the_commands() {
    let output = leafbridge(&["--help"], &[]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "simulate",
        "LeafLink",
        "Flourish",
        "LEAFBRIDGE_DATABASE_URL",
    ] {
        assert!(
            text.contains(word),
            "--help does not mention {word}:\n{text}"
        );
    }
}

#[test]
fn migrate_needs_only_a_database_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let first = leafbridge(&["migrate"], &[("LEAFBRIDGE_DATABASE_URL", &url)]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = leafbridge(&["migrate"], &[("LEAFBRIDGE_DATABASE_URL", &url)]);
    assert!(
        String::from_utf8(second.stdout)
            .unwrap()
            .starts_with("0 migration(s) applied")
    );
}

#[tokio::test]
async fn healthcheck_exits_0_when_ready_and_1_with_the_reason_when_not() {
    let app = crate::helpers::spawn_app(leafbridge::jobs::Processors::new()).await;
    let url = app.address.clone();
    let ready =
        tokio::task::spawn_blocking(move || leafbridge(&["healthcheck", "--url", &url], &[]))
            .await
            .unwrap();
    assert!(
        ready.status.success(),
        "{}",
        String::from_utf8_lossy(&ready.stderr)
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let down = tokio::task::spawn_blocking(move || {
        leafbridge(
            &["healthcheck", "--url", &nobody, "--timeout-secs", "2"],
            &[],
        )
    })
    .await
    .unwrap();
    assert_eq!(down.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(
        stderr.contains("not ready") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn the_demo_runs_its_scenario_and_shows_an_orders_money_arriving_intact() {
    let output = leafbridge(&["demo", "--listen", "127.0.0.1:0", "--exit"], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "── 1. A buyer at Green Door Dispensary",
        "── 6. A buyer orders Lemon Cherry Gelato",
        "SKU \"CF-FL-LCG-35\" not found in Flourish",
        "── 7. Highland Wellness orders",
        ": total $933.65 (discount 5%, tax $60.75, shipping $35.00)",
        "(sold at 9.0)",
        "pretax_discounts: Discount 44.1",
        "Flourish order total $933.65: the money arrived intact",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected:?} missing from:\n{stdout}"
        );
    }
}
