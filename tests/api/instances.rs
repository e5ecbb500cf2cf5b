//! Several instances on one database, as behind a load balancer.

use std::time::Duration;

use crate::helpers::{PASSWORD, TestApp, spawn_instances, spawn_instances_with};
use crate::webhook_sink::WebhookSink;
use usher::service::accounts;

#[tokio::test]
async fn instances_started_together_accept_each_others_sessions_and_setup_links() {
    let apps = spawn_instances(3).await;

    // Each instance prints a setup link; every one of them works until the
    // first admin exists.
    let mut paths = Vec::new();
    for app in &apps {
        let link = accounts::setup_link_if_needed(&app.state).await.unwrap().expect("no admin yet");
        paths.push(link.trim_start_matches(&app.address).to_string());
    }
    for (app, path) in apps.iter().zip(&paths) {
        assert_eq!(app.get(path).await.status(), 200, "the link printed by {} works", app.address);
    }
    let fields =
        [("email", "root@example.com"), ("name", "Root"), ("password", PASSWORD), ("password_confirm", PASSWORD)];
    assert_eq!(apps[1].post_form(&paths[1], &fields).await.status(), 303);
    for (app, path) in apps.iter().zip(&paths) {
        assert_eq!(app.get(path).await.status(), 410, "once an admin exists, every setup link is dead");
    }

    // Signed in on one instance, the person is signed in on all of them
    // (cookies are per host, not per port, so one browser visits all three).
    assert_eq!(apps[0].login("root@example.com").await.status(), 303);
    for app in &apps {
        let r = apps[0].client.get(format!("{}/admin/users", app.address)).send().await.unwrap();
        assert_eq!(r.status(), 200, "the session made on one instance works on {}", app.address);
    }
}

#[tokio::test]
async fn behind_a_slow_mail_relay_two_instances_send_every_invitation_exactly_once() {
    // Each message takes 150 ms to hand over, and a claimed message that no
    // delivery has started stays with one instance for only 300 ms: the
    // other instance takes over what the first has not started, and
    // nothing it has started.
    let apps = spawn_instances_with(2, Duration::from_millis(150), &[("USHER_CLAIM_LEASE_MS", "300")]).await;
    let admin = &apps[0];
    admin.signed_in_admin().await;
    let people = invite_twenty(admin).await;

    for person in &people {
        admin.smtp.wait_for(person).await;
    }
    // Wait until every message is recorded as delivered, then count.
    admin.wait_for_count("SELECT COUNT(*) FROM outbox WHERE status = $1", "delivered", 20).await;
    for person in &people {
        assert_eq!(admin.smtp.count_for(person), 1, "{person} got exactly one invitation");
    }
    assert_eq!(admin.count("SELECT COUNT(*) FROM outbox WHERE status = 'delivered'").await, 20);
}

/// Invite twenty people at once, sent now; returns their addresses.
async fn invite_twenty(admin: &TestApp) -> Vec<String> {
    let people: Vec<String> = (0..20).map(|i| format!("slow{i}@example.com")).collect();
    let list = people.join("\n");
    let fields = [("mode", "list"), ("list", list.as_str()), ("send_now", "on"), ("lang", "en")];
    let preview = admin.post_form("/admin/invitations/bulk/preview", &fields).await;
    assert_eq!(preview.status(), 200);
    admin.confirm_bulk(&preview.text().await.unwrap()).await;
    people
}

#[tokio::test]
async fn behind_a_slow_webhook_receiver_two_instances_deliver_every_event_exactly_once() {
    // Webhooks ride the same outbox machine as mail: the receiver takes
    // 150 ms to answer, an unstarted claim lasts 300 ms, so the second
    // instance takes over deliveries the first has not started, and none
    // it has.
    let apps = spawn_instances_with(2, Duration::ZERO, &[("USHER_CLAIM_LEASE_MS", "300")]).await;
    let admin = &apps[0];
    admin.signed_in_admin().await;
    let sink = WebhookSink::start_slow(Duration::from_millis(150)).await;
    crate::webhooks::add_endpoint(admin, &sink.url, &["invitation.created"]).await;
    let people = invite_twenty(admin).await;

    let delivered = "SELECT COUNT(*) FROM outbox WHERE channel = $1 AND status = 'delivered'";
    admin.wait_for_count(delivered, "webhook", 20).await;
    let got = sink.wait_for("invitation.created", 20).await;
    let mut per_id = std::collections::HashMap::new();
    for r in sink.received.lock().unwrap().iter() {
        *per_id.entry(r.headers["webhook-id"].clone()).or_insert(0) += 1;
    }
    assert_eq!(per_id.len(), 20, "one webhook-id per event");
    assert!(per_id.values().all(|n| *n == 1), "no event was sent twice: {per_id:?}");
    for person in &people {
        let to_them = got.iter().filter(|r| r.body.contains(&format!("\"target\":\"{person}\""))).count();
        assert_eq!(to_them, 1, "{person}'s invitation.created arrived once");
    }
    let attempts = admin.count("SELECT COUNT(*) FROM webhook_attempts").await;
    assert_eq!(attempts, 20, "every delivery took one attempt, and the log says so");
}
