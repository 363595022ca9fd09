//! The `leafbridge` binary: parse the command line, load configuration, run the subcommand.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use leafbridge::cli::{Cli, Command};
use leafbridge::config::{Config, ConfigError};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(error) if error.is::<ConfigError>() => {
            eprintln!("leafbridge: {error}");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("leafbridge: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; the value is the exit status.
async fn run(cli: Cli) -> anyhow::Result<u8> {
    let file = cli.config.as_deref();
    if cli.command.is_remote() {
        // Calls to a running instance need only its URL and token, not this host's settings.
        leafbridge::telemetry::init_with(false, "warn");
        remote(cli.command).await?;
        return Ok(0);
    }
    if let Command::Preflight(args) = cli.command {
        let config = Config::load_for_inspection(file)?;
        let settings = leafbridge::preflight::PreflightSettings::from_config(&config)?;
        leafbridge::telemetry::init_with(false, "warn");
        let code = leafbridge::cli::preflight::run(args, &settings).await?;
        return Ok(u8::try_from(code).unwrap_or(1));
    }
    run_local(cli.command, file).await.map(|()| 0)
}

/// The operator commands against a running instance.
async fn remote(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Resync(args) => leafbridge::cli::resync::run(args, None).await,
        Command::Replay(args) => leafbridge::cli::replay::run(args, None).await,
        Command::Attention(args) => leafbridge::cli::attention::run(args, None).await,
        Command::ShadowReport(args) => leafbridge::cli::shadow_report::run(args, None).await,
        Command::Cutover(args) => leafbridge::cli::cutover::run(args, None).await,
        _ => unreachable!("only operator commands are remote"),
    }
}

async fn run_local(command: Command, file: Option<&Path>) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let config = Config::load(file)?;
            leafbridge::telemetry::init(config.log_json);
            leafbridge::cli::serve::run(config).await
        }
        Command::Migrate => {
            let url = Config::load_database_url(file)?;
            leafbridge::telemetry::init(false);
            leafbridge::cli::migrate::run(&url).await
        }
        Command::Demo(args) => {
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::demo::run(args).await
        }
        Command::Simulate(args) => {
            leafbridge::telemetry::init(false);
            leafbridge::cli::simulate::run(args).await
        }
        // Operator commands on this host's database: webhook keys and the admin token may be
        // absent; the database and, for listings, the platform keys are what they use.
        Command::Resync(args) => {
            let config = Config::load_for_inspection(file)?;
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::resync::run(args, Some(config)).await
        }
        Command::Replay(args) => {
            let config = Config::load_for_inspection(file)?;
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::replay::run(args, Some(config)).await
        }
        Command::Attention(args) => {
            let config = Config::load_for_inspection(file)?;
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::attention::run(args, Some(config)).await
        }
        Command::ShadowReport(args) => {
            let config = Config::load_for_inspection(file)?;
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::shadow_report::run(args, Some(config)).await
        }
        Command::Cutover(args) => {
            let config = Config::load_for_inspection(file)?;
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::cutover::run(args, Some(config)).await
        }
        Command::Connections(args) => {
            let config = Config::load_for_inspection(file)?;
            leafbridge::telemetry::init_with(false, "warn");
            leafbridge::cli::connections::run(args, &config).await
        }
        Command::Preflight(_) => unreachable!("preflight is run before"),
        Command::Healthcheck(args) => leafbridge::cli::healthcheck::run(&args).await,
    }
}
