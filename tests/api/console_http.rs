//! The console's sign-in, session cookie, CSRF and one-time links over plain HTTP (the browser
//! test covers the pages; these run everywhere).

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::redirect::Policy;

use crate::helpers::{ADMIN_TOKEN, TestApp};
use crate::operator_support::{Scripted, spawn_scripted};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The `name=value` of a `Set-Cookie` header named `name`, and the whole header.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| (v.split(';').next().unwrap_or("").to_owned(), v.to_owned()))
}

/// The sign-in form's CSRF cookie and field value.
async fn sign_in_form(app: &TestApp, http: &reqwest::Client) -> (String, String) {
    let form = http
        .get(format!("{}/console/sign-in", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let (cookie, _) = set_cookie(&form, "lb_console_signin").expect("the form's cookie");
    let value = cookie.split_once('=').unwrap().1.to_owned();
    (cookie, value)
}

async fn sign_in(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
    proto: &str,
) -> reqwest::Response {
    let (cookie, csrf) = sign_in_form(app, http).await;
    http.post(format!("{}/console/sign-in", app.address))
        .header("cookie", cookie)
        .header("x-forwarded-proto", proto)
        .form(&[
            ("token", token),
            ("csrf", &csrf),
            ("next", "/console/links"),
        ])
        .send()
        .await
        .unwrap()
}

/// The CSRF token in a page's forms.
fn csrf_of(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn sign_in_makes_a_strict_http_only_session_and_forms_need_its_csrf_token() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let http = client();
    let away = http
        .get(format!("{}/console/events", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(away.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        away.headers()["location"],
        "/console/sign-in?next=%2Fconsole%2Fevents"
    );

    let wrong = sign_in(&app, &http, "not-the-token", "http").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(set_cookie(&wrong, "lb_console").is_none());
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("the token is not valid")
    );

    let forged = http
        .post(format!("{}/console/sign-in", app.address))
        .form(&[("token", ADMIN_TOKEN), ("csrf", "guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "no form cookie, no sign-in"
    );

    let over_tls = sign_in(&app, &http, ADMIN_TOKEN, "https").await;
    let (_, header) = set_cookie(&over_tls, "lb_console").unwrap();
    assert!(header.contains("; Secure"), "{header}");

    let signed = sign_in(&app, &http, ADMIN_TOKEN, "http").await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed.headers()["location"], "/console/links");
    let (session, header) = set_cookie(&signed, "lb_console").unwrap();
    assert!(header.contains("HttpOnly") && header.contains("SameSite=Strict"));
    assert!(!header.contains("Secure"), "plain HTTP: {header}");

    let page = http
        .get(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csrf = csrf_of(&page.text().await.unwrap());

    let pin = [
        ("pin-kind", "product"),
        ("key", "SKU-<1>"),
        ("remote_id", "5150"),
    ];
    let refused = http
        .post(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .form(&pin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::FORBIDDEN,
        "a form without the token"
    );
    let mut with_token = pin.to_vec();
    with_token.push(("csrf", &csrf));
    let pinned = http
        .post(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(pinned.status(), StatusCode::SEE_OTHER);
    let listed = app.admin_get("/api/v1/links?kind=product").await;
    let listed: serde_json::Value = listed.json().await.unwrap();
    assert_eq!(
        listed["items"][0]["key"], "SKU-<1>",
        "the API sees the console's pin"
    );
    let page = http
        .get(format!("{}/console/links", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("SKU-&lt;1&gt;") && !page.contains("SKU-<1>"));

    let out = http
        .post(format!("{}/console/sign-out", app.address))
        .header("cookie", &session)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = http
        .get(format!("{}/console/", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session ended");
}

#[tokio::test]
async fn a_one_time_link_signs_in_once() {
    let app = spawn_scripted(Arc::new(Scripted::default())).await;
    let http = client();
    let secret = leafbridge::console::session::one_time_link(&app.db)
        .await
        .unwrap();
    let url = format!("{}/console/sign-in/link?token={secret}", app.address);
    let first = http.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let (session, _) = set_cookie(&first, "lb_console").unwrap();
    let overview = http
        .get(format!("{}/console/", app.address))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(overview.text().await.unwrap().contains("Queue depth"));
    let again = http.get(&url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert!(again.text().await.unwrap().contains("used already"));
}
