//! The `leafbridge` binary: parse the command line, load configuration, run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use leafbridge::cli::{Cli, Command};
use leafbridge::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("leafbridge: {error}");
            return ExitCode::from(2);
        }
    };
    leafbridge::telemetry::init(config.log_json);
    let result = match cli.command {
        Command::Serve => leafbridge::cli::serve::run(config).await,
        Command::Migrate => leafbridge::cli::migrate::run(&config.database_url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leafbridge: {error:#}");
            ExitCode::FAILURE
        }
    }
}
