//! Tests of loading, layering and validating the configuration.

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = [
        ("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "ll-key"),
        ("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "fl-key"),
        ("LEAFBRIDGE_ADMIN_TOKEN", "admin-token-123"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in pairs {
        map.insert(k.to_string(), v.to_string());
    }
    map
}

#[test]
fn defaults_are_a_local_sqlite_file_on_port_8080() {
    let config = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(config.database_url, "sqlite://leafbridge.db");
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.connection.name, "default");
    assert_eq!(config.retry_schedule.len(), 10);
    let total: Duration = config.retry_schedule.iter().sum();
    assert!(total >= Duration::from_secs(3 * 86_400));
}

#[test]
fn several_comma_separated_webhook_keys_are_accepted() {
    let config = Config::from_sources(
        None,
        &env(&[("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "old, new")]),
    )
    .unwrap();
    let keys: Vec<&str> = config
        .connection
        .leaflink_webhook_keys
        .iter()
        .map(Secret::expose)
        .collect();
    assert_eq!(keys, ["old", "new"]);
}

#[test]
fn an_empty_webhook_key_names_the_setting() {
    let error =
        Config::from_sources(None, &env(&[("LEAFBRIDGE_FLOURISH_WEBHOOK_KEY", "")])).unwrap_err();
    assert_eq!(error.setting, "LEAFBRIDGE_FLOURISH_WEBHOOK_KEY");
    let error = Config::from_sources(None, &env(&[("LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY", "a,,b")]))
        .unwrap_err();
    assert_eq!(error.setting, "LEAFBRIDGE_LEAFLINK_WEBHOOK_KEY");
}

#[test]
fn an_unparsable_database_url_names_the_setting() {
    for url in ["not a url", "mysql://x/y"] {
        let error =
            Config::from_sources(None, &env(&[("LEAFBRIDGE_DATABASE_URL", url)])).unwrap_err();
        assert_eq!(error.setting, "LEAFBRIDGE_DATABASE_URL", "{url}");
    }
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let config = Config::from_sources(None, &env(&[])).unwrap();
    let text = format!("{config:?}");
    assert!(
        !text.contains("ll-key") && !text.contains("fl-key") && !text.contains("admin-token-123")
    );
    assert!(text.contains("[redacted]"));
}

#[test]
fn the_file_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leafbridge.toml");
    std::fs::write(
        &path,
        "listen = \"127.0.0.1:9000\"\nworkers = 7\nconnection = \"brand-a\"\n",
    )
    .unwrap();
    let config = Config::from_sources(
        Some(&path),
        &env(&[("LEAFBRIDGE_LISTEN", "127.0.0.1:9001")]),
    )
    .unwrap();
    assert_eq!(config.listen.to_string(), "127.0.0.1:9001");
    assert_eq!(config.workers, 7);
    assert_eq!(config.connection.name, "brand-a");
    std::fs::write(&path, "unknown_setting = 1\n").unwrap();
    assert_eq!(
        Config::from_sources(Some(&path), &env(&[]))
            .unwrap_err()
            .setting,
        "--config"
    );
}

#[test]
fn listing_and_source_of_truth_settings_parse_and_bad_values_name_the_setting() {
    let config = Config::from_sources(
        None,
        &env(&[
            ("LEAFBRIDGE_LEAFLINK_LICENSE", " C11-1 "),
            ("LEAFBRIDGE_SUBCATEGORY_MAP", "Flower=Indoor"),
            ("LEAFBRIDGE_PRODUCT_EXTERNAL_ID_KEY", "flourish"),
            ("LEAFBRIDGE_MANAGE_STOCK", "false"),
            ("LEAFBRIDGE_PRODUCT_FIELDS", "name, strains"),
        ]),
    )
    .unwrap();
    let sync = &config.connection.sync;
    assert_eq!(sync.leaflink_license.as_deref(), Some("C11-1"));
    assert_eq!(sync.subcategory_map, [("Flower".into(), "Indoor".into())]);
    assert_eq!(sync.product_external_id_key.as_deref(), Some("flourish"));
    assert!(!sync.manage_stock);
    let fields = sync.product_fields;
    assert!(fields.name && fields.strains && !fields.description && !fields.brand);
    let defaults = Config::from_sources(None, &env(&[]))
        .unwrap()
        .connection
        .sync;
    assert!(defaults.manage_stock && defaults.product_fields == ProductFields::ALL);
    assert!(defaults.product_external_id_key.is_none());
    for (setting, value) in [
        ("LEAFBRIDGE_PRODUCT_FIELDS", "name,price"),
        ("LEAFBRIDGE_MANAGE_STOCK", "maybe"),
        ("LEAFBRIDGE_SUBCATEGORY_MAP", "Flower"),
    ] {
        let error = Config::from_sources(None, &env(&[(setting, value)])).unwrap_err();
        assert_eq!(error.setting, setting);
    }
}

#[test]
fn the_reference_time_to_live_defaults_to_a_minute_and_is_set_in_seconds() {
    let defaults = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(
        defaults.connection.sync.reference_ttl,
        Duration::from_secs(60)
    );
    let config =
        Config::from_sources(None, &env(&[("LEAFBRIDGE_REFERENCE_TTL_SECONDS", "5")])).unwrap();
    assert_eq!(config.connection.sync.reference_ttl, Duration::from_secs(5));
    let error =
        Config::from_sources(None, &env(&[("LEAFBRIDGE_REFERENCE_TTL_SECONDS", "x")])).unwrap_err();
    assert_eq!(error.setting, "LEAFBRIDGE_REFERENCE_TTL_SECONDS");
}

#[test]
fn file_values_may_be_typed_and_bad_ones_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leafbridge.toml");
    std::fs::write(
        &path,
        "retry_schedule_seconds = [1, 2]\nmanage_stock = false\n\
         feeding_facilities = [\"f1\"]\n[category_map]\nGummies = \"Edible\"\n",
    )
    .unwrap();
    let config = Config::from_sources(Some(&path), &env(&[])).unwrap();
    assert_eq!(
        config.retry_schedule,
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
    let sync = &config.connection.sync;
    assert!(!sync.manage_stock);
    assert_eq!(
        sync.feeding_facilities.as_deref(),
        Some(&["f1".to_owned()][..])
    );
    assert_eq!(sync.category_map, [("Gummies".into(), "Edible".into())]);
    std::fs::write(&path, "workers = \"many\"\n").unwrap();
    let error = Config::from_sources(Some(&path), &env(&[])).unwrap_err();
    assert_eq!(error.setting, "--config");
    assert!(error.problem.contains("workers") && error.problem.contains("not a whole number"));
    let error = Config::from_sources(None, &env(&[("LEAFBRIDGE_WORKERS", "many")])).unwrap_err();
    assert_eq!(error.setting, "LEAFBRIDGE_WORKERS");
    assert_eq!(error.problem, "\"many\" is not a whole number");
}

#[test]
fn variables_that_are_not_settings_are_ignored() {
    let config = Config::from_sources(
        None,
        &env(&[
            ("LEAFBRIDGE_TEST_BACKEND", "postgres"),
            ("LEAFBRIDGE_CONNECTIONS", "x"),
        ]),
    )
    .unwrap();
    assert!(config.connections.is_empty());
}

#[test]
fn a_connections_section_is_a_second_connection_of_the_same_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leafbridge.toml");
    std::fs::write(
        &path,
        "[connections.brand-b]\nleaflink_webhook_key = \"b-ll\"\nflourish_webhook_key = \"b-fl\"\n\
         leaflink_api_key = \"b-api\"\nflourish_api_key = \"b-fapi\"\nrouting = \"facility:7\"\n",
    )
    .unwrap();
    let config =
        Config::from_sources(Some(&path), &env(&[("LEAFBRIDGE_ROUTING", "facility:1")])).unwrap();
    assert_eq!(config.connection.name, "default");
    assert_eq!(
        config.connection.sync.routing,
        RoutingSetting::Facility("1".into())
    );
    let [brand] = &config.connections[..] else {
        panic!("one connection")
    };
    assert_eq!(brand.name, "brand-b");
    assert_eq!(brand.sync.routing, RoutingSetting::Facility("7".into()));
    assert_eq!(brand.leaflink.as_ref().unwrap().api_key.expose(), "b-api");
    assert_eq!(brand.flourish_webhook_keys[0].expose(), "b-fl");
    let text = format!("{config:?}");
    for secret in ["b-ll", "b-fl", "b-api", "b-fapi"] {
        assert!(!text.contains(secret), "{secret} in Debug output");
    }

    std::fs::write(
        &path,
        "[connections.brand-b]\nflourish_webhook_key = \"b\"\n",
    )
    .unwrap();
    let error = Config::from_sources(Some(&path), &env(&[])).unwrap_err();
    assert_eq!(error.setting, "connections.brand-b.leaflink_webhook_key");
    assert_eq!(error.problem, "is not set");
    std::fs::write(&path, "[connections.brand-b]\nlisten = \"x\"\n").unwrap();
    let error = Config::from_sources(Some(&path), &env(&[])).unwrap_err();
    assert_eq!(error.setting, "--config");
    assert!(
        error.problem.contains("connections.brand-b.listen"),
        "{}",
        error.problem
    );
    std::fs::write(&path, "[connections.\"Brand B\"]\n").unwrap();
    let error = Config::from_sources(Some(&path), &env(&[])).unwrap_err();
    assert_eq!(error.setting, "--config");
}

#[test]
fn the_mode_is_live_by_default_per_connection_and_a_bad_one_names_the_setting() {
    use crate::remote::Mode;
    let defaults = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(defaults.connection.sync.mode, Mode::Live);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leafbridge.toml");
    std::fs::write(
        &path,
        "[connections.brand-b]\nleaflink_webhook_key = \"b-ll\"\nflourish_webhook_key = \"b-fl\"\n\
         mode = \"shadow\"\n",
    )
    .unwrap();
    let config = Config::from_sources(Some(&path), &env(&[])).unwrap();
    assert_eq!(config.connection.sync.mode, Mode::Live);
    assert_eq!(config.connections[0].sync.mode, Mode::Shadow);
    let config = Config::from_sources(None, &env(&[("LEAFBRIDGE_MODE", "shadow")])).unwrap();
    assert_eq!(config.connection.sync.mode, Mode::Shadow);
    let error = Config::from_sources(None, &env(&[("LEAFBRIDGE_MODE", "dry")])).unwrap_err();
    assert_eq!(error.setting, "LEAFBRIDGE_MODE");
}
