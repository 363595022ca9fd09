//! Connection secrets at rest, on both backends: sealed in the database, refused without a key,
//! readable with the previous key during a rotation, and re-sealed by it.

use base64::Engine;
use leafbridge::config::Secret;
use leafbridge::connections::secrets::{self, SecretError};
use leafbridge::connections::vault::{Vault, VaultError};
use leafbridge::store::{Db, connections};

use crate::helpers::fresh_database;

fn key(byte: u8) -> Secret {
    Secret::new(base64::engine::general_purpose::STANDARD.encode([byte; 32]))
}

#[tokio::test]
async fn secrets_are_sealed_refused_without_a_key_and_survive_a_rotation() {
    let database = fresh_database().await;
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    assert!(
        connections::insert(&db.pool, "brand-b", "{}", 1)
            .await
            .unwrap()
    );
    assert!(
        !connections::insert(&db.pool, "brand-b", "{}", 2)
            .await
            .unwrap()
    );

    let plain = Secret::new("ll-api-key-brand-b-0123");
    let refused = secrets::store_secret(&db, None, "brand-b", "leaflink_api_key", &plain).await;
    let Err(SecretError::Vault(VaultError::NoKey)) = refused else {
        panic!("a secret was stored without a key: {refused:?}");
    };
    assert!(
        VaultError::NoKey
            .to_string()
            .contains("LEAFBRIDGE_SECRET_KEY"),
        "the refusal names the setting"
    );

    let old = Vault::new(Some(&key(1)), None).unwrap().unwrap();
    secrets::store_secret(&db, Some(&old), "brand-b", "leaflink_api_key", &plain)
        .await
        .unwrap();
    let stored = connections::secrets(&db.pool, Some("brand-b"))
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].sealed.contains(plain.expose()));
    assert_eq!(stored[0].fingerprint, "…0123");
    let opened = secrets::open_secrets(&db, Some(&old), "brand-b")
        .await
        .unwrap();
    assert_eq!(opened[0].1.expose(), plain.expose());

    let rotating = Vault::new(Some(&key(2)), Some(&key(1))).unwrap().unwrap();
    let during = secrets::open_secrets(&db, Some(&rotating), "brand-b")
        .await
        .unwrap();
    assert_eq!(during[0].1.expose(), plain.expose());
    assert_eq!(secrets::rotate(&db, &rotating).await.unwrap(), 1);
    assert_eq!(secrets::rotate(&db, &rotating).await.unwrap(), 0);
    let new_only = Vault::new(Some(&key(2)), None).unwrap().unwrap();
    let after = secrets::open_secrets(&db, Some(&new_only), "brand-b")
        .await
        .unwrap();
    assert_eq!(after[0].1.expose(), plain.expose());
    assert!(
        secrets::open_secrets(&db, Some(&old), "brand-b")
            .await
            .is_err()
    );

    assert!(connections::remove(&db.pool, "brand-b").await.unwrap());
    assert!(
        connections::secrets(&db.pool, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        connections::get(&db.pool, "brand-b")
            .await
            .unwrap()
            .is_none()
    );
}

fn leafbridge(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_leafbridge"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied());
    command.output().expect("running leafbridge")
}

#[tokio::test]
async fn rotate_key_re_encrypts_stored_secrets_and_a_bad_or_missing_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    connections::insert(&db.pool, "brand-b", "{}", 1)
        .await
        .unwrap();
    let old = Vault::new(Some(&key(1)), None).unwrap().unwrap();
    let plain = Secret::new("fl-webhook-brand-b");
    secrets::store_secret(&db, Some(&old), "brand-b", "flourish_webhook_key", &plain)
        .await
        .unwrap();
    let (new_key, old_key) = (key(2), key(1));
    let rotated = leafbridge(
        &["connections", "rotate-key"],
        &[
            ("LEAFBRIDGE_DATABASE_URL", &url),
            ("LEAFBRIDGE_SECRET_KEY", new_key.expose()),
            ("LEAFBRIDGE_SECRET_KEY_PREVIOUS", old_key.expose()),
        ],
    );
    let stdout = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    assert!(
        stdout.starts_with("1 stored secret(s) re-encrypted"),
        "{stdout}"
    );
    let new_only = Vault::new(Some(&key(2)), None).unwrap().unwrap();
    let opened = secrets::open_secrets(&db, Some(&new_only), "brand-b")
        .await
        .unwrap();
    assert_eq!(opened[0].1.expose(), plain.expose());

    let missing = leafbridge(
        &["connections", "rotate-key"],
        &[("LEAFBRIDGE_DATABASE_URL", &url)],
    );
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(stderr.contains("LEAFBRIDGE_SECRET_KEY"), "{stderr}");
    let bad = leafbridge(
        &["connections", "rotate-key"],
        &[
            ("LEAFBRIDGE_DATABASE_URL", &url),
            ("LEAFBRIDGE_SECRET_KEY", "short"),
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("LEAFBRIDGE_SECRET_KEY: must be 32 bytes"),
        "{stderr}"
    );
    assert!(!stderr.contains("short"));
}
