//! The command line: global options and one subcommand per file.

pub mod attention;
pub mod connections;
pub mod cutover;
pub mod demo;
pub mod healthcheck;
pub mod migrate;
pub mod operator;
pub mod preflight;
pub mod replay;
pub mod resync;
pub mod serve;
pub mod shadow_report;
pub mod simulate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// leafbridge keeps LeafLink (wholesale marketplace) and Flourish Software (ERP) in sync:
/// orders flow to Flourish, items, stock and order status flow to LeafLink.
///
/// Settings come from an optional TOML file (--config) and LEAFBRIDGE_* environment variables,
/// which win. The database defaults to the SQLite file leafbridge.db in the working directory;
/// LEAFBRIDGE_DATABASE_URL=postgres://... selects PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "leafbridge", version, about, long_about)]
pub struct Cli {
    /// A TOML configuration file (keys are the setting names without the LEAFBRIDGE_ prefix, in
    /// lower case, e.g. `listen = "0.0.0.0:8080"`).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service: webhook receivers, operator API, metrics and workers. Applies pending
    /// migrations first. Needs LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY, LEAFBRIDGE_FLOURISH_WEBHOOK_KEY
    /// and LEAFBRIDGE_ADMIN_TOKEN.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Try leafbridge: both simulators with a sample brand, leafbridge wired to them, and a short
    /// scenario (an order, a rep change, an item edit, stock, a shipment, a bad SKU).
    Demo(demo::DemoArgs),
    /// Before go-live: read both platforms and report every mismatch (SKUs, strains, brands,
    /// product lines, categories, listing states, licenses, sales reps, batches, cases) with the
    /// fix and where to make it. Exit status 1 when an error is found.
    Preflight(preflight::PreflightArgs),
    /// Run a simulator of LeafLink or Flourish (API, seed data, signed webhooks) for trials.
    Simulate(simulate::SimulateArgs),
    /// Resync entities from the platforms: enqueue the jobs webhooks would make, or dry-run
    /// them. Works on the configured database, or a running instance with --url.
    Resync(resync::ResyncArgs),
    /// Replay stored events (by id, or every event matching filters) so their jobs run again.
    Replay(replay::ReplayArgs),
    /// What needs a person, grouped by reason, with the fix and where; --retry after the fix.
    Attention(attention::AttentionArgs),
    /// The rehearsal report: what live mode would have done while in shadow mode (orders per
    /// facility and rep, holds, creations, updates, stock, transitions, attention), surprises
    /// first, every figure with its events.
    ShadowReport(shadow_report::ShadowReportArgs),
    /// Go live after a rehearsal: create the orders Flourish lacks, adopt the ones keyed by hand,
    /// update, leave the rest alone, then switch to live mode (--dry-run lists it only).
    Cutover(cutover::CutoverArgs),
    /// Ask a running instance's /readyz: exit 0 when ready, 1 when not (container health checks).
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Connections: `list`, `show`, `add`, `update`, `remove` stored ones; `rotate-key` re-encrypts their secrets.
    Connections(connections::ConnectionsArgs),
}

impl Command {
    /// True when the command calls a running instance (`--url`) and needs no configuration.
    pub fn is_remote(&self) -> bool {
        let via = match self {
            Self::Resync(args) => &args.via,
            Self::Replay(args) => &args.via,
            Self::Attention(args) => &args.via,
            Self::ShadowReport(args) => &args.via,
            Self::Cutover(args) => &args.via,
            Self::Serve
            | Self::Migrate
            | Self::Demo(_)
            | Self::Preflight(_)
            | Self::Simulate(_)
            | Self::Healthcheck(_)
            | Self::Connections(_) => {
                return false;
            }
        };
        via.url.is_some()
    }
}
