//! The `leafbridge` binary: parse the command line, load configuration, run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use leafbridge::cli::{Cli, Command};
use leafbridge::config::Config;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_remote() {
        // Calls to a running instance need only its URL and token, not this host's settings.
        leafbridge::telemetry::init(false);
        return exit(remote(cli.command).await);
    }
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
        Command::Resync(args) => leafbridge::cli::resync::run(args, Some(config)).await,
        Command::Replay(args) => leafbridge::cli::replay::run(args, Some(config)).await,
        Command::Attention(args) => leafbridge::cli::attention::run(args, Some(config)).await,
    };
    exit(result)
}

/// The operator commands against a running instance.
async fn remote(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Resync(args) => leafbridge::cli::resync::run(args, None).await,
        Command::Replay(args) => leafbridge::cli::replay::run(args, None).await,
        Command::Attention(args) => leafbridge::cli::attention::run(args, None).await,
        Command::Serve | Command::Migrate => unreachable!("serve and migrate are never remote"),
    }
}

fn exit(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("leafbridge: {error:#}");
            ExitCode::FAILURE
        }
    }
}
