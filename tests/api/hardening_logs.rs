//! Issue #7, hardening: what the server log may hold (no link tokens, no
//! query strings, 4xx not at ERROR), `/metrics` behind a bearer token, the
//! CSP's `form-action`, and a new CSRF token at sign-in and sign-out.

use std::time::Duration;

use usher::service::accounts;

use super::helpers::{
    PASSWORD, TestApp, capture_server_log, invite_link, server_log_lines, spawn_app, spawn_app_with, spawn_client,
};

/// A user agent no other test sends: it finds this test's lines in the
/// log that every test of the binary writes to.
fn unique_agent() -> String {
    format!("hardening-logs-{}", uuid::Uuid::new_v4().simple())
}

/// Wait until the log has a line with `agent` and every one of `parts`.
async fn wait_for_log_line(agent: &str, parts: &[&str]) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let lines = server_log_lines(agent);
        if let Some(line) = lines.iter().find(|l| parts.iter().all(|p| l.contains(p))) {
            return line.clone();
        }
        if tokio::time::Instant::now() > deadline {
            panic!("no log line with {parts:?}; this test's lines:\n{}", lines.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn whole_log() -> String {
    String::from_utf8_lossy(&capture_server_log().lock().unwrap()).into_owned()
}

async fn post(app: &TestApp, agent: &str, path: &str, fields: &[(&str, &str)]) -> u16 {
    let r = app.client.post(app.url(path)).header("user-agent", agent).form(fields).send().await.expect("POST");
    r.status().as_u16()
}

#[tokio::test]
async fn an_invitees_failed_requests_never_write_their_link_to_the_log() {
    capture_server_log();
    let app = spawn_app().await;
    let agent = unique_agent();
    // The first-run setup link, refused for a missing CSRF cookie.
    let setup = accounts::setup_link_if_needed(&app.state).await.unwrap().expect("no admin yet");
    let setup_token = setup.rsplit('/').next().unwrap().to_string();
    assert_eq!(post(&spawn_client(&app), &agent, &setup, &[("email", "a@example.com")]).await, 403);

    app.signed_in_admin().await;
    assert_eq!(app.invite("ada@example.com", &[]).await.status(), 303);
    let link = invite_link(&app.smtp.wait_for("ada@example.com").await);
    let token = link.rsplit('/').next().unwrap().to_string();

    // No CSRF cookie at all (a browser that blocks cookies).
    let invitee = spawn_client(&app);
    assert_eq!(post(&invitee, &agent, &link, &[("given_name", "Ada")]).await, 403);
    // A stale form: the cookie changed since the page was loaded.
    let csrf = invitee.csrf().await;
    let stale = [("csrf_token", "x".repeat(43))];
    let stale: Vec<(&str, &str)> = stale.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&invitee, &agent, &format!("{link}/decline"), &stale).await, 403);
    // A form over the size limit, and a body over the upload limit.
    let long = "x".repeat(100 * 1024);
    let fields = [("csrf_token", csrf.as_str()), ("given_name", long.as_str())];
    assert_eq!(post(&invitee, &agent, &link, &fields).await, 413);
    let huge = vec![b'a'; 7 * 1024 * 1024];
    let r = invitee.client.post(&link).header("user-agent", &agent).body(huge).send().await.unwrap();
    assert_eq!(r.status(), 413);
    // "Send me a fresh link" too often.
    let mut last = 0;
    for _ in 0..4 {
        last = post(&invitee, &agent, &format!("{link}/refresh"), &[("csrf_token", &csrf)]).await;
    }
    assert_eq!(last, 429);

    // The log saw every one of them, with the token replaced...
    for (path, status) in [
        ("/setup/[redacted]", "403"),
        ("/invite/[redacted]", "403"),
        ("/invite/[redacted]/decline", "403"),
        ("/invite/[redacted]", "413"),
        ("/invite/[redacted]/refresh", "429"),
    ] {
        let target = format!("http.target={path} ");
        let line = wait_for_log_line(&agent, &[&target, &format!("http.status_code={status}")]).await;
        assert!(line.contains(" INFO "), "a refusal is not an error: {line}");
    }
    // ...and nowhere a usable link.
    let log = whole_log();
    assert!(!log.contains(&token), "the invitation token is in the log");
    assert!(!log.contains(&setup_token), "the setup token is in the log");
}

#[tokio::test]
async fn refused_and_redirected_requests_are_not_errors_and_their_query_strings_are_never_logged() {
    capture_server_log();
    let app = spawn_app().await;
    let agent = unique_agent();
    let term = format!("findme{}", uuid::Uuid::new_v4().simple());
    let get = |path: String| app.client.get(app.url(&path)).header("user-agent", &agent).send();

    // Signed out: the users search redirects to sign-in.
    assert_eq!(get(format!("/admin/users?q={term}")).await.unwrap().status(), 303);
    app.signed_in_admin().await;
    assert_eq!(get(format!("/admin/users?q={term}")).await.unwrap().status(), 200);
    assert_eq!(get(format!("/admin/no-such-page?q={term}")).await.unwrap().status(), 404);
    assert_eq!(get(format!("/api/v1/users?q={term}")).await.unwrap().status(), 401);

    let redirect = wait_for_log_line(&agent, &["http.target=/admin/users ", "http.status_code=303"]).await;
    assert!(redirect.contains("DEBUG"), "a redirect is routine: {redirect}");
    let missing = wait_for_log_line(&agent, &["http.target=/admin/no-such-page ", "http.status_code=404"]).await;
    assert!(missing.contains(" INFO "), "{missing}");
    wait_for_log_line(&agent, &["http.target=/api/v1/users ", "http.status_code=401"]).await;
    let ours = server_log_lines(&agent);
    assert!(ours.iter().all(|l| !l.contains("ERROR") && !l.contains(" WARN ")), "{}", ours.join("\n"));
    assert!(!whole_log().contains(&term), "a search term is in the log");
}

const METRICS_TOKEN: &str = "metrics-token-for-the-test-0123456789";

#[tokio::test]
async fn metrics_are_off_unless_a_token_is_set() {
    let app = spawn_app().await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("usher_invitations"));
}

#[tokio::test]
async fn metrics_answer_only_the_scraper_holding_the_token() {
    let env = vec![("USHER_METRICS_TOKEN", METRICS_TOKEN.to_string())];
    let app = spawn_app_with(super::helpers::Options { env, no_smtp: false }).await;
    app.signed_in_admin().await;
    app.invite("ada@example.com", &[]).await;
    let scrape = |auth: Option<String>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        req.send()
    };
    for auth in [None, Some("Bearer wrong-token-of-some-length".into()), Some(format!("Basic {METRICS_TOKEN}"))] {
        let r = scrape(auth.clone()).await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"), "{auth:?}");
        assert!(!r.text().await.unwrap().contains("usher_invitations"), "{auth:?}");
    }
    let r = scrape(Some(format!("Bearer {METRICS_TOKEN}"))).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("usher_invitations{status=\"pending\"} 1"));
}

/// The `form-action` directive of a response's CSP.
fn form_action(r: &reqwest::Response) -> String {
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    csp.split(';').map(str::trim).find(|d| d.starts_with("form-action")).expect("a form-action directive").into()
}

#[tokio::test]
async fn forms_may_post_only_to_this_site() {
    let app = spawn_app().await;
    assert_eq!(form_action(&app.get("/login").await), "form-action 'self'");
    app.signed_in_admin().await;
    assert_eq!(app.invite("ada@example.com", &[]).await.status(), 303);
    assert_eq!(form_action(&app.get("/admin/invitations/new").await), "form-action 'self'");
    // An invitation without a redirect URL: registering stays on the site.
    let link = invite_link(&app.smtp.wait_for("ada@example.com").await);
    assert_eq!(form_action(&spawn_client(&app).get(&link).await), "form-action 'self'");
}

#[tokio::test]
async fn the_registration_form_may_lead_only_to_its_invitations_redirect_site() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let extra = [("redirect_url", "https://app.example.com/start?from=usher")];
    assert_eq!(app.invite("ada@example.com", &extra).await.status(), 303);
    let link = invite_link(&app.smtp.wait_for("ada@example.com").await);
    let invitee = spawn_client(&app);
    assert_eq!(form_action(&invitee.get(&link).await), "form-action 'self' https://app.example.com");
    // Mistakes re-render the page: it still may.
    let r = invitee.post_form(&link, &[("password", PASSWORD), ("password_confirm", "other")]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(form_action(&r), "form-action 'self' https://app.example.com");
    let fields = [("given_name", "Ada"), ("family_name", "L"), ("password", PASSWORD), ("password_confirm", PASSWORD)];
    let r = invitee.post_form(&link, &fields).await;
    assert_eq!(r.headers()["location"], "https://app.example.com/start?from=usher");
    // Other pages are not widened.
    assert_eq!(form_action(&invitee.get("/login").await), "form-action 'self'");
}

#[tokio::test]
async fn signing_in_and_out_gives_the_browser_a_new_csrf_token() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", &["admin"]).await;
    let before = app.csrf().await;
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let signed_in = app.csrf().await;
    assert_ne!(signed_in, before, "sign-in sets a new CSRF cookie");
    // A form loaded before signing in is refused; one loaded after works.
    let old = [("name", "editor"), ("description", ""), ("csrf_token", before.as_str())];
    assert_eq!(app.post_raw("/admin/roles", &old).await.status(), 403);
    assert_eq!(app.post_form("/admin/roles", &[("name", "editor"), ("description", "")]).await.status(), 303);

    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
    let signed_out = app.csrf().await;
    assert_ne!(signed_out, signed_in, "sign-out sets a new CSRF cookie");
    let old = [("email", "admin@example.com"), ("password", PASSWORD), ("csrf_token", signed_in.as_str())];
    assert_eq!(app.post_raw("/login", &old).await.status(), 403);
    assert_eq!(app.login("admin@example.com").await.status(), 303);
}
