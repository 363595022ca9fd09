//! Telling a connection's owner about problems, as a digest: every pass notes what is wrong
//! (`collect`), and at most once per period per connection stores one delivery per channel
//! (`channel`) as an event with a `notify.deliver` job, so delivery is durable and retried by
//! the worker like any job. A problem is said once when it appears and once when it is
//! resolved. A dead SMTP server only fails its own jobs.

pub mod channel;
pub mod collect;
pub mod digest;
pub mod email;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::envelope::Envelope;
use crate::ingest::Ingest;
use crate::jobs::{JobContext, JobError, Processed, Processor};
use crate::secrets::Sealer;
use crate::store::events::{NewEvent, Stored};
use crate::store::{Db, notify};
use channel::Settings;
pub use collect::Watched;
use digest::Digest;

/// The job kind of a delivery.
pub const JOB_KIND: &str = "notify.deliver";
/// The event source of deliveries in the event log.
pub const SOURCE: &str = "notifier";

/// What a delivery job carries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub channel_id: String,
    pub digest: Digest,
}

/// Makes digests for every connection with a channel.
#[derive(Clone)]
pub struct Notifier {
    pub db: Db,
    pub ingest: Ingest,
    pub period: Duration,
    /// Base URL of the operator API in links.
    pub base_url: String,
    /// The process's own connection, whose platform clients are `watched`.
    pub connection: String,
    pub watched: Vec<Watched>,
    /// The running connections: another connection's platform clients are watched through
    /// it (`None`: only the process's own are).
    pub connections: Option<crate::connections::runtime::Registry>,
}

/// What one pass did for one connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Deliveries stored (one per channel).
    pub deliveries: usize,
    pub opened: usize,
    pub resolved: usize,
}

impl Notifier {
    /// Passes every minute (or every period, when shorter) until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        let tick = self.period.min(Duration::from_secs(60));
        let mut every = tokio::time::interval(tick);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = shutdown.cancelled() => return,
            }
            if let Err(error) = self.pass(crate::store::now_ms()).await {
                tracing::warn!(error = format!("{error:#}"), "notification pass failed");
            }
        }
    }

    /// One pass over every connection with a channel, as of `now`.
    pub async fn pass(&self, now: i64) -> anyhow::Result<Vec<(String, PassReport)>> {
        let mut reports = Vec::new();
        for connection in notify::connections_with_channels(&self.db.pool).await? {
            let report = self.pass_connection(&connection, now).await?;
            reports.push((connection, report));
        }
        Ok(reports)
    }

    /// The platform clients of another running connection, with their limits.
    fn watched_of(&self, connection: &str) -> Vec<Watched> {
        let Some(sync) = self
            .connections
            .as_ref()
            .and_then(|registry| registry.get(connection))
            .and_then(|running| running.sync.clone())
        else {
            return Vec::new();
        };
        vec![
            Watched {
                usage: Arc::clone(sync.leaflink.usage()),
                requests_per_minute: sync.leaflink.requests_per_minute(),
            },
            Watched {
                usage: Arc::clone(sync.flourish.usage()),
                requests_per_minute: sync.flourish.requests_per_minute(),
            },
        ]
    }

    /// Notes the problems of `connection`; when there is something to say and the period since
    /// its last digest has passed, stores one delivery per channel.
    pub async fn pass_connection(&self, connection: &str, now: i64) -> anyhow::Result<PassReport> {
        let pool = &self.db.pool;
        let watched = if connection == self.connection {
            self.watched.clone()
        } else {
            self.watched_of(connection)
        };
        let (categories, seen) = collect::problems(&self.db, connection, &watched, now).await?;
        notify::observe(pool, connection, &categories, &seen, now).await?;
        let (opened, resolved) = notify::unannounced(pool, connection).await?;
        if opened.is_empty() && resolved.is_empty() {
            return Ok(PassReport::default());
        }
        let previous = notify::last_digest_at(pool, connection).await?;
        let period_ms = i64::try_from(self.period.as_millis()).unwrap_or(i64::MAX);
        if !notify::take_digest_turn(pool, connection, period_ms, now).await? {
            return Ok(PassReport::default());
        }
        let channels = notify::channels(pool, connection).await?;
        let digest = Digest {
            connection: connection.to_owned(),
            created_at: now,
            base_url: self.base_url.clone(),
            opened,
            resolved,
        };
        let mut deliveries = 0;
        for channel in &channels {
            let delivery = Delivery {
                channel_id: channel.id.clone(),
                digest: digest.clone(),
            };
            if let Err(error) = self.store(connection, &delivery).await {
                // Nothing is marked as said: the next pass says it again.
                if let Some(before) = previous {
                    notify::return_digest_turn(pool, connection, before).await?;
                }
                return Err(error);
            }
            deliveries += 1;
        }
        let opened: Vec<String> = digest.opened.iter().map(|i| i.key.clone()).collect();
        let resolved: Vec<String> = digest.resolved.iter().map(|i| i.key.clone()).collect();
        notify::mark_announced(pool, connection, &opened, &resolved, now).await?;
        tracing::info!(
            connection,
            deliveries,
            opened = opened.len(),
            resolved = resolved.len(),
            "notification digest queued"
        );
        Ok(PassReport {
            deliveries,
            opened: opened.len(),
            resolved: resolved.len(),
        })
    }

    async fn store(&self, connection: &str, delivery: &Delivery) -> anyhow::Result<()> {
        let body = serde_json::to_string(delivery)?;
        let envelope = Envelope {
            kind: "digest".into(),
            action: None,
            entity_key: format!("notify:{}", delivery.channel_id),
            job_kind: Some(JOB_KIND.into()),
        };
        let stored = self
            .ingest
            .store(NewEvent::new(connection, SOURCE, envelope, body))
            .await?;
        match stored {
            Stored::Accepted { .. } | Stored::Duplicate => Ok(()),
        }
    }
}

/// Runs `notify.deliver` jobs: opens the channel's secret and sends the digest.
pub struct Deliverer {
    pub db: Db,
    pub sealer: Sealer,
    pub http: reqwest::Client,
}

impl Deliverer {
    pub fn new(db: Db, sealer: Sealer) -> Arc<Self> {
        Arc::new(Self {
            db,
            sealer,
            http: reqwest::Client::new(),
        })
    }
}

#[async_trait::async_trait]
impl Processor for Deliverer {
    async fn process(&self, job: &JobContext) -> Result<Processed, JobError> {
        let delivery: Delivery = serde_json::from_value(job.body.clone())
            .map_err(|e| JobError::Permanent(format!("not a notification delivery: {e}")))?;
        let connection = &delivery.digest.connection;
        let row = notify::channel(&self.db.pool, connection, &delivery.channel_id)
            .await
            .map_err(|e| JobError::retryable(format!("reading the channel: {e}")))?;
        let Some(row) = row else {
            return Ok(Processed {
                outcome: "ignored".into(),
                reason: Some(format!(
                    "channel {} was removed before delivery",
                    delivery.channel_id
                )),
                detail: None,
            });
        };
        let secret = row
            .sealed_secret
            .as_deref()
            .map(|sealed| self.sealer.open_text(sealed))
            .transpose()
            .map_err(|e| JobError::retryable(e.to_string()))?;
        let settings = channel::settings_of(&row)
            .map_err(|e| JobError::Permanent(format!("channel settings: {e}")))?;
        let via = match &settings {
            Settings::Email(email) => {
                email::send(email, secret.as_ref(), &delivery.digest).await?;
                format!("email to {}", email.to.join(", "))
            }
            Settings::Webhook(hook) => {
                let secret = secret.ok_or_else(|| {
                    JobError::Permanent("the webhook channel has no stored secret".into())
                })?;
                webhook::send(&self.http, hook, &secret, &delivery.digest).await?;
                format!("webhook to {}", hook_host(hook))
            }
        };
        Ok(Processed {
            outcome: "synced".into(),
            reason: Some(format!("digest sent by {via}")),
            detail: Some(serde_json::json!({
                "channel_id": row.id,
                "subject": delivery.digest.subject(),
            })),
        })
    }
}

fn hook_host(hook: &channel::WebhookSettings) -> String {
    url::Url::parse(&hook.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| hook.url.clone())
}
