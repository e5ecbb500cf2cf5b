//! Issue 7, API conformance: idempotency on every POST (13), conflicts and
//! problem codes (17), invitations attributed to their API key and a fresh
//! link through the API (18), a batch that reports every item (29).

use serde_json::{Value, json};

use super::helpers::{TestApp, spawn_app};
use super::invitations::settings;

/// One API call: (status, JSON body, whether it was a replay).
async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: &str,
    body: Option<Value>,
    idempotency_key: Option<&str>,
) -> (u16, Value, bool) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = app.client.request(method, app.url(path)).header("authorization", format!("Bearer {key}"));
    if let Some(k) = idempotency_key {
        req = req.header("idempotency-key", k);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let replayed = r.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), replayed)
}

fn concrete(path: &str) -> String {
    path.replace("{id}", &uuid::Uuid::new_v4().to_string())
        .replace("{tenant_id}", &uuid::Uuid::new_v4().to_string())
        .replace("{login_id}", "x@example.com")
        .replace("{name}", "no-such-role")
}

#[tokio::test]
async fn a_retried_deactivate_activate_or_logout_gets_the_first_response_back() {
    let app = spawn_app().await;
    app.create_user("worker@x.io", &[]).await;
    assert_eq!(app.login("worker@x.io").await.status(), 303, "the person has a session");
    let key = app.api_key("admin", None).await;
    let base = format!("/api/v1/users/{}", app.user_id("worker@x.io").await);

    let first = call(&app, "POST", &format!("{base}/logout"), &key, None, Some("out-1")).await;
    assert_eq!((first.0, first.1["sessions_ended"].as_i64()), (200, Some(1)));
    let again = call(&app, "POST", &format!("{base}/logout"), &key, None, Some("out-1")).await;
    assert_eq!((again.0, &again.1, again.2), (200, &first.1, true), "the retry gets the first answer");

    let first = call(&app, "POST", &format!("{base}/deactivate"), &key, None, Some("off-1")).await;
    assert_eq!((first.0, first.1["status"].as_str()), (200, Some("disabled")));
    let again = call(&app, "POST", &format!("{base}/deactivate"), &key, None, Some("off-1")).await;
    assert_eq!((again.0, &again.1, again.2), (200, &first.1, true), "not 409 'already disabled'");

    let first = call(&app, "POST", &format!("{base}/activate"), &key, None, Some("on-1")).await;
    assert_eq!((first.0, first.1["status"].as_str()), (200, Some("active")));
    let again = call(&app, "POST", &format!("{base}/activate"), &key, None, Some("on-1")).await;
    assert_eq!((again.0, &again.1, again.2), (200, &first.1, true), "not 409 'already active'");

    // Without a key, a second deactivate is refused as before.
    call(&app, "POST", &format!("{base}/deactivate"), &key, None, None).await;
    let (status, problem, _) = call(&app, "POST", &format!("{base}/deactivate"), &key, None, None).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("conflict.refused")));
}

#[tokio::test]
async fn every_post_of_the_route_table_goes_through_the_idempotency_layer() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let posts: Vec<&usher::web::api::ApiRoute> =
        usher::web::api::ROUTES.iter().filter(|r| r.method == "POST").collect();
    let documented = doc["paths"].as_object().unwrap().values().filter(|ops| ops.get("post").is_some()).count();
    assert_eq!(posts.len(), documented, "every documented POST is in the route table");
    assert!(!posts.is_empty());
    for r in posts {
        let path = concrete(r.path);
        let idem = format!("walk-{}", r.id);
        let body = r.request.map(|_| json!({}));
        let first = call(&app, "POST", &path, &key, body.clone(), Some(&idem)).await;
        assert!(!first.2, "{} {}: the first call is not a replay", r.method, r.path);
        let again = call(&app, "POST", &path, &key, body, Some(&idem)).await;
        assert!(again.2, "{} {} replays the first response for the same Idempotency-Key", r.method, r.path);
        assert_eq!((again.0, &again.1), (first.0, &first.1), "{} {}", r.method, r.path);
        let other = call(&app, "POST", &path, &key, Some(json!({ "other": true })), Some(&idem)).await;
        assert_eq!(
            (other.0, other.1["code"].as_str()),
            (422, Some("idempotency_key_reused")),
            "{} {}: the key cannot be reused for another request",
            r.method,
            r.path
        );
    }
}

#[tokio::test]
async fn conflicts_answer_409_with_a_stable_code() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let conflict = |status: u16, problem: &Value| {
        (
            status,
            problem["code"].as_str().map(str::to_string),
            problem["errors"][0]["code"].as_str().map(str::to_string),
        )
    };
    let own = |s: &str| Some(s.to_string());

    call(&app, "POST", "/api/v1/tenants", &key, Some(json!({ "name": "Acme", "slug": "acme" })), None).await;
    let (s, p, _) =
        call(&app, "POST", "/api/v1/tenants", &key, Some(json!({ "name": "Again", "slug": "acme" })), None).await;
    assert_eq!(conflict(s, &p), (409, own("conflict.tenant_slug_taken"), own("tenant_slug_taken")), "{p}");
    assert_eq!(p["errors"][0]["field"], "slug");

    call(&app, "POST", "/api/v1/roles", &key, Some(json!({ "name": "editor" })), None).await;
    let (s, p, _) = call(&app, "POST", "/api/v1/roles", &key, Some(json!({ "name": "editor" })), None).await;
    assert_eq!(conflict(s, &p), (409, own("conflict.role_name_taken"), own("role_name_taken")), "{p}");

    let (_, user, _) = call(&app, "POST", "/api/v1/users", &key, Some(json!({ "login_id": "u@x.io" })), None).await;
    let (s, p, _) = call(&app, "POST", "/api/v1/users", &key, Some(json!({ "login_id": "U@x.io" })), None).await;
    assert_eq!(conflict(s, &p), (409, own("conflict.login_id_taken"), own("login_id_taken")), "{p}");
    assert_eq!(p["errors"][0]["field"], "login_id");

    let (_, other, _) = call(&app, "POST", "/api/v1/users", &key, Some(json!({ "login_id": "v@x.io" })), None).await;
    let path = format!("/api/v1/users/{}/login-ids", other["id"].as_str().unwrap());
    let (s, p, _) = call(&app, "POST", &path, &key, Some(json!({ "login_id": "u@x.io" })), None).await;
    assert_eq!(conflict(s, &p), (409, own("conflict.login_id_taken"), own("login_id_taken")), "{p}");

    assert_eq!(user["status"], "active");
    let (s, p, _) = call(&app, "POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "u@x.io" })), None).await;
    assert_eq!(conflict(s, &p), (409, own("conflict.already_active"), own("already_active")), "{p}");

    let invite = json!({ "login_id": "new@x.io", "send": false });
    call(&app, "POST", "/api/v1/invitations", &key, Some(invite.clone()), None).await;
    let (s, p, _) = call(&app, "POST", "/api/v1/invitations", &key, Some(invite), None).await;
    assert_eq!(conflict(s, &p), (409, own("conflict.already_invited"), own("already_invited")), "{p}");
}

#[tokio::test]
async fn every_problem_carries_a_documented_code_and_every_field_error_too() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let support = app.api_key("user_invite", None).await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let problem = &doc["components"]["schemas"]["Problem"]["properties"];
    let documented = |codes: &Value, code: &str| codes["enum"].as_array().unwrap().iter().any(|c| c == code);

    let (_, inv, _) =
        call(&app, "POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "r@x.io", "send": false })), None)
            .await;
    let revoke = format!("/api/v1/invitations/{}/revoke", inv["id"].as_str().unwrap());
    call(&app, "POST", &revoke, &key, None, None).await;
    // (method, path, key, body, status, code)
    type Case<'a> = (&'a str, &'a str, &'a str, Option<Value>, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("GET", "/api/v1/users", "usk_00000000_nope", None, 401, "unauthorized"),
        ("POST", "/api/v1/tenants", &support, Some(json!({ "name": "X", "slug": "x" })), 403, "forbidden"),
        ("GET", "/api/v1/users/00000000-0000-0000-0000-000000000000", &key, None, 404, "not_found"),
        ("GET", "/api/v1/nothing", &key, None, 404, "no_such_endpoint"),
        ("PUT", "/api/v1/invitations", &key, None, 405, "method_not_allowed"),
        ("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": 5 })), 400, "invalid_json"),
        ("GET", "/api/v1/users?limit=x", &key, None, 422, "validation_failed"),
        ("GET", "/api/v1/users?tenant=not-a-uuid", &key, None, 400, "bad_request"),
        ("POST", &revoke, &key, None, 409, "conflict.refused"),
        ("POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "nope" })), 422, "validation_failed"),
    ];
    for (method, path, k, body, status, code) in cases {
        let (s, p, _) = call(&app, method, path, k, body, None).await;
        assert_eq!((s, p["code"].as_str()), (status, Some(code)), "{method} {path}: {p}");
        assert!(documented(&problem["code"], code), "{code} is in the OpenAPI problem schema");
    }

    let field_codes = &problem["errors"]["items"]["properties"]["code"];
    let body = json!({ "login_id": "nope", "expires_in": 10, "lang": "fr" });
    let (_, p, _) = call(&app, "POST", "/api/v1/invitations", &key, Some(body), None).await;
    let by_field =
        |field: &str| p["errors"].as_array().unwrap().iter().find(|e| e["field"] == field).map(|e| e["code"].clone());
    assert_eq!(by_field("login_id"), Some(json!("invalid_email")), "{p}");
    assert_eq!(by_field("expires_in"), Some(json!("out_of_range")), "{p}");
    assert_eq!(by_field("lang"), Some(json!("invalid")), "{p}");
    let (_, p, _) = call(&app, "POST", "/api/v1/users", &key, Some(json!({ "login_id": "+12" })), None).await;
    assert_eq!(p["errors"][0]["code"], "invalid_phone", "{p}");
    for e in p["errors"].as_array().unwrap() {
        assert!(documented(field_codes, e["code"].as_str().unwrap()), "{e} is documented");
    }
    for code in ["invalid_email", "out_of_range", "invalid", "login_id_taken", "invalid_json"] {
        assert!(documented(field_codes, code), "field code {code} is documented");
    }
    let (s, p, _) = call(&app, "POST", "/api/v1/users", &key, Some(json!({ "login_id": "a@x.io" })), Some("k")).await;
    assert_eq!(s, 201, "{p}");
    let (s, p, _) = call(&app, "POST", "/api/v1/users", &key, Some(json!({ "login_id": "b@x.io" })), Some("k")).await;
    assert_eq!((s, p["code"].as_str()), (422, Some("idempotency_key_reused")));
}

/// The id of the only API key with this name.
async fn key_id(app: &TestApp, name: &str) -> String {
    let mut c = app.db().acquire().await.unwrap();
    let keys = usher::store::api_keys::list(&mut c.conn()).await.unwrap();
    keys.into_iter().find(|k| k.name == name).unwrap().id.to_string()
}

#[tokio::test]
async fn an_invitation_made_through_the_api_names_its_key_in_the_api_the_console_and_the_audit_log() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("secondary_admin", None).await;
    let (status, inv, _) =
        call(&app, "POST", "/api/v1/invitations", &key, Some(json!({ "login_id": "robo@x.io", "send": false })), None)
            .await;
    assert_eq!(status, 201, "{inv}");
    let by_key =
        json!({ "type": "api_key", "id": key_id(&app, "secondary_admin key").await, "name": "secondary_admin key" });
    assert_eq!(inv["invited_by"], by_key);
    let path = format!("/api/v1/invitations/{}", inv["id"].as_str().unwrap());
    assert_eq!(call(&app, "GET", &path, &key, None, None).await.1["invited_by"], by_key);
    let (_, list, _) = call(&app, "GET", "/api/v1/invitations", &key, None, None).await;
    assert_eq!(list["data"][0]["invited_by"], by_key);

    let label = "API key: secondary_admin key";
    assert!(app.get_html("/admin/users?status=invited").await.contains(label), "the users table names the key");
    assert!(app.get_html("/admin/invitations").await.contains(label), "the invitations list names the key");
    let user_page = app.get_html(&format!("/admin/users/{}", inv["user_id"].as_str().unwrap())).await;
    assert!(user_page.contains(label), "the person's page names the key");
    let actor = app
        .scalar("SELECT actor FROM audit_log WHERE action = 'invitation.created' AND target = $1", "robo@x.io")
        .await;
    assert!(actor.contains("secondary_admin key"), "the audit log names the key: {actor}");

    // One made in the console names the person, the same way.
    assert_eq!(app.invite("person@x.io", &[]).await.status(), 303);
    let (_, list, _) = call(&app, "GET", "/api/v1/invitations?login_id=person%40x.io", &key, None, None).await;
    let admin = app.user_id("admin@example.com").await.to_string();
    assert_eq!(list["data"][0]["invited_by"], json!({ "type": "user", "id": admin, "name": "admin@example.com" }));
}

#[tokio::test]
async fn a_fresh_link_is_issued_through_the_api_once_and_older_links_die() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let acme = app.tenant("Acme", "acme").await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    let support = app.api_key("user_invite", None).await;
    let (_, inv, _) = call(
        &app,
        "POST",
        "/api/v1/invitations",
        &support,
        Some(json!({ "login_id": "lost@x.io", "send": false })),
        None,
    )
    .await;
    let old_link = inv["link"].as_str().unwrap().to_string();
    let path = format!("/api/v1/invitations/{}/link", inv["id"].as_str().unwrap());

    let (status, fresh, _) = call(&app, "POST", &path, &support, None, Some("link-1")).await;
    assert_eq!(status, 200, "{fresh}");
    let link = fresh["link"].as_str().expect("the fresh link, once").to_string();
    assert_ne!(link, old_link);
    assert_eq!(fresh["resent_count"], 1);
    assert_eq!(app.get(&link).await.status(), 200, "the fresh link works");
    assert_eq!(app.get(&old_link).await.status(), 410, "the older link is dead");
    let (status, replay, replayed) = call(&app, "POST", &path, &support, None, Some("link-1")).await;
    assert_eq!((status, replayed, replay["id"].clone()), (200, true, fresh["id"].clone()));
    assert!(replay.get("link").is_none(), "a replay never repeats the link");
    assert_eq!(replay["link_withheld"], true, "and says that it was withheld");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0, "no message was queued: the link is returned");
    let logged = app
        .scalar("SELECT action FROM audit_log WHERE action = 'invitation.link_issued' AND target = $1", "lost@x.io")
        .await;
    assert_eq!(logged, "invitation.link_issued");

    let scoped = app.api_key("secondary_admin", Some(acme)).await;
    assert_eq!(call(&app, "POST", &path, &scoped, None, None).await.0, 404, "another tenant's invitation");
    let revoke = path.replace("/link", "/revoke");
    call(&app, "POST", &revoke, &support, None, None).await;
    let (status, problem, _) = call(&app, "POST", &path, &support, None, None).await;
    assert_eq!((status, problem["code"].as_str()), (409, Some("conflict.refused")), "revoked is final");
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["paths"]["/api/v1/invitations/{id}/link"]["post"]["operationId"], "issue_invitation_link");
}

/// Make inserting an invitation for `boom@x.io` fail in the database.
async fn fail_inserts_for_boom(app: &TestApp) {
    let mut c = app.db().acquire().await.unwrap();
    match c.conn() {
        usher::store::Conn::Sqlite(c) => sqlx::query(
            "CREATE TRIGGER boom BEFORE INSERT ON invitations WHEN NEW.login_id = 'boom@x.io'
                 BEGIN SELECT RAISE(ABORT, 'boom'); END",
        )
        .execute(&mut *c)
        .await
        .map(|_| ()),
        usher::store::Conn::Postgres(c) => {
            sqlx::query(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN IF NEW.login_id = 'boom@x.io' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$",
            )
            .execute(&mut *c)
            .await
            .unwrap();
            sqlx::query("CREATE TRIGGER boom BEFORE INSERT ON invitations FOR EACH ROW EXECUTE FUNCTION boom()")
                .execute(&mut *c)
                .await
                .map(|_| ())
        }
    }
    .unwrap();
}

#[tokio::test]
async fn a_failure_in_the_middle_of_a_batch_reports_every_item_and_a_retry_gets_the_same_report() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    fail_inserts_for_boom(&app).await;
    let body = json!({ "invitations": [
        { "login_id": "first@x.io", "send": false },
        { "login_id": "bad" },
        { "login_id": "boom@x.io" },
        { "login_id": "last@x.io" },
    ] });
    let (status, result, _) =
        call(&app, "POST", "/api/v1/invitations/batch", &key, Some(body.clone()), Some("b-1")).await;
    assert_eq!(status, 200, "{result}");
    let statuses: Vec<&str> =
        result["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["created", "error", "error", "not_attempted"], "{result}");
    assert_eq!(result["results"][1]["error"]["code"], "validation_failed");
    assert_eq!(result["results"][2]["error"]["code"], "internal");
    assert_eq!(
        (result["created"].as_i64(), result["failed"].as_i64(), result["not_attempted"].as_i64()),
        (Some(1), Some(2), Some(1))
    );
    let first_id = result["results"][0]["invitation"]["id"].clone();
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1, "only the first was made");
    assert_eq!(app.invitation_status("first@x.io").await, "pending");

    let (status, replay, replayed) =
        call(&app, "POST", "/api/v1/invitations/batch", &key, Some(body), Some("b-1")).await;
    assert_eq!((status, replayed), (200, true));
    let replay_statuses: Vec<&str> =
        replay["results"].as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(replay_statuses, statuses, "the retry gets the same per-item result");
    assert_eq!(replay["results"][0]["invitation"]["id"], first_id);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1, "and nothing is made twice");
}
