//! `leafbridge preflight`: read both platforms, report every problem before go-live with its
//! fix, and optionally apply the fixes that cannot hurt (`--fix-safe`).

use std::path::PathBuf;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::leaflink::LeafLinkClient;
use crate::preflight::{self, PreflightSettings, Progress, Report, fix};

/// How the report is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped, readable text: counts first, then details.
    #[default]
    Text,
    /// The JSON report, for machines.
    Json,
    /// One self-contained HTML page to open and share.
    Html,
}

/// Options of `leafbridge preflight`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PreflightArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// After the report, show and apply the safe fixes: create missing strains in LeafLink and
    /// record links for exact matches. Nothing else is changed.
    #[arg(long)]
    pub fix_safe: bool,
}

/// Runs preflight; the exit status is 1 when any error was found, 0 otherwise.
pub async fn run(args: PreflightArgs, settings: &PreflightSettings) -> anyhow::Result<i32> {
    let bar = progress_bar();
    let inspection = preflight::inspect(settings, &|p: Progress| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(p.step);
    })
    .await;
    bar.finish_and_clear();
    write_report(&inspection.report, &args)?;
    if args.fix_safe {
        match &inspection.snapshot {
            Some(snapshot) => apply_safe_fixes(snapshot, settings).await?,
            None => eprintln!("--fix-safe: nothing applied, the platforms could not be read"),
        }
    }
    Ok(inspection.report.exit_code())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(preflight::snapshot::STEPS as u64);
    let style = ProgressStyle::with_template("{spinner} reading {bar:30} {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Renders the report in the chosen format.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => preflight::text::render(report),
        Format::Json => report.to_json() + "\n",
        Format::Html => preflight::html::render(report),
    }
}

fn write_report(report: &Report, args: &PreflightArgs) -> anyhow::Result<()> {
    let body = render(report, args.format);
    match &args.output {
        Some(path) => {
            std::fs::write(path, body).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("preflight report written to {}", path.display());
        }
        None => print!("{body}"),
    }
    Ok(())
}

async fn apply_safe_fixes(
    snapshot: &preflight::Snapshot,
    settings: &PreflightSettings,
) -> anyhow::Result<()> {
    let fixes = fix::plan(snapshot, &settings.checks);
    if fixes.is_empty() {
        eprintln!("--fix-safe: no safe fixes to apply");
        return Ok(());
    }
    eprintln!("--fix-safe will:");
    for line in fixes.describe() {
        eprintln!("  - {line}");
    }
    let client = LeafLinkClient::new(settings.leaflink.clone())?;
    let db = match &settings.database_url {
        Some(url) => {
            let db = crate::store::Db::connect(url).await?;
            db.migrate().await?;
            Some(db)
        }
        None => None,
    };
    let store = db.as_ref().map(|db| fix::LinkStore {
        db,
        connection: &settings.connection,
        strain_matching: settings.checks.strain_matching,
    });
    let applied = fix::apply(&fixes, &client, store).await;
    if applied.links_recorded > 0 {
        eprintln!(
            "recorded {} link(s) for exact matches",
            applied.links_recorded
        );
    }
    for name in &applied.strains_created {
        eprintln!("created strain {name:?} in LeafLink");
    }
    for failure in &applied.failures {
        eprintln!("could not apply: {failure}");
    }
    Ok(())
}
