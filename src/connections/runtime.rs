//! The running connections: by name, each one's platform clients and rate limiters (its own
//! `SyncContext`), processors, webhook keys, preflight settings and pollers (under a child
//! cancellation token). Built at start from the environment, the file and the database;
//! connections added or removed while serving start and stop at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::manage::{self, Declared};
use super::vault::Vault;
use crate::config::{ConnectionSettings, Secret};
use crate::flourish::FlourishClient;
use crate::ingest::Ingest;
use crate::jobs::Processors;
use crate::leaflink::LeafLinkClient;
use crate::metrics::Metrics;
use crate::preflight::PreflightSettings;
use crate::remote::ModeSwitch;
use crate::store::{Db, connections as store};
use crate::sync::{self, SyncContext, poll};

/// Where a connection is declared; only stored ones may be changed through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `LEAFBRIDGE_*` variables (and the file's top level): the process's own connection.
    Environment,
    /// A `[connections.<name>]` table of the configuration file.
    File,
    /// The database (`/api/v1/connections`, `leafbridge connections add`).
    Stored,
}

/// One connection, ready to serve.
pub struct Running {
    pub settings: ConnectionSettings,
    pub origin: Origin,
    /// Both platforms' clients; `None` until both API keys are set.
    pub sync: Option<Arc<SyncContext>>,
    /// The processors of this connection's jobs.
    pub processors: Processors,
    pub preflight: Option<Arc<PreflightSettings>>,
    pub leaflink_keys: Arc<Vec<Secret>>,
    pub flourish_keys: Arc<Vec<Secret>>,
    /// For a stored connection, the `updated_at` of the row it was built from.
    pub stored_at: Option<i64>,
    /// Cancelled when the connection is removed or replaced: stops its pollers.
    stop: CancellationToken,
}

impl Running {
    /// A connection with every flow when both API keys are set; without them, its events are
    /// stored and wait.
    pub fn build(
        settings: ConnectionSettings,
        origin: Origin,
        db: &Db,
        database_url: &str,
    ) -> anyhow::Result<Self> {
        let sync = sync_context(&settings, db)?;
        let processors = sync
            .as_ref()
            .map(|context| sync::processors(Arc::clone(context)))
            .unwrap_or_default();
        Ok(Self::with(settings, origin, database_url, processors, sync))
    }

    /// A connection with the given processors and context (the process's own, as wired).
    pub fn with(
        settings: ConnectionSettings,
        origin: Origin,
        database_url: &str,
        processors: Processors,
        sync: Option<Arc<SyncContext>>,
    ) -> Self {
        Self {
            preflight: preflight(&settings, database_url).map(Arc::new),
            leaflink_keys: Arc::new(settings.leaflink_webhook_keys.clone()),
            flourish_keys: Arc::new(settings.flourish_webhook_keys.clone()),
            settings,
            origin,
            sync,
            processors,
            stored_at: None,
            stop: CancellationToken::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.settings.name
    }
}

/// The connection's sync context, when both platform API keys are set.
pub fn sync_context(
    settings: &ConnectionSettings,
    db: &Db,
) -> anyhow::Result<Option<Arc<SyncContext>>> {
    let (Some(leaflink), Some(flourish)) = (&settings.leaflink, &settings.flourish) else {
        return Ok(None);
    };
    let mode = ModeSwitch::new(settings.sync.mode);
    Ok(Some(Arc::new(SyncContext {
        db: db.clone(),
        connection: settings.name.clone(),
        leaflink: LeafLinkClient::new(leaflink.clone())?.with_mode(mode.clone()),
        flourish: FlourishClient::new(flourish.clone())?.with_mode(mode.clone()),
        settings: settings.sync.clone(),
        caches: sync::cache::Caches::default(),
        mode,
    })))
}

fn preflight(settings: &ConnectionSettings, database_url: &str) -> Option<PreflightSettings> {
    Some(PreflightSettings {
        leaflink: settings.leaflink.clone()?,
        flourish: settings.flourish.clone()?,
        checks: crate::preflight::checks::CheckSettings::from_sync(&settings.sync),
        leaflink_webhook_key: !settings.leaflink_webhook_keys.is_empty(),
        flourish_webhook_key: !settings.flourish_webhook_keys.is_empty(),
        database_url: Some(database_url.to_owned()),
        connection: settings.name.clone(),
    })
}

/// What runs pollers once the service runs its background work.
struct PollerRuntime {
    ingest: Ingest,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

/// The running connections by name; cheap to clone.
#[derive(Clone)]
pub struct Registry {
    db: Db,
    database_url: String,
    /// Opens stored connections' secrets (and seals new ones); `None` without a key.
    vault: Option<Arc<Vault>>,
    running: Arc<RwLock<BTreeMap<String, Arc<Running>>>>,
    pollers: Arc<Mutex<Option<PollerRuntime>>>,
    metrics: Metrics,
    /// Woken when a connection starts, so idle worker slots look for its jobs.
    new_jobs: Arc<Notify>,
}

impl Registry {
    pub fn new(
        db: Db,
        database_url: String,
        vault: Option<Arc<Vault>>,
        metrics: Metrics,
        new_jobs: Arc<Notify>,
    ) -> Self {
        Self {
            db,
            database_url,
            vault,
            running: Arc::default(),
            pollers: Arc::default(),
            metrics,
            new_jobs,
        }
    }

    pub fn vault(&self) -> Option<&Vault> {
        self.vault.as_deref()
    }

    /// The connections the configuration declares (the environment's and the file's).
    pub fn declared(&self) -> Vec<Declared> {
        self.all()
            .iter()
            .filter(|r| r.origin != Origin::Stored)
            .map(|r| Declared {
                origin: r.origin,
                settings: r.settings.clone(),
            })
            .collect()
    }

    /// Brings the stored connections in line with the database: starts new ones, restarts
    /// changed ones, stops removed ones. A stored connection that cannot be opened (no key,
    /// invalid settings) is logged and left out; the others still run.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let rows = store::list(&self.db.pool).await?;
        for row in &rows {
            let current = self.get(&row.name);
            match &current {
                Some(running) if running.origin != Origin::Stored => {
                    tracing::warn!(connection = %row.name, "a stored connection has the name of a configured one; the configured one is served");
                    continue;
                }
                Some(running) if running.stored_at == Some(row.updated_at_ms) => continue,
                _ => {}
            }
            let built = match manage::settings_of(&self.db, self.vault(), row).await {
                Ok(settings) => {
                    Running::build(settings, Origin::Stored, &self.db, &self.database_url)
                }
                Err(error) => Err(error.into()),
            };
            match built {
                Ok(mut running) => {
                    running.stored_at = Some(row.updated_at_ms);
                    self.start(running);
                }
                Err(error) => {
                    tracing::error!(connection = %row.name, error = format!("{error:#}"), "a stored connection cannot start");
                    if current.is_some() {
                        self.stop(&row.name);
                    }
                }
            }
        }
        for running in self.all() {
            if running.origin == Origin::Stored && !rows.iter().any(|r| r.name == running.name()) {
                self.stop(running.name());
            }
        }
        Ok(())
    }

    /// The running connection `name`.
    pub fn get(&self, name: &str) -> Option<Arc<Running>> {
        self.running.read().get(name).cloned()
    }

    /// The names of every running connection, in order.
    pub fn names(&self) -> Vec<String> {
        self.running.read().keys().cloned().collect()
    }

    /// Every running connection, by name.
    pub fn all(&self) -> Vec<Arc<Running>> {
        self.running.read().values().cloned().collect()
    }

    /// Starts `running` (replacing, and stopping, a connection of the same name): its jobs are
    /// claimed from now on and, when background work runs, its pollers start.
    pub fn start(&self, running: Running) {
        let running = Arc::new(running);
        if let Some(sync) = &running.sync {
            self.metrics.watch_platform(sync.leaflink.usage());
            self.metrics.watch_platform(sync.flourish.usage());
        }
        let name = running.name().to_owned();
        let previous = self
            .running
            .write()
            .insert(name.clone(), Arc::clone(&running));
        if let Some(previous) = previous {
            previous.stop.cancel();
        }
        self.spawn_pollers(&running);
        self.new_jobs.notify_one();
        tracing::info!(connection = %name, origin = ?running.origin, "connection started");
    }

    /// Stops the connection `name` at once (its pollers end; its jobs are no longer claimed);
    /// false when none runs by that name.
    pub fn stop(&self, name: &str) -> bool {
        let Some(running) = self.running.write().remove(name) else {
            return false;
        };
        running.stop.cancel();
        tracing::info!(connection = %name, "connection stopped");
        true
    }

    /// Runs the pollers of every connection (and of those started later) until `shutdown`.
    pub fn run_pollers(&self, ingest: Ingest, shutdown: CancellationToken) {
        *self.pollers.lock() = Some(PollerRuntime {
            ingest,
            shutdown,
            tasks: Vec::new(),
        });
        for running in self.all() {
            self.spawn_pollers(&running);
        }
    }

    fn spawn_pollers(&self, running: &Running) {
        let mut pollers = self.pollers.lock();
        let (Some(runtime), Some(sync)) = (pollers.as_mut(), &running.sync) else {
            return;
        };
        // Stopped by the service's shutdown or by this connection's removal, whichever first.
        let stop = runtime.shutdown.child_token();
        let removed = running.stop.clone();
        let linked = stop.clone();
        runtime.tasks.push(tokio::spawn(async move {
            tokio::select! {
                _ = removed.cancelled() => linked.cancel(),
                _ = linked.cancelled() => {}
            }
        }));
        runtime
            .tasks
            .extend(poll::spawn(Arc::clone(sync), runtime.ingest.clone(), stop));
    }

    /// Waits for every poller (after shutdown was requested).
    pub async fn join_pollers(&self) -> anyhow::Result<()> {
        let tasks = self
            .pollers
            .lock()
            .as_mut()
            .map(|runtime| std::mem::take(&mut runtime.tasks))
            .unwrap_or_default();
        for task in tasks {
            task.await?;
        }
        Ok(())
    }
}
