//! `leafbridge connections …`: connections from the command line, on the configured database
//! (as `rotate-key`): list, show, add, update and remove stored ones (a running service starts,
//! restarts or stops them within seconds), and rotate the key their secrets are sealed under.

use anyhow::{Context, bail};
use serde_json::{Map, Value};

use crate::config::{Config, Secret};
use crate::connections::manage::{self, ConnectionPatch, ConnectionView, Declared, NewConnection};
use crate::connections::runtime::Origin;
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
    /// Every connection: the environment's and the file's (read-only), then the stored ones.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One connection as JSON (secrets only by their fingerprints).
    Show { name: String },
    /// Store a new connection (secrets need LEAFBRIDGE_SECRET_KEY).
    Add {
        name: String,
        #[command(flatten)]
        values: Values,
    },
    /// Change a stored connection.
    Update {
        name: String,
        #[command(flatten)]
        values: Values,
        /// A setting (or secret) to remove.
        #[arg(long = "unset", value_name = "KEY")]
        unset: Vec<String>,
    },
    /// Remove a stored connection; its events and links are kept.
    Remove { name: String },
}

/// Settings and secrets given on the command line.
#[derive(clap::Args, Debug)]
pub struct Values {
    /// A setting, as in the configuration file: `routing=facility:12`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// A secret (`leaflink_api_key`, `leaflink_webhook_key`, `flourish_api_key`,
    /// `flourish_webhook_key`): `KEY=VALUE`, or `KEY=env:VAR` to read it from a variable.
    #[arg(long = "secret", value_name = "KEY=VALUE")]
    secret: Vec<String>,
}

impl Values {
    fn settings(&self) -> anyhow::Result<Map<String, Value>> {
        self.set
            .iter()
            .map(|pair| {
                let (key, value) = split(pair)?;
                Ok((key.to_owned(), Value::String(value.to_owned())))
            })
            .collect()
    }

    fn secrets(&self) -> anyhow::Result<Vec<(String, Secret)>> {
        self.secret
            .iter()
            .map(|pair| {
                let (key, value) = split(pair)?;
                let value = match value.strip_prefix("env:") {
                    Some(var) => std::env::var(var)
                        .with_context(|| format!("--secret {key}: variable {var} is not set"))?,
                    None => value.to_owned(),
                };
                Ok((key.to_owned(), Secret::new(value)))
            })
            .collect()
    }
}

fn split(pair: &str) -> anyhow::Result<(&str, &str)> {
    pair.split_once('=')
        .map(|(k, v)| (k.trim(), v))
        .with_context(|| format!("{pair:?} is not KEY=VALUE"))
}

pub async fn run(args: ConnectionsArgs, config: &Config) -> anyhow::Result<()> {
    match args.command {
        ConnectionsCommand::RotateKey => rotate_key(config).await,
        command => manage_command(command, config).await,
    }
}

/// The configured database, migrated.
async fn database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database_url).await?;
    if !db.is_ready().await {
        bail!(
            "the database is not migrated: run `leafbridge migrate` (or start `leafbridge serve`)"
        );
    }
    Ok(db)
}

async fn rotate_key(config: &Config) -> anyhow::Result<()> {
    let vault = Vault::new(
        config.secret_key.as_ref(),
        config.previous_secret_key.as_ref(),
    )?
    .ok_or(VaultError::NoKey)?;
    let db = database(config).await?;
    let count = secrets::rotate(&db, &vault).await?;
    println!(
        "{count} stored secret(s) re-encrypted under key {}",
        vault.key_id()
    );
    Ok(())
}

/// The connections the configuration declares.
fn declared(config: &Config) -> Vec<Declared> {
    let own = Declared {
        origin: Origin::Environment,
        settings: config.connection.clone(),
    };
    let file = config.connections.iter().map(|settings| Declared {
        origin: Origin::File,
        settings: settings.clone(),
    });
    std::iter::once(own).chain(file).collect()
}

async fn manage_command(command: ConnectionsCommand, config: &Config) -> anyhow::Result<()> {
    let vault = Vault::new(
        config.secret_key.as_ref(),
        config.previous_secret_key.as_ref(),
    )?;
    let db = database(config).await?;
    let declared = declared(config);
    let vault = vault.as_ref();
    match command {
        ConnectionsCommand::List { json } => {
            let views = manage::list(&db, &declared).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else {
                print_table(&views);
            }
        }
        ConnectionsCommand::Show { name } => {
            print(&manage::show(&db, &declared, &name).await?)?;
        }
        ConnectionsCommand::Add { name, values } => {
            let new = NewConnection {
                name,
                settings: values.settings()?,
                secrets: values.secrets()?.into_iter().collect(),
            };
            print(&manage::add(&db, vault, &declared, new).await?)?;
        }
        ConnectionsCommand::Update {
            name,
            values,
            unset,
        } => {
            let mut patch = ConnectionPatch {
                settings: values.settings()?,
                secrets: values
                    .secrets()?
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect(),
            };
            for key in unset {
                if secrets::SECRET_SETTINGS.contains(&key.as_str()) {
                    patch.secrets.insert(key, None);
                } else {
                    patch.settings.insert(key, Value::Null);
                }
            }
            print(&manage::update(&db, vault, &declared, &name, patch).await?)?;
        }
        ConnectionsCommand::Remove { name } => {
            manage::remove(&db, &declared, &name).await?;
            println!("connection {name} removed; its events and links are kept");
        }
        ConnectionsCommand::RotateKey => rotate_key(config).await?,
    }
    Ok(())
}

fn print(view: &ConnectionView) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(view)?);
    Ok(())
}

fn print_table(views: &[ConnectionView]) {
    println!(
        "{:<24} {:<12} {:<10} WEBHOOKS",
        "NAME", "ORIGIN", "PLATFORMS"
    );
    for view in views {
        let origin = match view.origin {
            Origin::Environment => "environment",
            Origin::File => "file",
            Origin::Stored => "stored",
        };
        let platforms = if view.platforms_configured {
            "yes"
        } else {
            "no"
        };
        println!(
            "{:<24} {:<12} {:<10} {} {}",
            view.name, origin, platforms, view.webhooks.leaflink, view.webhooks.flourish
        );
    }
}
