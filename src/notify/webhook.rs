//! Sends a digest to a webhook: Slack's `{"text": …}` to the (secret) incoming-webhook URL, or
//! leafbridge's JSON signed with HMAC-SHA256 of the raw body (hex) in `Leafbridge-Signature`.

use std::time::Duration;

use super::channel::{WebhookFormat, WebhookSettings};
use super::digest::Digest;
use crate::config::Secret;
use crate::jobs::JobError;

pub const SIGNATURE_HEADER: &str = "leafbridge-signature";

/// The hex HMAC-SHA256 of `body` under `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    hex::encode(crate::signature::hmac_sha256(key, body))
}

/// Posts `digest`; 2xx is delivered, 408/429/5xx and transport errors are retried, other
/// answers are permanent.
pub async fn send(
    http: &reqwest::Client,
    settings: &WebhookSettings,
    secret: &Secret,
    digest: &Digest,
) -> Result<(), JobError> {
    let (url, body, signature) = match settings.format {
        WebhookFormat::Slack => (secret.expose().to_owned(), digest.slack().to_string(), None),
        WebhookFormat::Signed => {
            let body = digest.json().to_string();
            let sig = signature(secret.expose().as_bytes(), body.as_bytes());
            (settings.url.clone(), body, Some(sig))
        }
    };
    let mut request = http
        .post(&url)
        .timeout(Duration::from_secs(30))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(sig) = signature {
        request = request.header(SIGNATURE_HEADER, sig);
    }
    // The Slack URL is a secret: errors name the host only.
    let host = url::Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let response = request.send().await.map_err(|e| {
        JobError::retryable(format!("posting to {host} failed: {}", e.without_url()))
    })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(JobError::retryable(format!("{host} answered {status}")))
    } else {
        Err(JobError::Permanent(format!(
            "{host} refused the message: {status}"
        )))
    }
}
