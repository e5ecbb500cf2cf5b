//! Webhooks: signed deliveries, retries after a 500, redelivery, test
//! events, the forgery guard, and a receiver that is down then up.

use super::helpers::{Options, spawn_app, spawn_app_with};
use super::webhook_sink::{Received, WebhookSink};
use usher::domain::signature;

/// Add an endpoint through the console; returns (its page, its secret).
pub async fn add_endpoint(app: &super::helpers::TestApp, url: &str, events: &[&str]) -> (String, String) {
    let mut form = vec![("url", url)];
    form.extend(events.iter().map(|e| ("events", *e)));
    let html = app.post_form("/admin/webhooks", &form).await.text().await.unwrap();
    let secret = super::helpers::input_value(&html, "secret").expect("the secret is shown once");
    let list = app.get_html("/admin/webhooks").await;
    assert!(!list.contains(&secret), "and only once");
    // The newest endpoint is listed last.
    let page = list.split("href=\"/admin/webhooks/").last().unwrap().split('"').next().unwrap();
    (format!("/admin/webhooks/{page}"), secret)
}

fn assert_signed(r: &Received, secret: &str) {
    let id = &r.headers["webhook-id"];
    let ts: i64 = r.headers["webhook-timestamp"].parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    let expected = signature::sign(secret, id, ts, &r.body).unwrap();
    assert_eq!(r.headers["webhook-signature"], expected, "the signature verifies");
    assert!(id.starts_with("msg_"));
}

#[tokio::test]
async fn events_are_delivered_signed_and_retried_after_a_500() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let sink = WebhookSink::start().await;
    sink.fail_next.store(2, std::sync::atomic::Ordering::SeqCst);
    let (page, secret) = add_endpoint(&app, &sink.url, &["invitation.created", "user.created"]).await;
    assert_eq!(app.invite("ada@x.io", &[]).await.status(), 303);

    let created = sink.wait_for("invitation.created", 1).await;
    let users = sink.wait_for("user.created", 1).await;
    for r in created.iter().chain(&users) {
        assert_signed(r, &secret);
    }
    let body: serde_json::Value = serde_json::from_str(&created.last().unwrap().body).unwrap();
    assert_eq!(body["data"]["target"], "ada@x.io");
    // The two 500s were retried: three or more attempts reached the sink in all.
    assert!(sink.received.lock().unwrap().len() >= 4);
    let mut log = String::new();
    for _ in 0..50 {
        log = app.get_html(&page).await;
        if !log.contains(">pending<") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(log.contains("· 500 ·") && log.contains("· 204 ·"), "the delivery log shows each attempt: {log}");
    assert!(!log.contains("invitation.revoked"), "the filter holds");
}

#[tokio::test]
async fn redeliver_and_test_events_reach_the_endpoint_again() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let sink = WebhookSink::start().await;
    let (page, secret) = add_endpoint(&app, &sink.url, &[]).await;
    app.post_form(&format!("{page}/test"), &[]).await;
    let test = sink.wait_for("webhook.test", 1).await;
    assert_signed(&test[0], &secret);
    let html = app.get_html(&page).await;
    let redeliver = super::invitations::action(&html, "/redeliver");
    app.post_form(&redeliver, &[]).await;
    let again = sink.wait_for("webhook.test", 2).await;
    assert_eq!(again[0].headers["webhook-id"], again[1].headers["webhook-id"], "a redelivery keeps its id");
}

#[tokio::test]
async fn webhooks_to_private_addresses_are_refused_in_production_mode() {
    let app =
        spawn_app_with(Options { env: vec![("USHER_WEBHOOKS_ALLOW_PRIVATE", "false".into())], ..Options::default() })
            .await;
    app.signed_in_admin().await;
    for url in ["http://127.0.0.1:9/hook", "http://10.0.0.8/hook", "ftp://example.com/x"] {
        let r = app.post_form("/admin/webhooks", &[("url", url)]).await;
        assert_eq!(r.status(), 422, "{url}");
    }
    let r = app.post_form("/admin/webhooks", &[("url", "http://localhost:9/hook")]).await;
    assert!(r.text().await.unwrap().contains("loopback or private address"));
}

#[tokio::test]
async fn a_receiver_that_is_down_then_up_gets_every_event() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/hook");
    add_endpoint(&app, &url, &["invitation.created"]).await;
    for who in ["a@x.io", "b@x.io"] {
        app.invite(who, &[]).await;
    }
    // Deliveries are tried while the receiver is down.
    let failed = "SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
                  WHERE a.status_code IS NULL AND d.event_type = $1";
    app.wait_for_count(failed, "invitation.created", 2).await;
    // Up again on the same port.
    let sink = WebhookSink::start_on(port).await;
    let got = sink.wait_for("invitation.created", 2).await;
    let targets: Vec<String> = got
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["data"]["target"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(targets.contains(&"a@x.io".to_string()) && targets.contains(&"b@x.io".to_string()));
}

#[tokio::test]
async fn a_disabled_endpoint_receives_nothing_more() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let sink = WebhookSink::start().await;
    let (page, _) = add_endpoint(&app, &sink.url, &["invitation.created"]).await;
    app.post_form(&format!("{page}/enabled"), &[("enabled", "false")]).await;
    app.invite("quiet@x.io", &[]).await;
    app.post_form(&format!("{page}/test"), &[]).await;
    // Wait until the worker has finished with the test event: given up.
    app.wait_for_count("SELECT COUNT(*) FROM outbox WHERE channel = 'webhook' AND status = $1", "failed", 1).await;
    let queued = app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE event_type = 'invitation.created'").await;
    assert_eq!(queued, 0, "no event is queued for a disabled endpoint");
    assert!(sink.received.lock().unwrap().is_empty(), "nothing is sent to a disabled endpoint");
    assert!(app.get_html(&page).await.contains("the endpoint is disabled"));
}
