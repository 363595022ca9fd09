//! The `leafbridge` binary: parse the command line, load configuration, run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use leafbridge::cli::{Cli, Command};
use leafbridge::config::{Config, ConfigError};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
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

async fn run(cli: Cli) -> anyhow::Result<()> {
    let file = cli.config.as_deref();
    match cli.command {
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
    }
}
