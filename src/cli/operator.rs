//! Plumbing the operator subcommands share: run against the configured database (in process)
//! or a running instance (`--url` with the admin token), progress bars, and `--json` output.

use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use tokio::sync::Notify;

use crate::config::Config;
use crate::ingest::Ingest;
use crate::operator::remote::Remote;
use crate::operator::{Operator, Progress};
use crate::store::Db;

/// Where an operator command runs, and how it answers.
#[derive(Debug, Clone, Args)]
pub struct Via {
    /// Call a running instance at this URL (e.g. http://127.0.0.1:8080) instead of working on
    /// the configured database.
    #[arg(long, env = "LEAFBRIDGE_URL")]
    pub url: Option<String>,
    /// The admin token for --url.
    #[arg(long, env = "LEAFBRIDGE_ADMIN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print the answer as JSON (and no progress bar).
    #[arg(long)]
    pub json: bool,
}

/// The operator functions in this process, or a running instance's API.
pub enum Target {
    Local(Operator),
    Remote(Remote),
}

impl Via {
    /// Connects to `--url`, or opens the configured database (`config` is required then).
    pub async fn connect(&self, config: Option<&Config>) -> anyhow::Result<Target> {
        if let Some(url) = &self.url {
            let Some(token) = self.token.as_deref().filter(|t| !t.trim().is_empty()) else {
                bail!("--url needs the admin token: pass --token or set LEAFBRIDGE_ADMIN_TOKEN");
            };
            return Ok(Target::Remote(Remote::new(url, token)));
        }
        let config = config.context("the configuration is needed without --url")?;
        Ok(Target::Local(local(config).await?))
    }

    /// A progress bar on stderr, hidden with `--json`.
    pub fn bar(&self) -> Bar {
        Bar::new(self.json)
    }
}

/// The operator functions over the configured database, with the platforms when configured.
async fn local(config: &Config) -> anyhow::Result<Operator> {
    let db = Db::connect(&config.database_url).await?;
    if !db.is_ready().await {
        bail!(
            "the database is not migrated: run `leafbridge migrate` (or start `leafbridge serve`)"
        );
    }
    let wiring = super::serve::wiring(config, &db)?;
    let ingest = Ingest::start(db.clone(), config.dedupe_retention, Arc::new(Notify::new()));
    Ok(Operator {
        db,
        ingest,
        processors: wiring.processors,
        sync: wiring.sync,
        connection: config.connection.name.clone(),
    })
}

/// A progress bar for long work.
pub struct Bar(ProgressBar);

impl Bar {
    fn new(hidden: bool) -> Self {
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(0)
        };
        let style = ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Self(bar)
    }

    pub fn set(&self, position: u64, total: u64, message: &str) {
        self.0.set_length(total);
        self.0.set_position(position);
        self.0.set_message(message.to_owned());
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self) {
        self.0.inc(1);
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
