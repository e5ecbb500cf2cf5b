//! The two route tables, walked: every console route and API operation
//! is guarded as its entry says, for the roles people really hold.

use serde_json::json;
use usher::domain::access::{Access, Capability, Scope};
use usher::web::guard::Rule;
use usher::web::{api, routes};
use uuid::Uuid;

use super::helpers::{TestApp, spawn_app, spawn_client};

/// The path with every `{param}` filled in: ids nobody has.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').expect("a closing brace") + start;
        out.push_str(&rest[..start]);
        out.push_str(&Uuid::new_v4().to_string());
        rest = &rest[end + 1..];
    }
    out + rest
}

async fn denials(app: &TestApp, path: &str) -> i64 {
    app.count_where("SELECT COUNT(*) FROM audit_log WHERE action = 'access.denied' AND target = $1", path).await
}

/// What the console table lets `access` do on one request: refused the
/// capability it names, or let in.
fn refused(rule: Rule, access: &Access, action: Option<&str>) -> Option<Capability> {
    let (capability, scope) = match rule {
        Rule::Public | Rule::SignedIn => return None,
        Rule::Needs(capability, scope) => (capability, scope),
        Rule::Action { actions, scope, .. } => (Rule::action(actions, action.unwrap()).unwrap(), scope),
    };
    (!access.allows(capability, scope)).then_some(capability)
}

#[tokio::test]
async fn a_signed_out_visitor_is_sent_to_sign_in_from_every_console_route_that_is_not_public() {
    let app = spawn_app().await;
    for r in routes::ROUTES {
        let path = concrete(r.path);
        let response = match (r.method, r.rule) {
            ("GET", _) => app.get(&path).await,
            (_, Rule::Action { field, actions, .. }) => app.post_form(&path, &[(field, actions[0].0)]).await,
            _ => app.post_form(&path, &[]).await,
        };
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        let to_sign_in = location.as_deref().is_some_and(|l| l.starts_with("/login?next="));
        assert_eq!(to_sign_in, !matches!(r.rule, Rule::Public), "{} {}: {location:?}", r.method, r.path);
    }
}

#[tokio::test]
async fn support_staff_and_tenant_admins_are_refused_exactly_the_console_routes_the_table_refuses_them() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    app.create_user("support@example.com", &["user_invite"]).await;
    app.create_user("lead@example.com", &[]).await;
    app.grant("lead@example.com", "admin", Some(acme)).await;
    let people = [
        ("admin@example.com", Access::from_roles(["admin"])),
        ("support@example.com", Access::from_roles(["user_invite"])),
        ("lead@example.com", Access::from_grants(&[("admin".into(), Some(acme))])),
    ];
    let mut refusals = 0;
    for (who, access) in people {
        let client = spawn_client(&app);
        assert_eq!(client.login(who).await.status(), 303, "{who} signs in");
        for r in routes::ROUTES {
            let actions: Vec<Option<&str>> = match r.rule {
                Rule::Public | Rule::SignedIn => continue,
                Rule::Needs(..) => vec![None],
                Rule::Action { actions, .. } => actions.iter().map(|(name, _)| Some(*name)).collect(),
            };
            for action in actions {
                let path = concrete(r.path);
                let nobody = Uuid::new_v4().to_string();
                let before = denials(&app, &path).await;
                let response = match (r.method, action) {
                    ("GET", _) => client.get(&path).await,
                    (_, Some(action)) => client.post_form(&path, &[("action", action), ("ids", &nobody)]).await,
                    _ => client.post_form(&path, &[]).await,
                };
                let status = response.status().as_u16();
                let what = format!("{who}: {} {} {action:?}", r.method, r.path);
                assert_ne!(status, 500, "{what}: the table and the handler agree");
                match refused(r.rule, &access, action) {
                    Some(capability) => {
                        refusals += 1;
                        assert_eq!(status, 403, "{what} is refused for want of {capability:?}");
                        assert!(response.text().await.unwrap().contains("Not allowed"), "{what}: the 403 page");
                        assert_eq!(denials(&app, &path).await, before + 1, "{what}: the refusal is recorded");
                    }
                    None => assert_ne!(status, 403, "{what} is let in"),
                }
            }
        }
    }
    assert!(refusals > 20, "support and tenant admins are refused settings, catalog, and managing users");
}

#[tokio::test]
async fn every_api_key_role_is_refused_exactly_the_operations_the_table_refuses_it() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let keys = [
        ("admin", None, Access::from_roles(["admin"])),
        ("user_invite", None, Access::from_roles(["user_invite"])),
        ("admin", Some(acme), Access::from_grants(&[("admin".into(), Some(acme))])),
        ("secondary_admin", Some(acme), Access::from_grants(&[("secondary_admin".into(), Some(acme))])),
    ];
    for (role, tenant, access) in keys {
        let key = app.api_key(role, tenant).await;
        for r in api::ROUTES {
            let path = concrete(r.path);
            let before = denials(&app, &path).await;
            let (status, problem) = app.api(r.method, &path, &key, r.request.map(|_| json!({}))).await;
            let what = format!("{role} key for {tenant:?}: {} {}", r.method, r.path);
            assert!(status != 401 && status != 500, "{what}: {status} {problem}");
            if access.allows(r.needs, r.scope) {
                assert_ne!(status, 403, "{what} is let in: {problem}");
                continue;
            }
            assert_eq!(status, 403, "{what} is refused");
            assert_eq!(problem["code"], "forbidden", "{what}");
            let detail = problem["detail"].as_str().unwrap();
            assert!(detail.contains(r.needs.as_str()), "{what}: {detail}");
            assert_eq!(denials(&app, &path).await, before + 1, "{what}: the refusal is recorded");
        }
    }
}

/// A tenant-scoped key cannot reach another tenant's person or invitation
/// through any operation the table opens to it, and its lists leave them
/// out; the shared catalog reads the same as for a project-wide key.
#[tokio::test]
async fn a_tenant_scoped_key_finds_nothing_of_another_tenant_through_any_tenant_scoped_operation() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let (acme, globex) = (app.tenant("Acme", "acme").await, app.tenant("Globex", "globex").await);
    let admin = app.api_key("admin", None).await;
    let (status, inv) = app
        .api("POST", "/api/v1/invitations", &admin, Some(json!({ "login_id": "far@globex.io", "tenants": [globex] })))
        .await;
    assert_eq!(status, 201, "{inv}");
    let (user, invitation) = (inv["user_id"].as_str().unwrap().to_string(), inv["id"].as_str().unwrap().to_string());
    let scoped = app.api_key("admin", Some(acme)).await;
    for r in api::ROUTES.iter().filter(|r| r.scope != Scope::Project) {
        let id = if r.path.starts_with("/api/v1/invitations/") { &invitation } else { &user };
        let path = r
            .path
            .replace("{id}", id)
            .replace("{login_id}", "far@globex.io")
            .replace("{tenant_id}", &globex.to_string())
            .replace("{name}", "user_invite");
        let body = r.request.map(|_| json!({ "login_id": "other@globex.io", "roles": [], "tenant_id": globex }));
        let what = format!("{} {}", r.method, r.path);
        match (r.scope, r.method, r.path.contains("{id}")) {
            (Scope::Tenant, _, true) => {
                let (status, answer) = app.api(r.method, &path, &scoped, body).await;
                assert_eq!(status, 404, "{what}: {answer}");
            }
            (Scope::Tenant, "GET", false) => {
                let (status, answer) = app.api(r.method, &path, &scoped, None).await;
                assert_eq!(status, 200, "{what}");
                let text = answer.to_string();
                for other in [user.as_str(), invitation.as_str(), &globex.to_string()] {
                    assert!(!text.contains(other), "{what} leaves out another tenant's {other}: {text}");
                }
            }
            (Scope::Shared, _, _) => {
                let answer = app.api(r.method, &path, &scoped, body.clone()).await;
                assert_eq!(answer.0, 200, "{what}");
                assert_eq!(app.api(r.method, &path, &admin, body).await, answer, "{what} reads the same");
            }
            // What a tenant-scoped key creates lands in its tenant; the
            // hardening_scope tests follow that.
            _ => {}
        }
    }
    assert_eq!(app.invitation_status("far@globex.io").await, "pending", "the invitation is untouched");
    assert_eq!(app.user_status("far@globex.io").await, "invited", "the person is untouched");
}
