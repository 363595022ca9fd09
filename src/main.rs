//! The `leafbridge` binary: parse the command line, load configuration, run the subcommand.

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
    if let Command::Preflight(args) = cli.command {
        let config = Config::load_for_inspection(file)?;
        let settings = leafbridge::preflight::PreflightSettings::from_config(&config)?;
        leafbridge::telemetry::init_with(false, "warn");
        let code = leafbridge::cli::preflight::run(args, &settings).await?;
        return Ok(u8::try_from(code).unwrap_or(1));
    }
    run_service(cli.command, file).await.map(|()| 0)
}

async fn run_service(command: Command, file: Option<&std::path::Path>) -> anyhow::Result<()> {
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
        Command::Preflight(_) => unreachable!("preflight is run before"),
    }
}
