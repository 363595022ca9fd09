//! `leafbridge serve`: run until SIGTERM or Ctrl-C.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::app::{Application, Wiring, cancel_on_signal};
use crate::config::Config;
use crate::jobs::Processors;
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

/// The sync context of the environment's connection, when both platform API keys are set.
pub fn sync_context(config: &Config, db: &Db) -> anyhow::Result<Option<Arc<SyncContext>>> {
    crate::connections::runtime::sync_context(&config.connection, db)
}
