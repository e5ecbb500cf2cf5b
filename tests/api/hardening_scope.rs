//! Issue #7, scope rules: tenant-scoped staff manage only people ranked
//! below them in their tenant; a person of two tenants is removed from one,
//! not deleted; refusals do not reveal other tenants' people; activations
//! show in each tenant's audit log; the primary login ID stays put.

use serde_json::json;
use uuid::Uuid;

use super::helpers::{TestApp, spawn_app, spawn_client};

/// An active person in `tenants`, holding `roles` project-wide.
async fn person(app: &TestApp, email: &str, roles: &[&str], tenants: &[Uuid]) -> Uuid {
    app.create_user(email, roles).await;
    let id = app.user_id(email).await;
    let mut c = app.db().acquire().await.unwrap();
    for t in tenants {
        usher::store::users::add_tenant(&mut c.conn(), id, *t).await.unwrap();
    }
    id
}

/// A signed-in browser of someone holding `role` for `tenant` only.
async fn staff(app: &TestApp, email: &str, role: &str, tenant: Uuid) -> TestApp {
    app.create_user(email, &[]).await;
    app.grant(email, role, Some(tenant)).await;
    let client = spawn_client(app);
    assert_eq!(client.login(email).await.status(), 303, "{email} signs in");
    client
}

async fn tenants_of(app: &TestApp, id: Uuid) -> Vec<Uuid> {
    let mut c = app.db().acquire().await.unwrap();
    usher::store::users::tenant_ids_of(&mut c.conn(), id).await.unwrap()
}

/// The text of the login ID's error beside the field on the invite form.
fn login_id_error(html: &str) -> String {
    let start = html.find("id=\"login_id-error\">").expect("an error beside the login ID") + 20;
    html[start..start + html[start..].find("</p>").unwrap()].to_string()
}

/// The users table row of `login_id`.
fn table_row(html: &str, login_id: &str) -> String {
    let start = html.find(&format!("data-login-id=\"{login_id}\"")).unwrap_or_else(|| panic!("no row for {login_id}"));
    html[start..start + html[start..].find("</tr>").unwrap()].to_string()
}

/// (target, tenant) of each audit row for `action`.
async fn audit_rows(client: &TestApp, action: &str) -> Vec<(String, String)> {
    let html = client.get_html(&format!("/admin/audit?action={action}")).await;
    html.split(&format!("<tr data-action=\"{action}\">"))
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> =
                row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap_or_default()).collect();
            (cells[3].to_string(), cells[4].to_string())
        })
        .collect()
}

#[tokio::test]
async fn tenant_staff_cannot_deactivate_or_edit_someone_with_a_project_wide_console_role() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let support = person(&app, "support@x.io", &["user_invite"], &[acme]).await;
    let lead = staff(&app, "lead@x.io", "secondary_admin", acme).await;

    let page = lead.get_html(&format!("/admin/users/{support}")).await;
    assert!(!page.contains("/deactivate\"") && !page.contains("/delete\""), "nothing offered");
    // Nor in the users table, where a peer below them still gets the actions.
    person(&app, "member@x.io", &[], &[acme]).await;
    let table = lead.get_html("/admin/users").await;
    assert!(!table_row(&table, "support@x.io").contains("/deactivate\""), "no Deactivate for support");
    assert!(table_row(&table, "member@x.io").contains("/deactivate\""), "Deactivate for a plain member");
    let attempts = [
        ("deactivate", vec![]),
        ("logout-all", vec![]),
        ("delete", vec![]),
        ("profile", vec![("given_name", "Hacked")]),
        ("login-ids", vec![("login_id", "hijack@x.io")]),
    ];
    for (path, form) in attempts {
        let r = lead.post_form(&format!("/admin/users/{support}/{path}"), &form).await;
        assert_eq!(r.status(), 403, "console {path}");
    }

    let key = app.api_key("secondary_admin", Some(acme)).await;
    let base = format!("/api/v1/users/{support}");
    let calls = [
        ("POST", format!("{base}/deactivate"), None),
        ("POST", format!("{base}/logout"), None),
        ("PATCH", base.clone(), Some(json!({ "given_name": "Hacked" }))),
        ("POST", format!("{base}/login-ids"), Some(json!({ "login_id": "hijack@x.io" }))),
        ("DELETE", base.clone(), None),
    ];
    for (method, path, body) in calls {
        assert_eq!(app.api(method, &path, &key, body).await.0, 403, "API {method} {path}");
    }
    assert_eq!(app.user_status("support@x.io").await, "active");
    let admin_key = app.api_key("admin", None).await;
    let (_, user) = app.api("GET", &base, &admin_key, None).await;
    assert_eq!(user["given_name"], "Test");
    assert_eq!(user["login_ids"], json!(["support@x.io"]));
}

#[tokio::test]
async fn tenant_staff_manage_only_people_whose_console_role_in_their_tenant_is_lower_than_theirs() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let lead = staff(&app, "lead@x.io", "secondary_admin", acme).await;
    let _ = staff(&app, "peer@x.io", "secondary_admin", acme).await;
    let _ = staff(&app, "helper@x.io", "user_invite", acme).await;
    let (peer, helper) = (app.user_id("peer@x.io").await, app.user_id("helper@x.io").await);

    assert_eq!(lead.post_form(&format!("/admin/users/{peer}/deactivate"), &[]).await.status(), 403);
    assert_eq!(lead.post_form(&format!("/admin/users/{helper}/deactivate"), &[]).await.status(), 303);
    assert_eq!(app.user_status("helper@x.io").await, "disabled");

    let key = app.api_key("secondary_admin", Some(acme)).await;
    assert_eq!(app.api("POST", &format!("/api/v1/users/{peer}/deactivate"), &key, None).await.0, 403);
    assert_eq!(app.api("POST", &format!("/api/v1/users/{helper}/activate"), &key, None).await.0, 200);
    assert_eq!(app.user_status("peer@x.io").await, "active");
    assert_eq!(app.user_status("helper@x.io").await, "active");
    let denied =
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND target = 'peer@x.io'").await;
    assert_eq!(denied, 2, "each refusal is recorded");
}

#[tokio::test]
async fn tenant_staff_remove_a_person_of_two_tenants_from_their_own_tenant_instead_of_deleting_them() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let (acme, globex) = (app.tenant("Acme", "acme").await, app.tenant("Globex", "globex").await);
    let both = person(&app, "both@x.io", &[], &[acme, globex]).await;
    let solo = person(&app, "solo@x.io", &[], &[acme]).await;
    let lead = staff(&app, "lead@x.io", "secondary_admin", acme).await;

    let page = lead.get_html(&format!("/admin/users/{both}")).await;
    assert!(page.contains("Remove from Acme"));
    assert!(!page.contains("/delete\"") && !page.contains("Save attributes"), "no Delete, no shared edits");
    assert_eq!(lead.post_form(&format!("/admin/users/{both}/delete"), &[]).await.status(), 403);
    assert_eq!(lead.get(&format!("/admin/users/{both}/delete")).await.status(), 403);
    let r = lead.post_form(&format!("/admin/users/{both}/profile"), &[("given_name", "Renamed")]).await;
    assert_eq!(r.status(), 403);
    let r = lead.post_form(&format!("/admin/users/{both}/roles"), &[("tenants", &acme.to_string())]).await;
    assert_eq!(r.status(), 303, "their membership in Acme is still the lead's to edit");

    let r =
        lead.post_form(&format!("/admin/users/{both}/remove-from-tenant"), &[("tenant_id", &acme.to_string())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(tenants_of(&app, both).await, vec![globex], "still in Globex, no longer in Acme");
    assert_eq!(app.user_status("both@x.io").await, "active");
    assert_eq!(lead.get(&format!("/admin/users/{both}")).await.status(), 404);

    let page = lead.get_html(&format!("/admin/users/{solo}")).await;
    assert!(page.contains("/delete\"") && !page.contains("Remove from"), "someone only in Acme is deleted as before");
    assert_eq!(lead.post_form(&format!("/admin/users/{solo}/delete"), &[]).await.status(), 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM login_ids WHERE value = 'solo@x.io'").await, 0);
}

#[tokio::test]
async fn a_scoped_key_removes_a_person_of_two_tenants_from_its_tenant_but_cannot_delete_or_edit_them() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let (acme, globex) = (app.tenant("Acme", "acme").await, app.tenant("Globex", "globex").await);
    let both = person(&app, "both@x.io", &[], &[acme, globex]).await;
    let key = app.api_key("secondary_admin", Some(acme)).await;
    let base = format!("/api/v1/users/{both}");

    assert_eq!(app.api("DELETE", &base, &key, None).await.0, 403);
    let (status, problem) = app.api("PATCH", &base, &key, Some(json!({ "family_name": "Renamed" }))).await;
    assert_eq!(status, 403);
    assert!(problem["detail"].as_str().unwrap().contains("remove them from your tenant"), "{problem}");
    let r = app.api("POST", &format!("{base}/login-ids"), &key, Some(json!({ "login_id": "+4915111112222" }))).await;
    assert_eq!(r.0, 403);
    assert_eq!(app.api("POST", &format!("{base}/deactivate"), &key, None).await.0, 403);

    let (status, _) = app.api("DELETE", &format!("{base}/tenants/{acme}"), &key, None).await;
    assert_eq!(status, 200);
    assert_eq!(tenants_of(&app, both).await, vec![globex]);
    assert_eq!(app.api("GET", &base, &key, None).await.0, 404, "gone from Acme's view");
    let (status, user) = app.api("GET", &base, &app.api_key("admin", None).await, None).await;
    assert_eq!((status, user["family_name"].as_str()), (200, Some("Person")), "the person is untouched");
}

#[tokio::test]
async fn a_tenant_viewer_sees_neither_the_history_nor_the_invitation_of_another_tenant() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let (acme, globex) = (app.tenant("Acme", "acme").await, app.tenant("Globex", "globex").await);
    assert_eq!(app.invite("both@x.io", &[("tenants", &globex.to_string())]).await.status(), 303);
    let both = app.user_id("both@x.io").await;
    let mut c = app.db().acquire().await.unwrap();
    usher::store::users::add_tenant(&mut c.conn(), both, acme).await.unwrap();
    drop(c);
    let lead = staff(&app, "lead@x.io", "user_invite", acme).await;

    let page = app.get_html(&format!("/admin/users/{both}")).await;
    assert!(!page.contains("No invitations.") && page.contains("Resend invitation"), "the admin sees it");
    let page = lead.get_html(&format!("/admin/users/{both}")).await;
    assert!(page.contains("No invitations."), "Globex's invitation is not in Acme's history");
    assert!(!page.contains("Resend invitation") && !page.contains("Globex"));

    let row = table_row(&app.get_html("/admin/users").await, "both@x.io");
    assert!(row.contains("/resend\"") && row.contains("expires"), "the admin's row shows the invitation");
    let row = table_row(&lead.get_html("/admin/users").await, "both@x.io");
    assert!(!row.contains("/resend\"") && !row.contains("expires") && !row.contains("admin@example.com"), "{row}");
}

#[tokio::test]
async fn a_tenant_inviter_gets_the_same_answer_for_a_login_id_in_another_tenant_as_for_an_account_in_their_own() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let (acme, globex) = (app.tenant("Acme", "acme").await, app.tenant("Globex", "globex").await);
    person(&app, "mine@x.io", &[], &[acme]).await;
    person(&app, "theirs@x.io", &[], &[globex]).await;
    assert_eq!(app.invite("waiting@x.io", &[("tenants", &globex.to_string())]).await.status(), 303);
    let lead = staff(&app, "lead@x.io", "user_invite", acme).await;
    let cases = ["mine@x.io", "theirs@x.io", "waiting@x.io"];

    let mut messages = Vec::new();
    for login_id in cases {
        let r = lead.invite(login_id, &[]).await;
        assert_eq!(r.status(), 422, "{login_id}");
        messages.push(login_id_error(&r.text().await.unwrap()));
    }
    assert!(messages[0].contains("already has an account"), "still says why: {}", messages[0]);
    assert!(messages.iter().all(|m| *m == messages[0]), "{messages:#?}");

    let key = app.api_key("user_invite", Some(acme)).await;
    let mut answers = Vec::new();
    for login_id in cases {
        answers.push(app.api("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": login_id }))).await);
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:#?}");
    assert!(answers[0].0 >= 400);

    let html = lead
        .post_form("/admin/invitations/bulk/preview", &[("mode", "list"), ("list", &cases.join("\n"))])
        .await
        .text()
        .await
        .unwrap();
    let verdicts: Vec<String> = cases.iter().map(|l| super::helpers::verdict(&html, l)).collect();
    assert!(verdicts.iter().all(|v| *v == verdicts[0]), "{verdicts:#?}");
}

#[tokio::test]
async fn activations_and_deactivations_show_in_the_audit_log_of_every_tenant_of_the_person() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let (acme, globex) = (app.tenant("Acme", "acme").await, app.tenant("Globex", "globex").await);
    let both = person(&app, "both@x.io", &[], &[acme, globex]).await;
    let solo = person(&app, "solo@x.io", &[], &[globex]).await;
    let acme_lead = staff(&app, "lead@acme.io", "secondary_admin", acme).await;
    let globex_lead = staff(&app, "lead@globex.io", "secondary_admin", globex).await;

    assert_eq!(app.post_form(&format!("/admin/users/{both}/deactivate"), &[]).await.status(), 303);
    assert_eq!(app.post_form(&format!("/admin/users/{solo}/deactivate"), &[]).await.status(), 303);
    let key = app.api_key("admin", None).await;
    assert_eq!(app.api("POST", &format!("/api/v1/users/{both}/activate"), &key, None).await.0, 200);

    let both_in = |tenant: &str| vec![("both@x.io".to_string(), tenant.to_string())];
    assert_eq!(audit_rows(&acme_lead, "user.deactivated").await, both_in("Acme"));
    assert_eq!(audit_rows(&acme_lead, "user.activated").await, both_in("Acme"));
    let mut seen = audit_rows(&globex_lead, "user.deactivated").await;
    seen.sort();
    assert_eq!(seen, vec![("both@x.io".into(), "Globex".into()), ("solo@x.io".into(), "Globex".into())]);
    assert_eq!(audit_rows(&globex_lead, "user.activated").await, both_in("Globex"));
    let all = audit_rows(&app, "user.deactivated").await;
    assert_eq!(all.iter().filter(|(t, _)| t == "both@x.io").count(), 1, "one entry, not one per tenant");
}

#[tokio::test]
async fn adding_a_login_id_keeps_the_primary_one_until_someone_chooses_another() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let id = person(&app, "zed@x.io", &[], &[]).await;
    let add = |value: &'static str| {
        let app = &app;
        async move {
            let r = app.post_form(&format!("/admin/users/{id}/login-ids"), &[("login_id", value)]).await;
            assert_eq!(r.status(), 303, "{value} added");
        }
    };
    add("+49 151 1111 2222").await;
    let page = app.get_html(&format!("/admin/users/{id}")).await;
    assert!(page.contains("<h1>zed@x.io "), "the heading keeps the email");
    assert!(page.contains("Make primary<span class=\"visually-hidden\"> +4915111112222"));
    assert!(app.get_html("/admin/users").await.contains("data-login-id=\"zed@x.io\""));
    assert!(app.get_html("/admin/users?q=4915111112222").await.contains("data-login-id=\"zed@x.io\""));

    let r = app.post_form(&format!("/admin/users/{id}/login-ids/primary"), &[("login_id", "+4915111112222")]).await;
    assert_eq!(r.status(), 303);
    assert!(app.get_html(&format!("/admin/users/{id}")).await.contains("<h1>+4915111112222 "));
    assert!(app.get_html("/admin/users").await.contains("data-login-id=\"+4915111112222\""));

    // Removing the primary one hands over to the oldest remaining, not the
    // alphabetically first.
    add("aaa@x.io").await;
    let r = app.post_form(&format!("/admin/users/{id}/login-ids/remove"), &[("login_id", "+4915111112222")]).await;
    assert_eq!(r.status(), 303);
    assert!(app.get_html(&format!("/admin/users/{id}")).await.contains("<h1>zed@x.io "));
}

#[tokio::test]
async fn the_api_names_the_primary_login_id_and_changes_it_on_request() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("admin", None).await;
    let (status, user) = app.api("POST", "/api/v1/users", &key, Some(json!({ "login_id": "zed@x.io" }))).await;
    assert_eq!((status, &user["login_id"]), (201, &json!("zed@x.io")));
    let base = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let (_, user) =
        app.api("POST", &format!("{base}/login-ids"), &key, Some(json!({ "login_id": "+49 151 1111 2222" }))).await;
    assert_eq!(user["login_id"], "zed@x.io");
    let (_, list) = app.api("GET", "/api/v1/users?q=zed", &key, None).await;
    assert_eq!(list["data"][0]["login_id"], "zed@x.io");

    let (status, user) = app.api("PATCH", &base, &key, Some(json!({ "login_id": "+49 151 1111 2222" }))).await;
    assert_eq!((status, &user["login_id"]), (200, &json!("+4915111112222")));
    assert_eq!(user["given_name"], "", "nothing else changed");
    let (_, list) = app.api("GET", "/api/v1/users?q=zed", &key, None).await;
    assert_eq!(list["data"][0]["login_id"], "+4915111112222");
    let (status, problem) = app.api("PATCH", &base, &key, Some(json!({ "login_id": "other@x.io" }))).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "login_id");
    // All or nothing: a refused primary login ID saves no name either.
    let patch = json!({ "given_name": "Zed", "login_id": "other@x.io" });
    assert_eq!(app.api("PATCH", &base, &key, Some(patch)).await.0, 422);
    let (_, user) = app.api("GET", &base, &key, None).await;
    assert_eq!((&user["given_name"], &user["login_id"]), (&json!(""), &json!("+4915111112222")));

    let (_, user) = app.api("DELETE", &format!("{base}/login-ids/+4915111112222"), &key, None).await;
    assert_eq!(user["login_id"], "zed@x.io");
}
