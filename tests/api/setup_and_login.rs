use usher::service::accounts;

use super::helpers::{PASSWORD, input_value, spawn_app};

#[tokio::test]
async fn the_first_run_setup_link_creates_the_first_admin_and_then_dies() {
    let app = spawn_app().await;
    let link = accounts::setup_link_if_needed(&app.state).await.unwrap().expect("no admin yet, so a link");
    let path = link.trim_start_matches(&app.address).to_string();
    assert_eq!(app.get(&path).await.status(), 200);

    // A weak password is refused beside the field, the email kept.
    let r = app
        .post_form(
            &path,
            &[("email", "root@example.com"), ("name", "Root"), ("password", "short"), ("password_confirm", "short")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Use at least 10 characters"));
    assert_eq!(input_value(&html, "email").as_deref(), Some("root@example.com"));

    let r = app
        .post_form(
            &path,
            &[("email", "root@example.com"), ("name", "Root"), ("password", PASSWORD), ("password_confirm", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.login("root@example.com").await.headers()["location"], "/admin/users");
    assert_eq!(app.get("/admin/settings").await.status(), 200, "the first user is an admin");

    // The link is dead now, and no new one is offered.
    assert_eq!(app.get(&path).await.status(), 410);
    assert!(accounts::setup_link_if_needed(&app.state).await.unwrap().is_none());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("ops@example.com", &["admin"]).await;
    let wrong = app.post_form("/login", &[("email", "ops@example.com"), ("password", "not the password")]).await;
    let unknown = app.post_form("/login", &[("email", "nobody@example.com"), ("password", "not the password")]).await;
    assert_eq!(wrong.status(), unknown.status());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(wrong.contains(accounts::BAD_LOGIN));
    assert!(unknown.contains(accounts::BAD_LOGIN));
    assert_eq!(input_value(&unknown, "email").as_deref(), Some("nobody@example.com"), "the email is kept");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    assert_eq!(app.get("/admin/users").await.status(), 200);
    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
    let r = app.get("/admin/users").await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn a_deactivated_admin_is_signed_out_everywhere() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.create_user("second@example.com", &["admin"]).await;
    let other = super::helpers::spawn_client(&app);
    assert_eq!(other.login("second@example.com").await.status(), 303);
    assert_eq!(other.get("/admin/users").await.status(), 200);
    let users_page = app.get_html("/admin/users").await;
    let action = users_page
        .split("action=\"")
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with("/deactivate"))
        .expect("a deactivate action for the other admin")
        .to_string();
    assert_eq!(app.post_form(&action, &[]).await.status(), 303);
    assert_eq!(other.get("/admin/users").await.status(), 303, "their session is gone");
    assert_eq!(other.login("second@example.com").await.status(), 200, "and they cannot sign in");
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = spawn_app().await;
    let mut last = 0;
    for _ in 0..7 {
        last = app
            .post_form("/login", &[("email", "victim@example.com"), ("password", "guess-guess-guess")])
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);
    // A minute later the limit has let go: the answer is the ordinary one.
    app.clock.advance(chrono::TimeDelta::minutes(1));
    let r = app.post_form("/login", &[("email", "victim@example.com"), ("password", "guess-guess-guess")]).await;
    assert_ne!(r.status(), 429);
    assert!(r.text().await.unwrap().contains(accounts::BAD_LOGIN));
}

#[tokio::test]
async fn trying_many_accounts_from_one_address_is_rate_limited_too() {
    let app = spawn_app().await;
    let mut statuses = Vec::new();
    for i in 0..32 {
        let email = format!("guess{i}@example.com");
        statuses.push(
            app.post_form("/login", &[("email", email.as_str()), ("password", "guess-guess-guess")])
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses[0], 200);
    assert_eq!(statuses.last(), Some(&429));
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let none = app.post_raw("/admin/roles", &[("name", "sneaky"), ("description", "")]).await;
    assert_eq!(none.status(), 403);
    assert!(none.text().await.unwrap().contains("This form has expired"));
    let wrong = app
        .post_raw("/admin/roles", &[("name", "sneaky"), ("description", ""), ("csrf_token", "x".repeat(43).as_str())])
        .await;
    assert_eq!(wrong.status(), 403);
    assert!(!app.get_html("/admin/roles").await.contains("sneaky"));
    assert_eq!(app.post_form("/admin/roles", &[("name", "editor"), ("description", "Edits")]).await.status(), 303);
    assert!(app.get_html("/admin/roles").await.contains("editor"));
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/readyz").await.text().await.unwrap(), "ready");
    // Metrics are off without USHER_METRICS_TOKEN (see hardening_logs).
    assert_eq!(app.get("/metrics").await.status(), 404);
}
