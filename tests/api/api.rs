//! The JSON API: every route, valid, invalid and forbidden calls.

use serde_json::json;

use super::helpers::{invite_link, spawn_app};
use super::invitations::settings;

#[tokio::test]
async fn every_route_is_in_the_openapi_document_and_answers() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let doc: serde_json::Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for r in usher::web::api::ROUTES {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert_eq!(op["operationId"], r.id, "{} {} is documented", r.method, r.path);
        let path = r
            .path
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{tenant_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{login_id}", "x@example.com")
            .replace("{name}", "no-such-role");
        let body = r.request.map(|_| json!({}));
        let (status, problem) = app.api(r.method, &path, &key, body).await;
        assert_ne!(problem["title"], "No such endpoint", "{} {} is routed", r.method, r.path);
        assert_ne!(status, 405, "{} {}", r.method, r.path);
    }
    // A support key is refused every route that needs more than it holds.
    let support = app.api_key("user_invite", None).await;
    for r in usher::web::api::ROUTES.iter().filter(|r| r.needs.as_str().starts_with("manage_")) {
        let path = r
            .path
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{tenant_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{login_id}", "x@example.com")
            .replace("{name}", "no-such-role");
        let (status, _) = app.api(r.method, &path, &support, r.request.map(|_| json!({}))).await;
        assert_eq!(status, 403, "user_invite is refused {} {}", r.method, r.path);
    }
    let (status, problem) = app.api("GET", "/api/v1/nothing-here", &key, None).await;
    assert_eq!((status, problem["title"].as_str()), (404, Some("No such endpoint")));
}

#[tokio::test]
async fn calls_without_a_valid_key_get_401_problem_json() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/api/v1/invitations")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert_eq!(app.api("GET", "/api/v1/invitations", "usk_00000000_nope", None).await.0, 401);
    let key = app.api_key("admin", None).await;
    assert_eq!(app.api("GET", "/api/v1/invitations", &key, None).await.0, 200);
    let mut c = app.db().acquire().await.unwrap();
    let keys = usher::store::api_keys::list(&mut c.conn()).await.unwrap();
    usher::store::api_keys::revoke(&mut c.conn(), keys[0].id, chrono::Utc::now()).await.unwrap();
    assert_eq!(app.api("GET", "/api/v1/invitations", &key, None).await.0, 401, "a revoked key stops working");
}

#[tokio::test]
async fn an_invitation_is_created_listed_resent_and_revoked_through_the_api() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let (status, bad) =
        app.api("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "nope", "lang": "fr" }))).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = bad["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"login_id") && fields.contains(&"lang"), "{bad}");
    assert_eq!(app.api("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": 5 }))).await.0, 400);

    let (status, inv) = app
        .api("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "Ada@Example.com", "given_name": "Ada", "custom_attributes": { "level": 3 }, "expires_in": 7200 })))
        .await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(inv["status"], "pending");
    assert_eq!(inv["login_id"], "ada@example.com");
    assert!(inv.get("link").is_none(), "a sent invitation's link is not returned");
    let created = chrono::DateTime::parse_from_rfc3339(inv["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(inv["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 7200);
    invite_link(&app.smtp.wait_for("ada@example.com").await);
    let id = inv["id"].as_str().unwrap().to_string();
    assert_eq!(app.api("GET", &format!("/api/v1/invitations/{id}"), &key, None).await.1["login_id"], "ada@example.com");

    for who in ["b@x.io", "c@x.io"] {
        app.api("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": who, "send": false }))).await;
    }
    let (_, page1) = app.api("GET", "/api/v1/invitations?limit=2", &key, None).await;
    assert_eq!(page1["data"].as_array().unwrap().len(), 2);
    let cursor = page1["next_cursor"].as_str().expect("a next page");
    let (_, page2) = app.api("GET", &format!("/api/v1/invitations?limit=2&cursor={cursor}"), &key, None).await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert!(page2["next_cursor"].is_null());
    let (_, filtered) = app.api("GET", "/api/v1/invitations?login_id=b%40x.io", &key, None).await;
    assert_eq!(filtered["data"].as_array().unwrap().len(), 1);

    let (status, refused) = app.api("POST", &format!("/api/v1/invitations/{id}/resend"), &key, None).await;
    assert_eq!(status, 409, "cooldown: {refused}");
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    let (status, resent) = app.api("POST", &format!("/api/v1/invitations/{id}/resend"), &key, None).await;
    assert_eq!((status, resent["resent_count"].as_i64()), (200, Some(1)));
    let (_, revoked) = app.api("POST", &format!("/api/v1/invitations/{id}/revoke"), &key, None).await;
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(
        app.api("POST", &format!("/api/v1/invitations/{id}/revoke"), &key, None).await.0,
        409,
        "revoked is final"
    );
}

#[tokio::test]
async fn an_unsent_invitation_returns_its_link_once() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let (_, inv) =
        app.api("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "quiet@x.io", "send": false }))).await;
    let link = inv["link"].as_str().expect("the link");
    assert_eq!(app.get(link).await.status(), 200);
    let (_, again) = app.api("GET", &format!("/api/v1/invitations/{}", inv["id"].as_str().unwrap()), &key, None).await;
    assert!(again.get("link").is_none());
}

#[tokio::test]
async fn a_batch_reports_each_item_and_is_limited_to_a_thousand() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let body = json!({ "invitations": [{ "login_id": "one@x.io" }, { "login_id": "bad" }, { "login_id": "two@x.io", "send": false }] });
    let (status, result) = app.api("POST", "/api/v1/invitations/batch", &key, Some(body)).await;
    assert_eq!(status, 200);
    assert_eq!((result["created"].as_i64(), result["failed"].as_i64()), (Some(2), Some(1)));
    assert_eq!(result["results"][1]["status"], "error");
    assert_eq!(result["results"][1]["error"]["errors"][0]["field"], "login_id");
    let many: Vec<_> = (0..1001).map(|i| json!({ "login_id": format!("p{i}@x.io") })).collect();
    assert_eq!(app.api("POST", "/api/v1/invitations/batch", &key, Some(json!({ "invitations": many }))).await.0, 422);
}

#[tokio::test]
async fn a_retried_create_with_the_same_idempotency_key_creates_once() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let body = json!({ "login_id": "once@x.io", "send": false });
    let (s1, first) =
        app.api_with("POST", "/api/v1/invitations", &key, Some(body.clone()), &[("idempotency-key", "abc-1")]).await;
    let (s2, second) =
        app.api_with("POST", "/api/v1/invitations", &key, Some(body), &[("idempotency-key", "abc-1")]).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1);
    let (s3, problem) = app
        .api_with(
            "POST",
            "/api/v1/invitations",
            &key,
            Some(json!({ "login_id": "other@x.io" })),
            &[("idempotency-key", "abc-1")],
        )
        .await;
    assert_eq!(s3, 422);
    assert_eq!(problem["title"], "Idempotency-Key reused");
}

#[tokio::test]
async fn keys_are_held_to_their_role_and_tenant() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let globex = app.tenant("Globex", "globex").await;
    let admin = app.api_key("admin", None).await;
    let (_, other) = app
        .api(
            "POST",
            "/api/v1/invitations",
            &admin,
            Some(json!({ "login_id": "g@x.io", "tenants": [globex], "send": false })),
        )
        .await;

    let support = app.api_key("user_invite", None).await;
    let (status, problem) = app.api("POST", "/api/v1/users", &support, Some(json!({ "login_id": "new@x.io" }))).await;
    assert_eq!(status, 403, "{problem}");
    let denied = app
        .scalar("SELECT action FROM audit_log WHERE action = 'access.denied' AND target = $1", "/api/v1/users")
        .await;
    assert_eq!(denied, "access.denied");
    assert_eq!(app.api("POST", "/api/v1/tenants", &support, Some(json!({ "name": "X", "slug": "x" }))).await.0, 403);
    let (status, _) = app
        .api("POST", "/api/v1/invitations", &support, Some(json!({ "login_id": "boss@x.io", "roles": ["admin"] })))
        .await;
    assert_eq!(status, 422, "support cannot grant admin");

    let scoped = app.api_key("secondary_admin", Some(acme)).await;
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(app.api("GET", &format!("/api/v1/invitations/{other_id}"), &scoped, None).await.0, 404);
    assert_eq!(app.api("POST", &format!("/api/v1/invitations/{other_id}/revoke"), &scoped, None).await.0, 404);
    let other_user = other["user_id"].as_str().unwrap();
    assert_eq!(app.api("GET", &format!("/api/v1/users/{other_user}"), &scoped, None).await.0, 404);
    assert_eq!(app.api("DELETE", &format!("/api/v1/users/{other_user}"), &scoped, None).await.0, 404);
    let (_, list) = app.api("GET", "/api/v1/invitations", &scoped, None).await;
    assert!(list["data"].as_array().unwrap().is_empty(), "another tenant's invitations are not listed");
    let (status, _) = app
        .api("POST", "/api/v1/invitations", &scoped, Some(json!({ "login_id": "x@x.io", "tenants": [globex] })))
        .await;
    assert_eq!(status, 422);
    let (status, mine) =
        app.api("POST", "/api/v1/invitations", &scoped, Some(json!({ "login_id": "mine@x.io", "send": false }))).await;
    assert_eq!(status, 201);
    assert_eq!(mine["tenant_id"], json!(acme));
}

#[tokio::test]
async fn users_are_managed_through_the_api() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.role("editor", "project").await;
    let acme = app.tenant("Acme", "acme").await;
    let key = app.api_key("admin", None).await;
    let (status, user) = app
        .api(
            "POST",
            "/api/v1/users",
            &key,
            Some(json!({ "login_id": "u@x.io", "given_name": "U", "external_id": "E-1" })),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["status"], "active");
    assert_eq!(
        app.api("POST", "/api/v1/users", &key, Some(json!({ "login_id": "u@x.io" }))).await.0,
        409,
        "login IDs are unique"
    );
    let id = user["id"].as_str().unwrap();
    let base = format!("/api/v1/users/{id}");
    let (_, patched) = app
        .api("PATCH", &base, &key, Some(json!({ "family_name": "Ser", "custom_attributes": { "team": "blue" } })))
        .await;
    assert_eq!((patched["given_name"].as_str(), patched["family_name"].as_str()), (Some("U"), Some("Ser")));
    let (_, more) =
        app.api("POST", &format!("{base}/login-ids"), &key, Some(json!({ "login_id": "+4915199999999" }))).await;
    assert_eq!(more["login_ids"].as_array().unwrap().len(), 2);
    let (_, fewer) = app.api("DELETE", &format!("{base}/login-ids/u%40x.io"), &key, None).await;
    assert_eq!(fewer["login_ids"], json!(["+4915199999999"]));
    let (_, roles) = app.api("PUT", &format!("{base}/roles"), &key, Some(json!({ "roles": ["editor"] }))).await;
    assert_eq!(roles["roles"], json!([{ "role": "editor", "tenant_id": null }]));
    let (_, t) = app
        .api("POST", &format!("{base}/tenants"), &key, Some(json!({ "tenant_id": acme, "roles": ["user_invite"] })))
        .await;
    assert_eq!(t["tenants"], json!([acme]));
    let (_, t) = app.api("DELETE", &format!("{base}/tenants/{acme}"), &key, None).await;
    assert_eq!(t["tenants"], json!([]));
    assert_eq!(app.api("POST", &format!("{base}/deactivate"), &key, None).await.1["status"], "disabled");
    assert_eq!(app.api("POST", &format!("{base}/activate"), &key, None).await.1["status"], "active");
    assert_eq!(app.api("POST", &format!("{base}/logout"), &key, None).await.1["sessions_ended"], 0);
    let (_, list) = app.api("GET", "/api/v1/users?q=e-1", &key, None).await;
    assert_eq!(list["total"], 1);
    assert_eq!(app.api("DELETE", &base, &key, None).await.0, 204);
    assert_eq!(app.api("GET", &base, &key, None).await.0, 404);
}

#[tokio::test]
async fn tenants_and_roles_are_managed_through_the_api() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let (status, t) = app.api("POST", "/api/v1/tenants", &key, Some(json!({ "name": "Acme", "slug": "acme" }))).await;
    assert_eq!(status, 201);
    assert_eq!(app.api("POST", "/api/v1/tenants", &key, Some(json!({ "name": "Again", "slug": "acme" }))).await.0, 409);
    let id = t["id"].as_str().unwrap();
    let (_, t) = app
        .api(
            "PATCH",
            &format!("/api/v1/tenants/{id}"),
            &key,
            Some(json!({ "disabled": true, "allowed_domains": ["acme.com"] })),
        )
        .await;
    assert_eq!((t["disabled"].as_bool(), t["allowed_domains"].clone()), (Some(true), json!(["acme.com"])));
    assert_eq!(app.api("GET", "/api/v1/tenants", &key, None).await.1["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.api("POST", "/api/v1/roles", &key, Some(json!({ "name": "editor", "scope": "tenant" }))).await.0,
        201
    );
    assert_eq!(
        app.api("PATCH", "/api/v1/roles/editor", &key, Some(json!({ "description": "Edits" }))).await.1["description"],
        "Edits"
    );
    assert_eq!(app.api("DELETE", "/api/v1/roles/admin", &key, None).await.0, 409, "console roles are built in");
    assert_eq!(app.api("DELETE", "/api/v1/roles/editor", &key, None).await.0, 204);
}

#[tokio::test]
async fn a_key_stops_working_when_its_creator_is_deactivated() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.create_user("maker@x.io", &["admin"]).await;
    let maker = super::helpers::spawn_client(&app);
    maker.login("maker@x.io").await;
    let html = maker
        .post_form("/admin/api-keys", &[("name", "ci"), ("role", "admin"), ("tenant", ""), ("expires_in_days", "")])
        .await
        .text()
        .await
        .unwrap();
    let key = super::helpers::input_value(&html, "new_key").expect("the key is shown once");
    assert_eq!(app.api("GET", "/api/v1/users", &key, None).await.0, 200);
    let id = app.user_id("maker@x.io").await;
    app.post_form(&format!("/admin/users/{id}/deactivate"), &[]).await;
    assert_eq!(app.api("GET", "/api/v1/users", &key, None).await.0, 401);
}

#[tokio::test]
async fn a_scoped_key_cannot_touch_another_tenants_invitation_of_a_shared_person() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    let globex = app.tenant("Globex", "globex").await;
    let admin = app.api_key("admin", None).await;
    let (_, inv) = app
        .api(
            "POST",
            "/api/v1/invitations",
            &admin,
            Some(json!({ "login_id": "both@x.io", "tenants": [globex], "send": false })),
        )
        .await;
    let id = app.user_id("both@x.io").await;
    let mut c = app.db().acquire().await.unwrap();
    usher::store::users::add_tenant(&mut c.conn(), id, acme).await.unwrap();
    drop(c);
    let scoped = app.api_key("secondary_admin", Some(acme)).await;
    let inv_id = inv["id"].as_str().unwrap();
    assert_eq!(app.api("GET", &format!("/api/v1/invitations/{inv_id}"), &scoped, None).await.0, 404);
    assert_eq!(app.api("POST", &format!("/api/v1/invitations/{inv_id}/revoke"), &scoped, None).await.0, 404);
    let (status, user) = app.api("GET", &format!("/api/v1/users/{id}"), &scoped, None).await;
    assert_eq!(status, 200, "the person is in Acme too");
    assert_eq!(user["tenants"], json!([acme]), "Globex is not shown");
}
