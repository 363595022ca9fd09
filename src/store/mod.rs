//! The only SQL in leafbridge: free functions over one pool that is either SQLite (the embedded
//! default) or PostgreSQL (several replicas). SQL is portable; only the job claim differs.

pub mod attention;
pub mod claims;
pub mod connections;
pub mod console;
pub mod console_sessions;
pub mod events;
pub mod job_admin;
pub mod jobs;
pub mod links;
pub mod modes;
pub mod notify;
pub mod resyncs;
pub mod retention;
pub mod stats;
pub mod tokens;
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
    ///
    /// On SQLite this connection does not sync each commit to disk (`synchronous = NORMAL`):
    /// claims, heartbeats, completions and links are state a rerun rebuilds (every job is
    /// idempotent), and a sync costs milliseconds on a busy disk. The group-commit writer makes
    /// its batches of events durable ([`set_durable_commits`]) before they are acknowledged; as
    /// the write-ahead log is synced as a whole, that also makes every earlier commit durable.
    pub writes: AnyPool,
}

/// On SQLite, whether each commit of `connection` is synced to disk before it returns
/// (`synchronous = FULL`) or only at the next synced commit or checkpoint (`NORMAL`, which in
/// WAL mode never corrupts the database). Not for use inside a transaction.
pub async fn set_durable_commits(
    connection: &mut sqlx::AnyConnection,
    durable: bool,
) -> sqlx::Result<()> {
    let pragma = if durable {
        "PRAGMA synchronous = FULL"
    } else {
        "PRAGMA synchronous = NORMAL"
    };
    connection.execute(pragma).await?;
    Ok(())
}

/// On SQLite, copies what the write-ahead log holds back into the database file without
/// waiting for (or holding up) the writer; the service calls it every
/// [`CHECKPOINT_INTERVAL`]. Nothing to do on PostgreSQL.
pub async fn checkpoint(db: &Db) -> sqlx::Result<()> {
    if db.backend == Backend::Sqlite {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

/// How often the service checkpoints SQLite's write-ahead log.
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(500);

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
        let pool = pool_options(backend, true)
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .connect_with(options.clone())
            .await
            .context("connecting to the database")?;
        let writes = match backend {
            Backend::Postgres => pool.clone(),
            Backend::Sqlite => pool_options(backend, false)
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
/// mode, a bounded page cache and a wait for the file lock, with commits synced one by one
/// when `durable_commits` (see [`Db::writes`] for the one connection that is not).
fn pool_options(backend: Backend, durable_commits: bool) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the writer.
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    set_durable_commits(conn, durable_commits).await?;
                    if !durable_commits {
                        // The write connection never copies the log back into the database
                        // itself: that would stall the commit (and every webhook queued behind
                        // it) that crosses the threshold. `checkpoint` does it beside it.
                        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                    }
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
}
