//! A connection from stored settings: a JSON object of configuration-file keys (its secrets
//! already opened), validated exactly as a `[connections.<name>]` table of the file.

use figment::Figment;
use figment::providers::Serialized;
use serde::de::DeserializeOwned;

use super::layers::{ConnectionLayer, connection_keys};
use super::{ConfigError, ConnectionSettings, Purpose, check_name, invalid};

/// Every key a connection's settings may hold (secrets included).
pub fn connection_setting_keys() -> Vec<&'static str> {
    connection_keys().into_iter().collect()
}

/// Validates `settings` (keys as in `[connections.<name>]`) as the connection `name`; errors
/// name the offending key.
pub fn connection_from_json(
    name: &str,
    settings: &serde_json::Map<String, serde_json::Value>,
) -> Result<ConnectionSettings, ConfigError> {
    check_name(name).map_err(|why| invalid("name", why))?;
    let known = connection_keys();
    if let Some(unknown) = settings.keys().find(|k| !known.contains(k.as_str())) {
        return Err(invalid(unknown, "is not a connection setting"));
    }
    let figment = Figment::new().merge(Serialized::defaults(settings));
    let layer = ConnectionLayer {
        leaflink: extract(&figment)?,
        flourish: extract(&figment)?,
        sync: extract(&figment)?,
    };
    layer.validate(name.to_owned(), Purpose::Serve, &|key: &str| key.to_owned())
}

fn extract<T: DeserializeOwned>(figment: &Figment) -> Result<T, ConfigError> {
    figment.extract().map_err(|error| {
        let key = error.path.last().cloned().unwrap_or_default();
        let problem = match &error.kind {
            figment::error::Kind::Message(message) => message.clone(),
            other => other.to_string(),
        };
        invalid(&key, problem)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn stored_settings_validate_like_a_file_table() {
        let settings = object(json!({
            "leaflink_webhook_key": "a,b",
            "flourish_webhook_key": "c",
            "leaflink_api_key": "ll",
            "flourish_api_key": "fl",
            "routing": "facility:12",
            "poll_orders_seconds": 0,
        }));
        let connection = connection_from_json("brand-b", &settings).unwrap();
        assert_eq!(connection.name, "brand-b");
        assert_eq!(connection.leaflink_webhook_keys.len(), 2);
        assert!(connection.leaflink.is_some() && connection.flourish.is_some());
        let missing = connection_from_json("brand-b", &object(json!({}))).unwrap_err();
        assert_eq!(missing.setting, "leaflink_webhook_key");
        let mut bad = settings.clone();
        bad.insert("routing".into(), json!("nowhere"));
        assert_eq!(
            connection_from_json("brand-b", &bad).unwrap_err().setting,
            "routing"
        );
        bad.insert("listen".into(), json!("x"));
        assert_eq!(
            connection_from_json("brand-b", &bad).unwrap_err().setting,
            "listen"
        );
        assert!(connection_from_json("Brand B", &settings).is_err());
    }
}
