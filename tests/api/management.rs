//! The users table, user detail, row and bulk actions, tenants and scoping.

use super::helpers::{PASSWORD, TestApp, input_value, invite_link, spawn_app, spawn_client};
use super::invitations::{action, settings};

async fn invited(app: &TestApp, login_id: &str, extra: &[(&str, &str)]) {
    assert_eq!(app.invite(login_id, extra).await.status(), 303, "invite {login_id}");
}

#[tokio::test]
async fn the_users_table_searches_filters_and_sorts() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.role("editor", "project").await;
    let acme = app.tenant("Acme", "acme").await;
    invited(&app, "zed@x.io", &[("given_name", "Zed"), ("family_name", "Zulu")]).await;
    invited(&app, "amy@x.io", &[("given_name", "Amy"), ("family_name", "Alpha"), ("roles", "editor")]).await;
    invited(&app, "bob@x.io", &[("given_name", "Bob"), ("family_name", "Bravo"), ("tenants", &acme.to_string())]).await;

    let page = app.get_html("/admin/users?q=alpha").await;
    assert!(page.contains("data-login-id=\"amy@x.io\"") && !page.contains("data-login-id=\"zed@x.io\""));
    assert!(page.contains("1 user"));
    let page = app.get_html(&format!("/admin/users?tenant={acme}")).await;
    assert!(page.contains("data-login-id=\"bob@x.io\"") && !page.contains("data-login-id=\"amy@x.io\""));
    let page = app.get_html("/admin/users?role=admin").await;
    assert!(page.contains("data-login-id=\"admin@example.com\"") && !page.contains("data-login-id=\"bob@x.io\""));
    let page = app.get_html("/admin/users?sort=name&status=invited").await;
    let order: Vec<usize> = ["amy@x.io", "bob@x.io", "zed@x.io"]
        .iter()
        .map(|l| page.find(&format!("data-login-id=\"{l}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted by name");
    // Search also finds the external ID.
    let id = app.user_id("zed@x.io").await;
    app.post_form(
        &format!("/admin/users/{id}/profile"),
        &[("given_name", "Zed"), ("family_name", "Zulu"), ("external_id", "EMP-4711")],
    )
    .await;
    assert!(app.get_html("/admin/users?q=emp-4711").await.contains("data-login-id=\"zed@x.io\""));
}

#[tokio::test]
async fn the_user_page_edits_attributes_and_keeps_values_on_error() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    invited(&app, "ada@x.io", &[]).await;
    let id = app.user_id("ada@x.io").await;
    let path = format!("/admin/users/{id}/profile");
    let r = app
        .post_form(
            &path,
            &[("given_name", "Augusta"), ("family_name", "King"), ("attr_key", "bad key"), ("attr_value", "1")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Attribute names use letters"));
    assert_eq!(input_value(&html, "given_name").as_deref(), Some("Augusta"));
    let r = app
        .post_form(
            &path,
            &[
                ("given_name", "Augusta"),
                ("family_name", "King"),
                ("display_name", "Ada"),
                ("attr_key", "team"),
                ("attr_value", "math"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = app.get_html(&format!("/admin/users/{id}")).await;
    assert_eq!(input_value(&html, "given_name").as_deref(), Some("Augusta"));
    assert_eq!(input_value(&html, "attr_value_1").as_deref(), Some("math"));
    assert!(html.contains("Invitation history") && html.contains("pending"));
}

#[tokio::test]
async fn login_ids_are_unique_across_users_and_the_last_one_stays() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    invited(&app, "ada@x.io", &[]).await;
    let id = app.user_id("ada@x.io").await;
    let r = app.post_form(&format!("/admin/users/{id}/login-ids"), &[("login_id", "admin@example.com")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already belongs to someone"));
    assert_eq!(
        app.post_form(&format!("/admin/users/{id}/login-ids"), &[("login_id", "+49 151 1111 2222")]).await.status(),
        303
    );
    assert_eq!(app.user_id("+4915111112222").await, id, "both login IDs reach the same person");
    let r = app.post_form(&format!("/admin/users/{id}/login-ids/remove"), &[("login_id", "ada@x.io")]).await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&format!("/admin/users/{id}/login-ids/remove"), &[("login_id", "+4915111112222")]).await;
    assert!(r.text().await.unwrap().contains("at least one login ID"));
}

#[tokio::test]
async fn roles_and_tenants_are_edited_on_the_user_page() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.role("editor", "project").await;
    app.role("reviewer", "tenant").await;
    let acme = app.tenant("Acme", "acme").await;
    app.create_user("member@x.io", &[]).await;
    let id = app.user_id("member@x.io").await;
    let tr = format!("{acme}:reviewer");
    let r = app.post_form(&format!("/admin/users/{id}/roles"), &[("roles", "editor"), ("tenant_roles", &tr)]).await;
    assert_eq!(r.status(), 303);
    let mut c = app.db().acquire().await.unwrap();
    let grants = usher::store::users::role_grants_of(&mut c.conn(), id).await.unwrap();
    assert!(grants.contains(&("editor".into(), None)) && grants.contains(&("reviewer".into(), Some(acme))));
    assert_eq!(usher::store::users::tenant_names_of(&mut c.conn(), id).await.unwrap(), vec!["Acme"]);
    drop(c);
    let r = app.post_form(&format!("/admin/users/{id}/roles"), &[]).await;
    assert_eq!(r.status(), 303);
    let mut c = app.db().acquire().await.unwrap();
    assert!(usher::store::users::role_grants_of(&mut c.conn(), id).await.unwrap().is_empty());
}

#[tokio::test]
async fn secondary_admins_cannot_touch_admins_anywhere() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", &["admin"]).await;
    app.create_user("second@x.io", &["secondary_admin"]).await;
    app.login("second@x.io").await;
    let admin = app.user_id("admin@example.com").await;
    for path in ["deactivate", "logout-all", "delete", "profile"] {
        let r = app.post_form(&format!("/admin/users/{admin}/{path}"), &[("given_name", "Hacked")]).await;
        assert_eq!(r.status(), 403, "{path}");
    }
    let r = app.post_form("/admin/users/bulk", &[("action", "deactivate"), ("ids", &admin.to_string())]).await;
    assert!(r.text().await.unwrap().contains("your role does not allow this"));
    assert_eq!(app.user_status("admin@example.com").await, "active");
}

#[tokio::test]
async fn bulk_actions_report_every_row_including_those_refused() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    invited(&app, "a@x.io", &[]).await;
    invited(&app, "b@x.io", &[]).await;
    app.create_user("c@x.io", &[]).await;
    let ids: Vec<String> = [app.user_id("a@x.io").await, app.user_id("b@x.io").await, app.user_id("c@x.io").await]
        .iter()
        .map(|i| i.to_string())
        .collect();
    let r = app
        .post_form("/admin/users/bulk", &[("action", "revoke"), ("ids", &ids[0]), ("ids", &ids[1]), ("ids", &ids[2])])
        .await;
    let html = r.text().await.unwrap();
    assert!(html.contains("2 of 3 done"), "{html}");
    assert!(html.contains("Not done: has no invitation"));
    assert_eq!(app.invitation_status("a@x.io").await, "revoked");

    let r = app.post_form("/admin/users/bulk", &[("action", "delete"), ("ids", &ids[0]), ("ids", &ids[2])]).await;
    assert!(r.text().await.unwrap().contains("2 of 2 done"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);

    let support = spawn_client(&app);
    app.create_user("support@x.io", &["user_invite"]).await;
    support.login("support@x.io").await;
    let r = support.post_form("/admin/users/bulk", &[("action", "delete"), ("ids", &ids[1])]).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn resend_all_expired_says_how_many_then_resends_them() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    // Two invitations from a week ago, one from three days ago (the admin
    // signs in again as days pass).
    for (who, days_later) in [("old1@x.io", 0), ("old2@x.io", 0), ("fresh@x.io", 4)] {
        app.clock.advance(chrono::TimeDelta::days(days_later));
        assert_eq!(app.login("admin@example.com").await.status(), 303);
        invited(&app, who, &[]).await;
        app.smtp.wait_for(who).await;
    }
    app.clock.advance(chrono::TimeDelta::days(3) + chrono::TimeDelta::seconds(1));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let page = app.get_html("/admin/users/resend-expired").await;
    assert!(page.contains("<strong>2</strong> invitations have expired"));
    let confirmed = input_value(&page, "invitation_ids").expect("the confirmed invitations");
    let html = app.post_form("/admin/users/resend-expired", &[("invitation_ids", &confirmed)]).await;
    assert!(html.text().await.unwrap().contains("2 of 2 done"));
    invite_link(&app.smtp.wait_for_nth("old1@x.io", 2).await);
    invite_link(&app.smtp.wait_for_nth("old2@x.io", 2).await);
    assert_eq!(app.smtp.count_for("fresh@x.io"), 1);
}

#[tokio::test]
async fn deleting_asks_first_and_removes_sessions_and_invitations() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.create_user("leaver@x.io", &["admin"]).await;
    let leaver = spawn_client(&app);
    leaver.login("leaver@x.io").await;
    assert_eq!(leaver.get("/admin/users").await.status(), 200);
    let id = app.user_id("leaver@x.io").await;
    let confirm = app.get_html(&format!("/admin/users/{id}/delete")).await;
    assert!(confirm.contains("This cannot be undone"));
    assert_eq!(app.post_form(&format!("/admin/users/{id}/delete"), &[]).await.status(), 303);
    assert_eq!(leaver.get("/admin/users").await.status(), 303, "their session is gone");
    assert_eq!(app.get(&format!("/admin/users/{id}")).await.status(), 404);
    let deleted =
        app.scalar("SELECT actor FROM audit_log WHERE action = 'user.deleted' AND target = $1", "leaver@x.io").await;
    assert_eq!(deleted, "admin@example.com");
}

#[tokio::test]
async fn log_out_all_sessions_ends_them() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.create_user("busy@x.io", &["user_invite"]).await;
    let busy = spawn_client(&app);
    busy.login("busy@x.io").await;
    let id = app.user_id("busy@x.io").await;
    assert_eq!(app.post_form(&format!("/admin/users/{id}/logout-all"), &[]).await.status(), 303);
    assert_eq!(busy.get("/admin/users").await.status(), 303);
}

#[tokio::test]
async fn the_invitations_page_lists_invitations_apart_with_filters() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    invited(&app, "p@x.io", &[]).await;
    invited(&app, "r@x.io", &[]).await;
    app.post_form(&action(&app.get_html("/admin/users?q=r%40x.io").await, "/revoke"), &[]).await;
    let page = app.get_html("/admin/invitations?status=revoked").await;
    assert!(page.contains("data-login-id=\"r@x.io\"") && !page.contains("data-login-id=\"p@x.io\""));
    let page = app.get_html("/admin/invitations?status=pending").await;
    assert!(page.contains("data-login-id=\"p@x.io\""));
    assert!(page.contains("admin@example.com"), "shows who invited");
}

#[tokio::test]
async fn a_tenant_scoped_secondary_admin_sees_and_touches_only_their_tenant() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let globex = app.tenant("Globex", "globex").await;
    invited(&app, "in-acme@x.io", &[("tenants", &acme.to_string())]).await;
    invited(&app, "in-globex@x.io", &[("tenants", &globex.to_string())]).await;
    app.create_user("lead@x.io", &[]).await;
    app.grant("lead@x.io", "secondary_admin", Some(acme)).await;
    let lead = spawn_client(&app);
    lead.login("lead@x.io").await;

    let list = lead.get_html("/admin/users").await;
    assert!(list.contains("data-login-id=\"in-acme@x.io\""));
    assert!(!list.contains("in-globex@x.io"), "another tenant's people are not listed");
    assert!(!lead.get_html("/admin/users?q=globex").await.contains("in-globex@x.io"));
    assert!(!lead.get_html("/admin/invitations").await.contains("in-globex@x.io"));
    assert_eq!(lead.get("/admin/settings").await.status(), 403);

    let other = app.user_id("in-globex@x.io").await;
    let other_inv = app.scalar("SELECT login_id FROM invitations WHERE login_id = $1", "in-globex@x.io").await;
    assert_eq!(other_inv, "in-globex@x.io");
    assert_eq!(lead.get(&format!("/admin/users/{other}")).await.status(), 404);
    for path in ["deactivate", "activate", "logout-all", "delete"] {
        assert_eq!(lead.post_form(&format!("/admin/users/{other}/{path}"), &[]).await.status(), 404, "{path}");
    }
    let page = app.get_html("/admin/users?q=in-globex").await;
    for verb in ["/resend", "/revoke", "/link"] {
        assert_eq!(lead.post_form(&action(&page, verb), &[]).await.status(), 404, "{verb}");
    }
    let r = lead.post_form("/admin/users/bulk", &[("action", "revoke"), ("ids", &other.to_string())]).await;
    assert!(r.text().await.unwrap().contains("Not done: not found"));

    // Their invitations land in their tenant; another tenant is refused.
    let r = lead.invite("globex-hire@x.io", &[("tenants", &globex.to_string())]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("only invite people into your own tenant"));
    assert_eq!(lead.invite("acme-hire@x.io", &[]).await.status(), 303);
    assert!(lead.get_html("/admin/users").await.contains("acme-hire@x.io"));
    let html = lead
        .post_form(
            "/admin/invitations/bulk/preview",
            &[("mode", "list"), ("list", "bulk@x.io"), ("tenants", &globex.to_string())],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(super::helpers::verdict(&html, "bulk@x.io").contains("only invite people into your own tenant"));
}

#[tokio::test]
async fn a_tenants_domain_allow_list_refuses_other_addresses() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let r = app
        .post_form(&format!("/admin/tenants/{acme}"), &[("name", "Acme"), ("allowed_domains", "acme.com, nonsense")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("&#34;nonsense&#34; is not a domain like example.com"), "the error is shown");
    assert_eq!(
        super::helpers::input_value(&html, "allowed_domains").as_deref(),
        Some("acme.com, nonsense"),
        "what was typed is kept"
    );
    app.post_form(&format!("/admin/tenants/{acme}"), &[("name", "Acme"), ("allowed_domains", "acme.com, @Acme.org")])
        .await;
    let r = app.invite("eve@evil.com", &[("tenants", &acme.to_string())]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Acme only accepts email addresses at acme.com, acme.org"));
    assert_eq!(app.invite("bob@acme.org", &[("tenants", &acme.to_string())]).await.status(), 303);
}

#[tokio::test]
async fn a_disabled_tenants_invitations_stop_working() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    invited(&app, "late@x.io", &[("tenants", &acme.to_string())]).await;
    let link = invite_link(&app.smtp.wait_for("late@x.io").await);
    app.post_form(&format!("/admin/tenants/{acme}"), &[("name", "Acme"), ("disabled", "on")]).await;
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("has been disabled"));
    let form = [("given_name", "L"), ("family_name", "X"), ("password", PASSWORD), ("password_confirm", PASSWORD)];
    assert_eq!(app.post_form(&link, &form).await.status(), 410);
    let r = app.invite("new@x.io", &[("tenants", &acme.to_string())]).await;
    assert!(r.text().await.unwrap().contains("The tenant Acme is disabled"));
}

#[tokio::test]
async fn built_in_console_roles_cannot_be_deleted_but_catalog_roles_can() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.role("editor", "project").await;
    app.post_form("/admin/roles/admin/delete", &[]).await;
    assert!(app.get_html("/admin/roles").await.contains("built in and cannot be deleted"));
    app.post_form("/admin/roles/editor/delete", &[]).await;
    assert!(!app.get_html("/admin/roles").await.contains("<code>editor</code>"));
}
