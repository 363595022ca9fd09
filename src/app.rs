//! Building and running the service: database and migrations, the group-commit writer, the
//! worker, the HTTP server, and graceful shutdown of all of them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::connections::runtime::{Origin, Registry, Running};
use crate::connections::vault::Vault;
use crate::http::{self, AppState};
use crate::ingest::Ingest;
use crate::jobs::worker::{Worker, WorkerSettings};
use crate::jobs::{self, Processors};
use crate::metrics::Metrics;
use crate::notify::{self, Notifier};
use crate::secrets::Sealer;
use crate::store::{self, Backend, CHECKPOINT_INTERVAL, Db, events, now_ms};
use crate::sync::SyncContext;

/// What runs the jobs: the processors and, when both platforms are configured, the sync context
/// the flows, pollers and operator calls share.
pub struct Wiring {
    pub processors: Processors,
    pub sync: Option<Arc<SyncContext>>,
}

/// A built service, bound to its port, not yet running.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    worker: Arc<Worker>,
    notifier: Notifier,
    config: Config,
}

impl Application {
    /// Connects, migrates, and binds `config.listen` (port 0 picks a free port, for tests).
    pub async fn build(config: Config, processors: Processors) -> anyhow::Result<Self> {
        Self::build_with(config, |_| {
            Ok(Wiring {
                processors,
                sync: None,
            })
        })
        .await
    }

    /// Like [`Application::build`], with the job processors (and the sync context, when the
    /// platforms are configured) made once the database is connected.
    pub async fn build_with(
        config: Config,
        wiring: impl FnOnce(&Db) -> anyhow::Result<Wiring>,
    ) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        let applied = db.migrate().await?;
        if applied > 0 {
            tracing::info!(migrations = applied, "database migrations applied");
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let Wiring {
            processors: own_processors,
            sync,
        } = wiring(&db)?;
        let sealer = Sealer::new(
            config.secret_key.as_ref(),
            config.previous_secret_key.as_ref(),
        )?;
        let vault = Vault::new(
            config.secret_key.as_ref(),
            config.previous_secret_key.as_ref(),
        )?
        .map(Arc::new);
        // Processors every connection shares; each connection adds its flows' own.
        let mut shared = Processors::new();
        shared.register(
            notify::JOB_KIND,
            notify::Deliverer::new(db.clone(), sealer.clone()),
        );
        let mut processors = own_processors.clone();
        processors.register(
            notify::JOB_KIND,
            notify::Deliverer::new(db.clone(), sealer.clone()),
        );
        let metrics = Metrics::new();
        let new_jobs = Arc::new(Notify::new());
        let connections = start_connections(
            &config,
            &db,
            vault,
            &metrics,
            &new_jobs,
            own_processors,
            sync.clone(),
        )
        .await?;
        for running in connections.all() {
            if let Some(sync) = &running.sync {
                apply_stored_mode(&db, sync).await?;
            }
        }
        let ingest = Ingest::start_with(
            db.clone(),
            config.dedupe_retention,
            Arc::clone(&new_jobs),
            metrics.clone(),
        );
        let notifier = Notifier {
            db: db.clone(),
            ingest: ingest.clone(),
            period: config.notify_period,
            base_url: format!("http://{}", listener.local_addr()?),
            connection: config.connection.name.clone(),
            watched: watched(&config, sync.as_deref()),
            connections: Some(connections.clone()),
        };
        let state = AppState {
            db: db.clone(),
            sealer,
            ingest,
            processors: processors.clone(),
            preflight: crate::preflight::PreflightSettings::from_config(&config)
                .ok()
                .map(Arc::new),
            sync,
            connections,
            metrics: metrics.clone(),
            connection: config.connection.name.clone(),
            body_limit: config.body_limit_bytes,
            leaflink_keys: Arc::new(config.connection.leaflink_webhook_keys.clone()),
            flourish_keys: Arc::new(config.connection.flourish_webhook_keys.clone()),
            admin_token_hash: http::token_hash(config.admin_token.expose().trim()),
        };
        let settings = WorkerSettings {
            concurrency: config.workers,
            lease: config.lease,
            retry_schedule: config.retry_schedule.clone(),
            max_retry_after: config.max_retry_after,
            shutdown_grace: config.shutdown_grace,
        };
        let worker = Arc::new(Worker::new(
            db,
            shared,
            state.connections.clone(),
            settings,
            new_jobs,
            metrics,
        ));
        Ok(Self {
            listener,
            state,
            worker,
            notifier,
            config,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The notifier, for tests that run its passes by hand.
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// The worker, for tests that drive it by hand.
    pub fn worker(&self) -> Arc<Worker> {
        Arc::clone(&self.worker)
    }

    /// Serves until `shutdown`: stops accepting, lets in-flight requests finish, then lets the
    /// worker finish or release its jobs. With `run_worker` false only HTTP runs: no worker and
    /// no pollers (tests run both by hand).
    pub async fn run(self, shutdown: CancellationToken, run_worker: bool) -> anyhow::Result<()> {
        let worker =
            run_worker.then(|| tokio::spawn(Arc::clone(&self.worker).run(shutdown.clone())));
        if run_worker {
            self.state
                .connections
                .run_pollers(self.state.ingest.clone(), shutdown.clone());
        }
        let connections = self.state.connections.clone();
        let refresher = tokio::spawn(refresh_connections(connections.clone(), shutdown.clone()));
        let notifier =
            run_worker.then(|| tokio::spawn(self.notifier.clone().run(shutdown.clone())));
        let modes = tokio::spawn(follow_stored_modes(
            self.state.db.clone(),
            self.state.connections.clone(),
            shutdown.clone(),
        ));
        let checkpoints = tokio::spawn(checkpoints(self.state.db.clone(), shutdown.clone()));
        let maintenance = tokio::spawn(maintenance(
            self.state.clone(),
            self.config.dedupe_retention,
            self.config.retention,
            shutdown.clone(),
        ));
        tracing::info!(listen = %self.local_addr(), "leafbridge is serving");
        let router = http::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .await
            .context("serving HTTP")?;
        tracing::info!("HTTP server stopped; waiting for running jobs");
        if let Some(worker) = worker {
            worker.await.context("worker task")?;
        }
        connections.join_pollers().await.context("poller task")?;
        refresher.abort();
        if let Some(notifier) = notifier {
            notifier.await.context("notifier task")?;
        }
        maintenance.abort();
        checkpoints.abort();
        modes.abort();
        Ok(())
    }
}

/// The registry of running connections: the environment's (with the wired processors and
/// context), the file's, and the stored ones.
async fn start_connections(
    config: &Config,
    db: &Db,
    vault: Option<Arc<Vault>>,
    metrics: &Metrics,
    new_jobs: &Arc<Notify>,
    processors: Processors,
    sync: Option<Arc<SyncContext>>,
) -> anyhow::Result<Registry> {
    let url = &config.database_url;
    let registry = Registry::new(
        db.clone(),
        url.clone(),
        vault,
        metrics.clone(),
        Arc::clone(new_jobs),
    );
    let own = config.connection.clone();
    registry.start(Running::with(
        own,
        Origin::Environment,
        url,
        processors,
        sync,
    ));
    for settings in &config.connections {
        let name = settings.name.clone();
        let running = Running::build(settings.clone(), Origin::File, db, url)
            .with_context(|| format!("starting connection {name}"))?;
        registry.start(running);
    }
    registry.refresh().await?;
    Ok(registry)
}

/// Every few seconds, starts, restarts and stops stored connections changed elsewhere (the
/// CLI, another replica), until `shutdown`.
async fn refresh_connections(registry: Registry, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(CONNECTION_REFRESH);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        if let Err(error) = registry.refresh().await {
            tracing::warn!(
                error = format!("{error:#}"),
                "reading stored connections failed"
            );
        }
    }
}

/// How often stored connections are read again.
pub const CONNECTION_REFRESH: Duration = Duration::from_secs(5);

/// A mode an operator or a cutover stored for the connection wins over the configured one.
async fn apply_stored_mode(db: &Db, sync: &SyncContext) -> anyhow::Result<()> {
    let stored = store::modes::get(&db.pool, &sync.connection)
        .await
        .context("reading the connection's stored mode")?;
    if let Some(stored) = stored {
        match crate::remote::Mode::parse(&stored) {
            Ok(mode) => sync.mode.set(mode),
            Err(why) => tracing::warn!(%why, "ignoring the stored mode"),
        }
    }
    tracing::info!(connection = %sync.connection, mode = %sync.mode.get(), "connection mode");
    Ok(())
}

/// How often a process looks for a mode switched elsewhere (another replica, the CLI's
/// `cutover` on the database).
const MODE_POLL: Duration = Duration::from_secs(5);

/// Applies a mode stored by another process to every running connection, until `shutdown`:
/// a connection's stored value is applied when first seen (a connection started since) and
/// then only when it changes (this process's own switches already were).
async fn follow_stored_modes(db: Db, registry: Registry, shutdown: CancellationToken) {
    let mut last_seen: std::collections::HashMap<String, Option<crate::remote::Mode>> =
        std::collections::HashMap::new();
    let mut every = tokio::time::interval(MODE_POLL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        for running in registry.all() {
            let Some(sync) = running.sync.as_ref() else {
                continue;
            };
            let stored = match store::modes::get(&db.pool, &sync.connection).await {
                Ok(stored) => stored.and_then(|m| crate::remote::Mode::parse(&m).ok()),
                Err(error) => {
                    tracing::warn!(%error, "reading a connection's stored mode failed");
                    continue;
                }
            };
            let seen = last_seen.insert(sync.connection.clone(), stored);
            if let Some(mode) = stored
                && seen != Some(stored)
                && mode != sync.mode.get()
            {
                tracing::info!(connection = %sync.connection, %mode, "mode switched");
                sync.mode.set(mode);
            }
        }
    }
}

/// The platform clients of the process's own connection and their limits, for the notifier.
fn watched(config: &Config, sync: Option<&crate::sync::SyncContext>) -> Vec<notify::Watched> {
    let (Some(sync), Some(leaflink), Some(flourish)) = (
        sync,
        &config.connection.leaflink,
        &config.connection.flourish,
    ) else {
        return Vec::new();
    };
    vec![
        notify::Watched {
            usage: Arc::clone(sync.leaflink.usage()),
            requests_per_minute: leaflink.transport.requests_per_minute,
        },
        notify::Watched {
            usage: Arc::clone(sync.flourish.usage()),
            requests_per_minute: flourish.transport.requests_per_minute,
        },
    ]
}

/// On SQLite, checkpoints the write-ahead log every [`CHECKPOINT_INTERVAL`] beside the writer
/// (whose connection never does it itself), until `shutdown`.
async fn checkpoints(db: Db, shutdown: CancellationToken) {
    if db.backend != Backend::Sqlite {
        return;
    }
    let mut every = tokio::time::interval(CHECKPOINT_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        if let Err(error) = store::checkpoint(&db).await {
            tracing::warn!(%error, "checkpointing the write-ahead log failed");
        }
    }
}

/// Hourly, from start: forgets deduplication keys past their window, then runs a retention
/// pass (old settled events, jobs, attempts, resyncs).
async fn maintenance(
    state: AppState,
    retention: Duration,
    keep: Duration,
    shutdown: CancellationToken,
) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = shutdown.cancelled() => return,
        }
        let cutoff = now_ms() - retention.as_millis() as i64;
        match events::prune_dedupe(&state.db.pool, cutoff).await {
            Ok(n) if n > 0 => tracing::info!(pruned = n, "old deduplication keys forgotten"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "pruning deduplication keys failed"),
        }
        let pass =
            jobs::retention::run_pass(&state.db, &state.metrics, keep, jobs::retention::BATCH);
        tokio::select! {
            done = pass => if let Err(error) = done {
                tracing::warn!(%error, "retention pass failed");
            },
            _ = shutdown.cancelled() => return,
        }
    }
}

/// Cancels `token` on SIGTERM or Ctrl-C.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("installing the SIGTERM handler");
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested");
        token.cancel();
    });
}
