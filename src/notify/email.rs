//! Sends a digest by email over SMTP (lettre), with the channel's TLS mode and credentials.

use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::channel::{EmailSettings, TlsMode};
use super::digest::Digest;
use crate::config::Secret;
use crate::jobs::JobError;

/// How long one SMTP conversation may take before the job is retried.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

fn mailbox(field: &str, text: &str) -> Result<Mailbox, JobError> {
    text.parse()
        .map_err(|e| JobError::Permanent(format!("{field} {text:?} is not an address: {e}")))
}

/// Builds the message: from, to, subject and the text body.
pub fn message(settings: &EmailSettings, digest: &Digest) -> Result<Message, JobError> {
    let mut builder = Message::builder()
        .from(mailbox("from", &settings.from)?)
        .subject(digest.subject())
        .header(ContentType::TEXT_PLAIN);
    for to in &settings.to {
        builder = builder.to(mailbox("to", to)?);
    }
    // Quoted-printable keeps the text readable in the raw message whatever it holds.
    let body = Body::new_with_encoding(digest.body(), ContentTransferEncoding::QuotedPrintable)
        .map_err(|_| JobError::Permanent("the digest cannot be encoded".into()))?;
    builder
        .body(body)
        .map_err(|e| JobError::Permanent(format!("the message cannot be built: {e}")))
}

/// Sends `digest`; an unreachable or failing server is retryable, a refusal (5xx) permanent.
pub async fn send(
    settings: &EmailSettings,
    password: Option<&Secret>,
    digest: &Digest,
) -> Result<(), JobError> {
    let message = message(settings, digest)?;
    let host = settings.host.as_str();
    let builder = match settings.tls {
        TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| JobError::Permanent(format!("SMTP TLS setup for {host}: {e}")))?,
        TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
            .map_err(|e| JobError::Permanent(format!("SMTP TLS setup for {host}: {e}")))?,
    };
    let mut builder = builder.port(settings.port).timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &settings.username {
        let password = password.map(|p| p.expose().to_owned()).unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    match transport.send(message).await {
        Ok(_) => Ok(()),
        Err(error) if error.is_permanent() => Err(JobError::Permanent(format!(
            "the SMTP server {host}:{} refused the message: {error}",
            settings.port
        ))),
        Err(error) => Err(JobError::retryable(format!(
            "sending through {host}:{} failed: {error}",
            settings.port
        ))),
    }
}
