//! The audit log: entries for actions and denials, filters, CSV, scoping,
//! retention.

use super::helpers::{spawn_app, spawn_client};
use super::invitations::action;

#[tokio::test]
async fn actions_and_denials_are_in_the_audit_log_and_its_csv() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.invite("ada@x.io", &[]).await;
    app.post_form(&action(&app.get_html("/admin/users?q=ada").await, "/revoke"), &[]).await;
    app.create_user("support@x.io", &["user_invite"]).await;
    let support = spawn_client(&app);
    support.login("support@x.io").await;
    assert_eq!(support.get("/admin/settings").await.status(), 403);
    assert_eq!(support.get("/admin/audit").await.status(), 403, "support staff do not see the audit log");

    let page = app.get_html("/admin/audit").await;
    for a in ["invitation.created", "invitation.revoked", "user.created", "session.login", "access.denied"] {
        assert!(page.contains(&format!("data-action=\"{a}\"")), "{a} is recorded");
    }
    let filtered = app.get_html("/admin/audit?action=invitation.revoked").await;
    assert!(filtered.contains("1 entry") && filtered.contains("ada@x.io"));
    let by_actor = app.get_html("/admin/audit?actor=support").await;
    assert!(
        by_actor.contains("data-action=\"access.denied\"") && !by_actor.contains("data-action=\"invitation.created\"")
    );
    let r = app.get("/admin/audit.csv?action=invitation.created").await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("at,actor,action,target,tenant_id,ip,user_agent,details"));
    assert!(csv.contains("admin@example.com,invitation.created,ada@x.io"));
    let bad = app.get_html("/admin/audit?from=yesterday").await;
    assert!(bad.contains("Enter dates like 2026-11-21"));
}

#[tokio::test]
async fn a_tenant_scoped_viewer_sees_only_their_tenants_entries() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let globex = app.tenant("Globex", "globex").await;
    app.invite("in-acme@x.io", &[("tenants", &acme.to_string())]).await;
    app.invite("in-globex@x.io", &[("tenants", &globex.to_string())]).await;
    app.create_user("lead@x.io", &[]).await;
    app.grant("lead@x.io", "secondary_admin", Some(acme)).await;
    let lead = spawn_client(&app);
    lead.login("lead@x.io").await;
    let page = lead.get_html(&format!("/admin/audit?tenant={globex}")).await;
    assert!(page.contains("in-acme@x.io") && !page.contains("in-globex@x.io"));
}

#[tokio::test]
async fn entries_older_than_the_retention_are_purged() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    // The entries so far are a month old by the time the retention is cut
    // (a month is within the default retention, so the sweeper's pass at
    // start-up, whenever it runs, keeps them).
    let then = usher::clock::Clock::now(app.clock.as_ref()).format("%Y-%m-%dT%H:%M:%S%.6f+00:00");
    let leak = |sql: String| -> &'static str { Box::leak(sql.into_boxed_str()) };
    let old = leak(format!("SELECT COUNT(*) FROM audit_log WHERE at <= '{then}'"));
    app.clock.advance(chrono::TimeDelta::days(30));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    // Young entries, made a month later.
    assert_eq!(app.invite("young@example.com", &[]).await.status(), 303);
    let mut form = super::invitations::settings(7, "days", 7, "days", "60");
    form.push(("audit_retention_days", "7"));
    assert_eq!(app.post_form("/admin/settings", &form).await.status(), 303);
    assert!(app.count(old).await > 0);
    let young = app.count("SELECT COUNT(*) FROM audit_log WHERE target = 'young@example.com'").await;
    assert!(young >= 2, "user.created and invitation.created");
    usher::jobs::sweeper::pass(&app.state).await.unwrap();
    assert_eq!(app.count(old).await, 0, "entries past the retention are purged");
    let kept = app.count("SELECT COUNT(*) FROM audit_log WHERE target = 'young@example.com'").await;
    assert_eq!(kept, young, "entries within the retention survive");
}
