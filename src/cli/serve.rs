//! `leafbridge serve`: run until SIGTERM or Ctrl-C.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::app::{Application, Wiring, cancel_on_signal};
use crate::config::Config;
use crate::flourish::FlourishClient;
use crate::jobs::Processors;
use crate::leaflink::LeafLinkClient;
use crate::remote::ModeSwitch;
use crate::store::Db;
use crate::sync::{self, SyncContext};

pub async fn run(config: Config) -> anyhow::Result<()> {
    let app = Application::build_with(config.clone(), |db| wiring(&config, db)).await?;
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    app.run(shutdown, true).await
}

/// The flows when both platforms are configured; otherwise events are stored and wait.
pub fn wiring(config: &Config, db: &Db) -> anyhow::Result<Wiring> {
    let Some(context) = sync_context(config, db)? else {
        tracing::warn!(
            "LEAFBRIDGE_LEAFLINK_API_KEY and LEAFBRIDGE_FLOURISH_API_KEY are not both set: \
             webhooks are stored but not processed until they are"
        );
        return Ok(Wiring {
            processors: Processors::new(),
            sync: None,
        });
    };
    Ok(Wiring {
        processors: sync::processors(Arc::clone(&context)),
        sync: Some(context),
    })
}

/// The shared sync context, when both platform API keys are configured.
pub fn sync_context(config: &Config, db: &Db) -> anyhow::Result<Option<Arc<SyncContext>>> {
    let (Some(leaflink), Some(flourish)) =
        (&config.connection.leaflink, &config.connection.flourish)
    else {
        return Ok(None);
    };
    let mode = ModeSwitch::new(config.connection.sync.mode);
    Ok(Some(Arc::new(SyncContext {
        db: db.clone(),
        connection: config.connection.name.clone(),
        leaflink: LeafLinkClient::new(leaflink.clone())?.with_mode(mode.clone()),
        flourish: FlourishClient::new(flourish.clone())?.with_mode(mode.clone()),
        settings: config.connection.sync.clone(),
        caches: sync::cache::Caches::default(),
        mode,
    })))
}
