//! How the LeafLink client behaves when the platform pushes back: rate limits with
//! `Retry-After`, server errors, refused credentials, and keeping the key out of logs.

use std::time::Duration;

use leafbridge::leaflink::AuthScheme;
use leafbridge::remote::ClientError;

use super::leaflink_client::new_product;
use super::leaflink_support::*;

#[tokio::test]
async fn rate_limit_with_short_retry_after_is_waited_out() {
    let sim = start_sim(0, None).await;
    sim.control().rate_limit_next(1, 1);
    let brands = client(&sim).list_brands().await.unwrap();
    assert_eq!(brands.len(), 2);
    assert_eq!(sim.control().requests().len(), 2);
}

#[tokio::test]
async fn rate_limit_with_long_retry_after_goes_back_to_the_caller() {
    let sim = start_sim(0, None).await;
    sim.control().rate_limit_next(1, 120);
    let error = client(&sim).list_brands().await.unwrap_err();
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(sim.control().requests().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_then_surface_as_retryable() {
    let sim = start_sim(0, None).await;
    sim.control().fail_next(1, 502);
    assert_eq!(client(&sim).get_product(5150).await.unwrap().id, 5150);
    sim.control().clear_requests();
    sim.control().fail_next(20, 503);
    let error = client(&sim).get_product(5150).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Server { status: 503, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(sim.control().requests().len(), 4);
}

#[tokio::test]
async fn product_create_is_not_retried_after_a_server_error() {
    let sim = start_sim(0, None).await;
    sim.control().fail_next(1, 503);
    let error = client(&sim)
        .create_product(&new_product("ONCE-1", PRE_ROLLS, vec![]))
        .await
        .unwrap_err();
    assert!(error.is_retryable());
    assert_eq!(sim.control().requests().len(), 1);
}

#[tokio::test]
async fn wrong_key_is_unauthorized_and_permanent_while_token_scheme_works() {
    let sim = start_sim(0, None).await;
    let error = client_with_key(&sim, "wrong", AuthScheme::App)
        .list_brands()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClientError::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(
        client_with_key(&sim, API_KEY, AuthScheme::Token)
            .list_brands()
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn api_key_never_shows_in_debug_output() {
    let sim = start_sim(0, None).await;
    let client = client(&sim);
    assert!(!format!("{client:?}").contains(API_KEY));
    let config = leafbridge::leaflink::LeafLinkConfig {
        base_url: sim.base_url(),
        api_key: API_KEY.into(),
        auth_scheme: AuthScheme::App,
        transport: leafbridge::remote::TransportConfig::leaflink_default(),
    };
    let shown = format!("{config:?}");
    assert!(
        !shown.contains(API_KEY) && shown.contains("redacted"),
        "{shown}"
    );
}
