//! Where a job's time goes, from leafbridge's own tracing spans: a layer that notes when each
//! `job` span opens (the job was claimed) and closes (its result is recorded), and the
//! `platform_call` spans inside it (reads are `GET`s; anything else is a platform write).

use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// One run of a job as its spans saw it.
#[derive(Clone, Debug)]
pub struct JobRun {
    pub job_id: String,
    /// The span opened: the job was just claimed.
    pub claimed: Instant,
    pub reads: u32,
    pub writes: u32,
    /// The first platform write started: every read was done and the plan made.
    pub first_write: Option<Instant>,
    /// The last platform write answered.
    pub last_write_end: Option<Instant>,
    /// The span closed: the result was recorded.
    pub finished: Instant,
}

/// Collects [`JobRun`]s; clone it before installing the layer to read them afterwards.
#[derive(Clone, Default)]
pub struct StageRecorder {
    runs: Arc<Mutex<Vec<JobRun>>>,
}

impl StageRecorder {
    /// Every job run whose span has closed so far.
    pub fn runs(&self) -> Vec<JobRun> {
        self.runs.lock().clone()
    }
}

/// A platform call in flight.
struct Call {
    method: String,
    started: Instant,
}

/// Reads the fields the layer needs.
#[derive(Default)]
struct Fields {
    job_id: Option<String>,
    method: Option<String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "job.id" => self.job_id = Some(format!("{value:?}")),
            "method" => self.method = Some(format!("{value:?}")),
            _ => {}
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_debug(field, &format_args!("{value}"));
    }
}

impl<S> Layer<S> for StageRecorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let now = Instant::now();
        match span.name() {
            "job" => span.extensions_mut().insert(JobRun {
                job_id: fields.job_id.unwrap_or_default(),
                claimed: now,
                reads: 0,
                writes: 0,
                first_write: None,
                last_write_end: None,
                finished: now,
            }),
            "platform_call" => span.extensions_mut().insert(Call {
                method: fields.method.unwrap_or_default(),
                started: now,
            }),
            _ => {}
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let now = Instant::now();
        match span.name() {
            "job" => {
                if let Some(mut run) = span.extensions_mut().remove::<JobRun>() {
                    run.finished = now;
                    self.runs.lock().push(run);
                }
            }
            "platform_call" => {
                let Some(call) = span.extensions_mut().remove::<Call>() else {
                    return;
                };
                let Some(job) = span.scope().skip(1).find(|s| s.name() == "job") else {
                    return;
                };
                let mut extensions = job.extensions_mut();
                let Some(run) = extensions.get_mut::<JobRun>() else {
                    return;
                };
                if call.method == "GET" {
                    run.reads += 1;
                } else {
                    run.writes += 1;
                    run.first_write = Some(
                        run.first_write
                            .map_or(call.started, |t| t.min(call.started)),
                    );
                    run.last_write_end = Some(run.last_write_end.map_or(now, |t| t.max(now)));
                }
            }
            _ => {}
        }
    }
}
