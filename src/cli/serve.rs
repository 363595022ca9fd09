//! `leafbridge serve`: run until SIGTERM or Ctrl-C.

use tokio_util::sync::CancellationToken;

use crate::app::{Application, cancel_on_signal};
use crate::config::Config;
use crate::jobs::Processors;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config, Processors::new()).await?;
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone());
    app.run(shutdown, true).await
}
