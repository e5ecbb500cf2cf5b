//! Issue #7, user management: "Resend all expired" acts on what was
//! confirmed, no resend offered into a disabled tenant, actions return to
//! their page, the quota says when the next invitation is possible, and
//! redelivering a webhook keeps the history.

use chrono::{DateTime, Duration, Timelike, Utc};

use usher::clock::Clock;

use super::helpers::{TestApp, input_value, spawn_app, verdict};
use super::invitations::settings;
use super::webhook_sink::WebhookSink;

/// The action and hidden fields of the first form whose action ends with
/// `suffix`.
fn form_fields(html: &str, suffix: &str) -> (String, Vec<(String, String)>) {
    for form in html.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap();
        let action = form.split("action=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
        if !action.ends_with(suffix) {
            continue;
        }
        let fields = form
            .split("<input")
            .skip(1)
            .filter(|i| i.contains("type=\"hidden\""))
            .filter_map(|i| {
                let name = i.split("name=\"").nth(1)?.split('"').next()?;
                let value = i.split("value=\"").nth(1)?.split('"').next()?;
                Some((name.to_string(), unescape(value)))
            })
            .filter(|(name, _)| name != "csrf_token")
            .collect();
        return (unescape(action), fields);
    }
    panic!("no form ending with {suffix} on the page");
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Submit the form ending with `suffix` as the page has it.
async fn submit(app: &TestApp, html: &str, suffix: &str) -> reqwest::Response {
    let (action, fields) = form_fields(html, suffix);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(&action, &fields).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// A timestamp as the database stores it, for SQL that moves the clock.
fn sql_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// A statement with a timestamp in it (the helpers take `'static` SQL).
fn with_time(sql: &str, t: DateTime<Utc>) -> &'static str {
    Box::leak(sql.replace("{t}", &sql_time(t)).into_boxed_str())
}

/// How the console shows "the next one is possible at": the minute, rounded up.
fn shown_minute(t: DateTime<Utc>) -> String {
    let floor = t.with_second(0).unwrap().with_nanosecond(0).unwrap();
    let up = if floor == t { t } else { floor + Duration::minutes(1) };
    up.format("%Y-%m-%d %H:%M UTC").to_string()
}

const OUTBOX_FOR: &str = "SELECT COUNT(*) FROM outbox WHERE recipient = $1";
const RESENT: &str = "SELECT COUNT(*) FROM invitations WHERE login_id = $1 AND resent_count > 0";

async fn admin_without_cooldown() -> TestApp {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    assert_eq!(app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await.status(), 303);
    app
}

// ---- 22: "Resend all expired" resends exactly what was confirmed ----

#[tokio::test]
async fn resend_all_expired_resends_exactly_the_people_listed_on_the_confirm_page() {
    let app = admin_without_cooldown().await;
    for who in ["a@x.io", "b@x.io"] {
        assert_eq!(app.invite(who, &[]).await.status(), 303);
    }
    // An hour later "late" is invited; a week after the first two, theirs
    // have run out and late's has an hour left.
    app.clock.advance(Duration::hours(1));
    assert_eq!(app.invite("late@x.io", &[]).await.status(), 303);
    app.clock.advance(Duration::days(7) - Duration::hours(1) + Duration::seconds(1));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let confirm = app.get_html("/admin/users/resend-expired").await;
    assert!(confirm.contains("Resend 2 invitations"), "{confirm}");
    assert!(confirm.contains("Who will get a new invitation"));
    assert!(confirm.contains("<li data-login-id=\"a@x.io\">a@x.io (Ada Lovelace)</li>"), "{confirm}");
    assert!(confirm.contains("data-login-id=\"b@x.io\""));
    assert!(!confirm.contains("data-login-id=\"late@x.io\""));
    // Another invitation expires while the person reads the page.
    app.clock.advance(Duration::hours(1));
    let result = submit(&app, &confirm, "/admin/users/resend-expired").await.text().await.unwrap();
    assert!(result.contains("2 of 2 done"), "{result}");
    assert!(!result.contains("late@x.io"), "{result}");
    app.wait_for_count(OUTBOX_FOR, "a@x.io", 2).await;
    app.wait_for_count(OUTBOX_FOR, "b@x.io", 2).await;
    assert_eq!(app.count_where(RESENT, "late@x.io").await, 0, "not confirmed, not resent");
    assert_eq!(app.count_where(OUTBOX_FOR, "late@x.io").await, 1, "only the first invitation was queued");
}

#[tokio::test]
async fn resend_all_expired_skips_an_invitation_that_changed_after_confirming_and_says_so() {
    let app = admin_without_cooldown().await;
    for who in ["a@x.io", "b@x.io"] {
        app.invite(who, &[]).await;
    }
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let confirm = app.get_html("/admin/users/resend-expired").await;
    assert!(confirm.contains("Resend 2 invitations"));
    // Someone resends a@x.io by hand in the meantime.
    let page = app.get_html(&format!("/admin/users/{}", app.user_id("a@x.io").await)).await;
    assert_eq!(submit(&app, &page, "/resend").await.status(), 303);
    let result = submit(&app, &confirm, "/admin/users/resend-expired").await.text().await.unwrap();
    assert!(result.contains("1 of 2 done"), "{result}");
    assert!(
        result.contains("Not done: skipped: no longer expired (now pending); it changed after you confirmed"),
        "{result}"
    );
    assert_eq!(app.count_where(OUTBOX_FOR, "a@x.io").await, 2, "resent once by hand, not again");
    app.wait_for_count(OUTBOX_FOR, "b@x.io", 2).await;
}

#[tokio::test]
async fn a_long_resend_all_expired_list_names_fifty_people_and_counts_the_rest() {
    let app = admin_without_cooldown().await;
    let key = app.api_key("admin", None).await;
    let items: Vec<serde_json::Value> =
        (0..52).map(|i| serde_json::json!({ "login_id": format!("p{i:02}@many.io"), "send": false })).collect();
    let (status, body) =
        app.api("POST", "/api/v1/invitations/batch", &key, Some(serde_json::json!({ "invitations": items }))).await;
    assert_eq!((status, body["created"].as_i64()), (200, Some(52)), "{body}");
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let confirm = app.get_html("/admin/users/resend-expired").await;
    assert!(confirm.contains("Resend 52 invitations"));
    assert_eq!(confirm.matches("<li data-login-id=").count(), 50);
    assert!(confirm.contains("data-login-id=\"p49@many.io\"") && !confirm.contains("data-login-id=\"p50@many.io\""));
    assert!(confirm.contains("and 2 more"));
    let ids = input_value(&confirm, "invitation_ids").unwrap();
    assert_eq!(ids.split(',').count(), 52, "the form carries every one of them");
}

// ---- 25: nothing offered that cannot work ----

#[tokio::test]
async fn an_invitation_into_a_disabled_tenant_offers_no_resend_or_fresh_link_and_says_why() {
    let app = admin_without_cooldown().await;
    let acme = app.tenant("Acme", "acme").await;
    assert_eq!(app.invite("in@acme.io", &[("tenants", &acme.to_string())]).await.status(), 303);
    let form = [("name", "Acme"), ("disabled", "on"), ("allowed_domains", "")];
    assert_eq!(app.post_form(&format!("/admin/tenants/{acme}"), &form).await.status(), 303);
    let why = "Tenant Acme is disabled: its invitations cannot be resent";
    let user_page = format!("/admin/users/{}", app.user_id("in@acme.io").await);
    for path in [user_page.as_str(), "/admin/users", "/admin/invitations"] {
        let html = app.get_html(path).await;
        assert!(html.contains(why), "{path} says why: {html}");
        assert!(!html.contains("/resend\"") && !html.contains("/link\""), "{path} offers no resend: {html}");
        assert!(html.contains("/revoke\""), "{path} still offers revoke");
    }
    // Asked anyway, the refusal says the same.
    let revoke = form_fields(&app.get_html(&user_page).await, "/revoke").0;
    let r = app.post_form(&revoke.replace("/revoke", "/resend"), &[("return_to", &user_page)]).await;
    assert_eq!(location(&r), user_page);
    assert!(app.get_html(&user_page).await.contains(why));
}

// ---- 26: actions return to where they were taken ----

#[tokio::test]
async fn resend_revoke_and_fresh_link_return_to_the_page_they_were_started_from() {
    let app = admin_without_cooldown().await;
    app.invite("p@x.io", &[]).await;
    let user_page = format!("/admin/users/{}", app.user_id("p@x.io").await);

    let html = app.get_html(&user_page).await;
    let r = submit(&app, &html, "/resend").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, user_page.clone()));
    assert!(app.get_html(&user_page).await.contains("Invitation resent"));

    let html = app.get_html(&user_page).await;
    let shown = submit(&app, &html, "/link").await.text().await.unwrap();
    assert!(shown.contains(&format!("<a href=\"{user_page}\">Back</a>")), "{shown}");

    // The users table keeps its filters and page.
    let table = app.get_html("/admin/users?status=invited&sort=name&page=1").await;
    let r = submit(&app, &table, "/resend").await;
    let back = location(&r);
    assert!(back.starts_with("/admin/users?") && back.contains("status=invited") && back.contains("sort=name"));
    assert!(back.contains("page=1"), "{back}");

    let list = app.get_html("/admin/invitations?status=pending").await;
    let r = submit(&app, &list, "/revoke").await;
    assert!(location(&r).starts_with("/admin/invitations?status=pending"), "{}", location(&r));
    assert_eq!(app.invitation_status("p@x.io").await, "revoked");
}

#[tokio::test]
async fn an_action_returns_only_to_a_page_of_this_site() {
    let app = admin_without_cooldown().await;
    app.invite("p@x.io", &[]).await;
    let user_page = format!("/admin/users/{}", app.user_id("p@x.io").await);
    let (resend, _) = form_fields(&app.get_html(&user_page).await, "/resend");
    for evil in ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "admin/users"] {
        let r = app.post_form(&resend, &[("return_to", evil)]).await;
        assert_eq!(location(&r), "/admin/users", "{evil:?}");
    }
    // Without the field, the Referer names the page, if it is this site's.
    let token = app.csrf().await;
    for (referer, expected) in [
        (app.url(&format!("{user_page}?tab=1")), format!("{user_page}?tab=1")),
        ("https://evil.example/admin/users/1".to_string(), "/admin/users".to_string()),
    ] {
        let r = app
            .client
            .post(app.url(&resend))
            .header("referer", referer)
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), expected);
    }
    // The explicit field wins over the Referer.
    let r = app
        .client
        .post(app.url(&resend))
        .header("referer", app.url("/admin/invitations"))
        .form(&[("csrf_token", token.as_str()), ("return_to", user_page.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), user_page);
}

// ---- 27: the quota says when the next invitation is possible ----

async fn quota_of_two() -> (TestApp, DateTime<Utc>) {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut form = settings(7, "days", 7, "days", "60");
    form.push(("invites_per_inviter_per_day", "2"));
    assert_eq!(app.post_form("/admin/settings", &form).await.status(), 303);
    // The oldest counted invitation was made 23 hours ago.
    let oldest = app.clock.now();
    assert_eq!(app.invite("one@x.io", &[]).await.status(), 303);
    app.clock.advance(Duration::hours(23));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    assert_eq!(app.invite("two@x.io", &[]).await.status(), 303);
    (app, oldest + Duration::hours(24))
}

#[tokio::test]
async fn over_the_quota_a_single_invitation_says_when_the_next_one_is_possible() {
    let (app, next) = quota_of_two().await;
    let r = app.invite("three@x.io", &[]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let expected = format!(
        "You have sent 2 invitations in the last 24 hours (your limit is 2); the next one is possible at {}",
        shown_minute(next)
    );
    assert!(html.contains(&expected), "{expected} in {html}");
    assert!(!html.contains("tomorrow"));
}

#[tokio::test]
async fn over_quota_rows_of_a_bulk_preview_say_when_the_next_invitation_is_possible() {
    let (app, next) = quota_of_two().await;
    let html = app
        .post_form("/admin/invitations/bulk/preview", &[("mode", "list"), ("list", "three@x.io")])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        verdict(&html, "three@x.io"),
        format!(
            "skipped: over your daily quota: your limit is 2 invitations in 24 hours; the next one is possible at {}",
            shown_minute(next)
        )
    );
}

#[tokio::test]
async fn over_the_quota_the_api_answers_429_with_retry_after_and_the_time_in_the_problem() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut form = settings(7, "days", 7, "days", "60");
    form.push(("invites_per_inviter_per_day", "1"));
    app.post_form("/admin/settings", &form).await;
    let key = app.api_key("admin", None).await;
    let invite = |who: &str| serde_json::json!({ "login_id": who, "send": false });
    // The key's invitation was made 23 hours ago: the next is possible in an hour.
    let made = app.clock.now();
    let (status, _) = app.api("POST", "/api/v1/invitations", &key, Some(invite("one@x.io"))).await;
    assert_eq!(status, 201);
    app.clock.advance(Duration::hours(23));
    let second = || {
        app.client
            .post(app.url("/api/v1/invitations"))
            .bearer_auth(&key)
            .header("idempotency-key", "second-invitation")
            .json(&invite("two@x.io"))
    };
    let r = second().send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3_500..=3_660).contains(&retry), "about an hour: {retry}");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.ends_with(&format!("the next one is possible at {}", shown_minute(made + Duration::hours(24)))),
        "{detail}"
    );
    // Once the quota frees up, retrying with the same Idempotency-Key (as a
    // client following Retry-After does) creates the invitation: the
    // refusal was not kept for that key.
    app.clock.advance(Duration::hours(2));
    let r = second().send().await.unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers().get("idempotent-replayed").is_none());
}

// ---- 28: redeliver keeps the history and checks the webhook ----

async fn delivered_test_event(app: &TestApp, sink: &WebhookSink) -> (String, String) {
    let (page, _) = super::webhooks::add_endpoint(app, &sink.url, &[]).await;
    app.post_form(&format!("{page}/test"), &[]).await;
    sink.wait_for("webhook.test", 1).await;
    app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND status = $1", "delivered", 1).await;
    let redeliver = form_fields(&app.get_html(&page).await, "/redeliver").0;
    let delivery = redeliver.split("/deliveries/").nth(1).unwrap().trim_end_matches("/redeliver").to_string();
    (page, delivery)
}

#[tokio::test]
async fn redeliver_sends_a_new_delivery_and_keeps_the_original_as_it_was() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let sink = WebhookSink::start().await;
    // The event was queued two days ago.
    let queued = app.clock.now();
    let (page, _) = delivered_test_event(&app, &sink).await;
    app.clock.advance(Duration::days(2));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let r = submit(&app, &app.get_html(&page).await, "/redeliver").await;
    assert_eq!(r.status(), 303);
    let again = sink.wait_for("webhook.test", 2).await;
    assert_eq!(again[0].headers["webhook-id"], again[1].headers["webhook-id"], "a redelivery keeps its id");
    app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND status = $1", "delivered", 2).await;
    let old = with_time(
        "SELECT COUNT(*) FROM outbox o JOIN webhook_deliveries d ON d.id = o.webhook_delivery_id
         WHERE o.created_at < '{t}' AND o.attempts = 1 AND d.event_type = $1",
        // Queued within the minute two days ago, not now.
        queued + Duration::minutes(1),
    );
    assert_eq!(app.count_where(old, "webhook.test").await, 1, "the original keeps its queued time and its log");
    let html = app.get_html(&page).await;
    assert_eq!(html.matches("data-event=\"webhook.test\"").count(), 2, "both deliveries are in the log: {html}");
    assert!(html.contains(&queued.format("%Y-%m-%d %H:%M UTC").to_string()));
}

#[tokio::test]
async fn a_delivery_of_another_webhook_cannot_be_redelivered_through_this_one() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let sink = WebhookSink::start().await;
    let (_, delivery) = delivered_test_event(&app, &sink).await;
    let other = WebhookSink::start().await;
    let (other_page, _) = super::webhooks::add_endpoint(&app, &other.url, &[]).await;
    let r = app.post_form(&format!("{other_page}/deliveries/{delivery}/redeliver"), &[]).await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries").await, 1, "nothing was queued");
    assert!(!app.get_html(&other_page).await.contains("webhook.test"));
}
