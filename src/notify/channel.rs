//! Where a connection's owner hears about problems: an email (SMTP) or a webhook (Slack-style
//! incoming webhook, or leafbridge's own HMAC-signed JSON). What the API accepts, what is
//! stored (settings without secrets; the secret sealed), and what it shows (a fingerprint).

use serde::{Deserialize, Serialize};

use crate::secrets::{self, Sealer, SecretError};
use crate::store::notify::ChannelRow;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Plain connection, then STARTTLS (required): port 587 by default.
    #[default]
    Starttls,
    /// TLS from the first byte: port 465 by default.
    Tls,
    /// No encryption (a relay on the same host or network only): port 25 by default.
    None,
}

/// The non-secret settings of an email channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub from: String,
    pub to: Vec<String>,
}

/// How a webhook channel formats its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"text": …}` for Slack (and compatible) incoming webhooks; the URL is the secret.
    Slack,
    /// leafbridge's JSON, signed with HMAC-SHA256 in `Leafbridge-Signature`.
    Signed,
}

/// The non-secret settings of a webhook channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub format: WebhookFormat,
    /// For `signed`, the URL; for `slack`, only its host (the URL itself is the secret).
    pub url: String,
}

/// A channel's settings by kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Settings {
    Email(EmailSettings),
    Webhook(WebhookSettings),
}

/// Body of `POST /api/v1/notifications/channels`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChannel {
    /// `email` or `webhook`.
    pub kind: String,
    // email
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<TlsMode>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
    pub to: Option<Vec<String>>,
    // webhook
    pub format: Option<WebhookFormat>,
    pub url: Option<String>,
    pub signing_key: Option<String>,
}

/// A channel as the API shows it: settings and a fingerprint of its secret, never the secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: String,
    pub connection: String,
    #[serde(flatten)]
    pub settings: Settings,
    /// The secret's last four characters (SMTP password, webhook URL or signing key).
    pub secret_fingerprint: Option<String>,
    pub secret_set_at: Option<i64>,
    pub created_at: i64,
}

/// Why a channel was refused: a field and what is wrong with it, or no key to seal with.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

fn invalid(text: impl Into<String>) -> ChannelError {
    ChannelError::Invalid(text.into())
}

fn printable(field: &str, value: &str) -> Result<(), ChannelError> {
    if value.trim().is_empty() || value.len() > 500 || value.chars().any(char::is_control) {
        return Err(invalid(format!("{field}: 1 to 500 printable characters")));
    }
    Ok(())
}

/// Checks an address as lettre parses it (`name@domain`).
fn address(field: &str, value: &str) -> Result<(), ChannelError> {
    value
        .parse::<lettre::Address>()
        .map(|_| ())
        .map_err(|e| invalid(format!("{field}: {value:?} is not an email address ({e})")))
}

fn http_url(field: &str, value: &str) -> Result<url::Url, ChannelError> {
    let url = url::Url::parse(value).map_err(|e| invalid(format!("{field}: not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(format!("{field}: must be an http or https URL")));
    }
    Ok(url)
}

/// The settings, and the secret to seal, of a new channel.
pub fn validate(new: NewChannel) -> Result<(Settings, Option<String>), ChannelError> {
    let email_only = [
        ("host", new.host.is_some()),
        ("port", new.port.is_some()),
        ("tls", new.tls.is_some()),
        ("username", new.username.is_some()),
        ("password", new.password.is_some()),
        ("from", new.from.is_some()),
        ("to", new.to.is_some()),
    ];
    let webhook_only = [
        ("format", new.format.is_some()),
        ("url", new.url.is_some()),
        ("signing_key", new.signing_key.is_some()),
    ];
    let stray = |fields: &[(&str, bool)], kind: &str| -> Result<(), ChannelError> {
        match fields.iter().find(|(_, set)| *set) {
            Some((name, _)) => Err(invalid(format!(
                "{name}: not a setting of a {kind} channel"
            ))),
            None => Ok(()),
        }
    };
    match new.kind.as_str() {
        "email" => {
            stray(&webhook_only, "email")?;
            let host = new.host.ok_or_else(|| invalid("host: required"))?;
            printable("host", &host)?;
            let from = new.from.ok_or_else(|| invalid("from: required"))?;
            address("from", &from)?;
            let to = new.to.ok_or_else(|| invalid("to: required"))?;
            if to.is_empty() || to.len() > 50 {
                return Err(invalid("to: 1 to 50 addresses"));
            }
            for one in &to {
                address("to", one)?;
            }
            if let Some(user) = &new.username {
                printable("username", user)?;
            }
            if new.password.is_some() && new.username.is_none() {
                return Err(invalid("password: needs a username"));
            }
            let tls = new.tls.unwrap_or_default();
            let port = match new.port {
                Some(0) => return Err(invalid("port: must be 1 to 65535")),
                Some(port) => port,
                None => match tls {
                    TlsMode::Starttls => 587,
                    TlsMode::Tls => 465,
                    TlsMode::None => 25,
                },
            };
            let settings = EmailSettings {
                host: host.trim().to_owned(),
                port,
                tls,
                username: new.username,
                from,
                to,
            };
            Ok((Settings::Email(settings), new.password))
        }
        "webhook" => {
            stray(&email_only, "webhook")?;
            let format = new.format.unwrap_or(WebhookFormat::Signed);
            let url = new.url.ok_or_else(|| invalid("url: required"))?;
            let parsed = http_url("url", &url)?;
            match format {
                WebhookFormat::Slack => {
                    if new.signing_key.is_some() {
                        return Err(invalid(
                            "signing_key: a slack webhook is not signed (its URL is the secret)",
                        ));
                    }
                    let host = parsed.host_str().unwrap_or_default().to_owned();
                    let settings = WebhookSettings { format, url: host };
                    Ok((Settings::Webhook(settings), Some(url)))
                }
                WebhookFormat::Signed => {
                    let key = new
                        .signing_key
                        .ok_or_else(|| invalid("signing_key: required for a signed webhook"))?;
                    if key.len() < 16 {
                        return Err(invalid("signing_key: at least 16 characters"));
                    }
                    let settings = WebhookSettings { format, url };
                    Ok((Settings::Webhook(settings), Some(key)))
                }
            }
        }
        other => Err(invalid(format!(
            "kind: unknown value {other:?} (expected email or webhook)"
        ))),
    }
}

/// A stored row for a new channel, its secret sealed (refused without a key).
pub fn to_row(
    sealer: &Sealer,
    id: String,
    connection: &str,
    settings: &Settings,
    secret: Option<&str>,
    now: i64,
) -> Result<ChannelRow, ChannelError> {
    let sealed = secret.map(|s| sealer.seal(s)).transpose()?;
    let settings_json = serde_json::to_value(settings)
        .map_err(|e| invalid(format!("settings cannot be stored: {e}")))?;
    Ok(ChannelRow {
        id,
        connection: connection.to_owned(),
        kind: kind_of(settings).to_owned(),
        settings: settings_json,
        sealed_secret: sealed,
        secret_fingerprint: secret.map(secrets::fingerprint),
        secret_set_at: secret.map(|_| now),
        created_at: now,
    })
}

fn kind_of(settings: &Settings) -> &'static str {
    match settings {
        Settings::Email(_) => "email",
        Settings::Webhook(_) => "webhook",
    }
}

/// The settings of a stored row.
pub fn settings_of(row: &ChannelRow) -> anyhow::Result<Settings> {
    Ok(serde_json::from_value(row.settings.clone())?)
}

impl ChannelView {
    pub fn from_row(row: &ChannelRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: row.id.clone(),
            connection: row.connection.clone(),
            settings: settings_of(row)?,
            secret_fingerprint: row.secret_fingerprint.clone(),
            secret_set_at: row.secret_set_at,
            created_at: row.created_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: Vec<&str>) -> NewChannel {
        NewChannel {
            kind: "email".into(),
            host: Some("smtp.example.com".into()),
            port: None,
            tls: None,
            username: Some("owner".into()),
            password: Some("pass-1234".into()),
            from: Some("leafbridge@example.com".into()),
            to: Some(to.into_iter().map(str::to_owned).collect()),
            format: None,
            url: None,
            signing_key: None,
        }
    }

    #[test]
    fn an_email_channel_keeps_its_password_apart_and_defaults_the_port() {
        let (settings, secret) = validate(email(vec!["owner@example.com"])).unwrap();
        assert_eq!(secret.as_deref(), Some("pass-1234"));
        let Settings::Email(email) = settings else {
            panic!("an email channel")
        };
        assert_eq!((email.port, email.tls), (587, TlsMode::Starttls));
    }

    #[test]
    fn bad_addresses_and_stray_fields_are_named() {
        let error = validate(email(vec!["not an address"])).unwrap_err();
        assert!(error.to_string().starts_with("to:"), "{error}");
        let mut stray = email(vec!["a@example.com"]);
        stray.url = Some("https://example.com".into());
        assert!(validate(stray).unwrap_err().to_string().starts_with("url:"));
    }

    #[test]
    fn a_slack_webhook_stores_its_url_as_the_secret() {
        let new = NewChannel {
            kind: "webhook".into(),
            format: Some(WebhookFormat::Slack),
            url: Some("https://hooks.example.com/services/T0/B0/XYZ".into()),
            ..email(vec![])
        };
        let new = NewChannel {
            host: None,
            username: None,
            password: None,
            from: None,
            to: None,
            ..new
        };
        let (settings, secret) = validate(new).unwrap();
        assert_eq!(
            secret.as_deref(),
            Some("https://hooks.example.com/services/T0/B0/XYZ")
        );
        let json = serde_json::to_string(&settings).unwrap();
        assert!(!json.contains("XYZ"), "{json}");
    }

    #[test]
    fn without_a_key_a_secret_is_refused_naming_the_setting() {
        let (settings, secret) = validate(email(vec!["a@example.com"])).unwrap();
        let error = to_row(
            &Sealer::none(),
            "id".into(),
            "default",
            &settings,
            secret.as_deref(),
            0,
        )
        .unwrap_err();
        assert!(error.to_string().contains("LEAFBRIDGE_SECRET_KEY"));
    }
}
