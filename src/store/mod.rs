//! The only SQL in leafbridge: free functions over one pool that is either SQLite (the embedded
//! default) or PostgreSQL (several replicas). SQL is portable; only the job claim differs.

pub mod attention;
pub mod claims;
pub mod connections;
pub mod events;
pub mod job_admin;
pub mod jobs;
pub mod links;
pub mod resyncs;
pub mod retention;
pub mod stats;
pub mod watermarks;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool and the engine behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where the hot writes go (group commits, job claims, heartbeats, completions). On SQLite,
    /// which takes one writer at a time, this is a pool of one connection: writers queue for
    /// it in order instead of polling the file lock (which starves some of them for seconds).
    /// On PostgreSQL it is `pool`.
    pub writes: AnyPool,
}

/// Milliseconds since the Unix epoch: the one time format in the database.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Db {
    /// Connects, creating the SQLite file when it does not exist yet.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .context("parsing the database URL")?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = pool_options(backend)
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .connect_with(options.clone())
            .await
            .context("connecting to the database")?;
        let writes = match backend {
            Backend::Postgres => pool.clone(),
            Backend::Sqlite => pool_options(backend)
                .max_connections(1)
                // Taken for every batch and claim: checking it each time would cost a round trip.
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .context("connecting to the database for writes")?,
        };
        Ok(Self {
            pool,
            backend,
            writes,
        })
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations; returns how many were applied.
    pub async fn migrate(&self) -> anyhow::Result<usize> {
        let before = self.applied_migrations().await.unwrap_or(0);
        self.migrator()
            .run(&self.pool)
            .await
            .context("applying migrations")?;
        Ok(self.applied_migrations().await?.saturating_sub(before))
    }

    async fn applied_migrations(&self) -> anyhow::Result<usize> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(count as usize)
    }

    /// True when the database answers and every migration this build knows is applied.
    pub async fn is_ready(&self) -> bool {
        let expected = self.migrator().iter().count();
        matches!(self.applied_migrations().await, Ok(applied) if applied >= expected)
    }
}

/// Pool settings shared by the read and write pools: on SQLite every connection runs in WAL
/// mode with durable commits, a bounded page cache and a wait for the file lock.
fn pool_options(backend: Backend) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer; FULL makes every commit
                    // durable before the webhook is acknowledged.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
}
