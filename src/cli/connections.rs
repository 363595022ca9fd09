//! `leafbridge connections …`: stored connections from the command line; today the rotation
//! of the key their secrets are encrypted under.

use anyhow::bail;

use crate::config::Config;
use crate::connections::secrets;
use crate::connections::vault::{Vault, VaultError};
use crate::store::Db;

#[derive(clap::Args, Debug)]
pub struct ConnectionsArgs {
    #[command(subcommand)]
    pub command: ConnectionsCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum ConnectionsCommand {
    /// Re-encrypt every stored connection secret under LEAFBRIDGE_SECRET_KEY. Set
    /// LEAFBRIDGE_SECRET_KEY_PREVIOUS to the old key (on the running service too, which keeps
    /// reading with it meanwhile); drop it once this has finished.
    RotateKey,
}

pub async fn run(args: ConnectionsArgs, config: &Config) -> anyhow::Result<()> {
    match args.command {
        ConnectionsCommand::RotateKey => {
            let vault = Vault::new(
                config.secret_key.as_ref(),
                config.previous_secret_key.as_ref(),
            )?
            .ok_or(VaultError::NoKey)?;
            let db = Db::connect(&config.database_url).await?;
            if !db.is_ready().await {
                bail!(
                    "the database is not migrated: run `leafbridge migrate` (or start `leafbridge serve`)"
                );
            }
            let count = secrets::rotate(&db, &vault).await?;
            println!(
                "{count} stored secret(s) re-encrypted under key {}",
                vault.key_id()
            );
            Ok(())
        }
    }
}
