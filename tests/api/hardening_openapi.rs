//! Issue 7, items 14–16: 401s name the Bearer scheme, a list's total is
//! the whole query's, and the OpenAPI document and the server agree.

use serde_json::{Value, json};

use super::helpers::{TestApp, spawn_app};

/// A GET with this `Authorization` header (none if `None`): status and
/// `WWW-Authenticate`.
async fn challenge(app: &TestApp, authorization: Option<&str>) -> (u16, Option<String>) {
    let mut req = app.client.get(app.url("/api/v1/users"));
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    let r = req.send().await.unwrap();
    let header = r.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), header)
}

#[tokio::test]
async fn every_401_from_the_api_tells_the_client_to_use_a_bearer_token() {
    let app = spawn_app().await;
    let bearer = Some("Bearer".to_string());
    let invalid = Some(r#"Bearer error="invalid_token""#.to_string());
    assert_eq!(challenge(&app, None).await, (401, bearer.clone()), "no key");
    assert_eq!(challenge(&app, Some("Basic YWRhOnB3")).await, (401, bearer), "another scheme");
    assert_eq!(challenge(&app, Some("Bearer usk_00000000_nope")).await, (401, invalid.clone()), "an unknown key");

    let key = app.api_key("admin", None).await;
    assert_eq!(challenge(&app, Some(&format!("bearer {key}"))).await.0, 200, "the scheme is case-insensitive");
    let access = usher::domain::access::Access::from_roles(["admin"]);
    let input = usher::service::api_keys::NewKeyInput {
        name: "soon expired".into(),
        role: "admin".into(),
        tenant: None,
        expires_in_days: Some(1),
    };
    let (expiring, _) =
        usher::service::api_keys::create(&app.state, &usher::store::audit::Actor::system(), &access, input)
            .await
            .unwrap();
    // A day and a second later it has run out.
    app.clock.advance(chrono::TimeDelta::days(1) + chrono::TimeDelta::seconds(1));
    assert_eq!(challenge(&app, Some(&format!("Bearer {expiring}"))).await, (401, invalid.clone()), "an expired key");

    let mut c = app.db().acquire().await.unwrap();
    let keys = usher::store::api_keys::list(&mut c.conn()).await.unwrap();
    let admin_key = keys.iter().find(|k| k.name == "admin key").unwrap().id;
    usher::store::api_keys::revoke(&mut c.conn(), admin_key, chrono::Utc::now()).await.unwrap();
    assert_eq!(challenge(&app, Some(&format!("Bearer {key}"))).await, (401, invalid), "a revoked key");

    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let header = &doc["paths"]["/api/v1/users"]["get"]["responses"]["401"]["headers"]["WWW-Authenticate"];
    assert_eq!(header["required"], true, "the document promises the header: {header}");
}

/// Every page of `path` (with `limit=2`): the items' ids and each page's
/// body.
async fn pages(app: &TestApp, key: &str, path: &str) -> (Vec<String>, Vec<Value>) {
    let (mut ids, mut bodies, mut cursor) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=2&cursor={c}"),
            None => format!("{path}?limit=2"),
        };
        let (status, page) = app.api("GET", &url, key, None).await;
        assert_eq!(status, 200, "{page}");
        ids.extend(page["data"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()));
        cursor = page["next_cursor"].as_str().map(str::to_string);
        bodies.push(page);
        if cursor.is_none() {
            return (ids, bodies);
        }
    }
}

#[tokio::test]
async fn paging_through_users_shows_the_same_total_on_every_page() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    for i in 0..5 {
        let body = json!({ "login_id": format!("person{i}@example.com"), "send": false });
        assert_eq!(app.api("POST", "/api/v1/invitations", &key, Some(body)).await.0, 201);
    }
    let (ids, bodies) = pages(&app, &key, "/api/v1/users").await;
    assert_eq!(bodies.len(), 3, "five users, two a page");
    let totals: Vec<i64> = bodies.iter().map(|p| p["total"].as_i64().unwrap()).collect();
    assert_eq!(totals, vec![5, 5, 5], "the total does not shrink as the pages go on");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (5, 5), "every user is seen once");

    // Invitations have no total; their pages still show each one once.
    let (ids, _) = pages(&app, &key, "/api/v1/invitations").await;
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((ids.len(), unique.len()), (5, 5), "every invitation is seen once");
}

#[tokio::test]
async fn login_ids_that_match_the_documented_pattern_are_accepted() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    for login_id in ["0@0.example", "+tag@example.com", "9lives@cats.example"] {
        let (status, user) = app.api("POST", "/api/v1/users", &key, Some(json!({ "login_id": login_id }))).await;
        assert_eq!(status, 201, "{login_id}: {user}");
        assert_eq!(user["login_ids"], json!([login_id]));
    }
    // What the pattern refuses, the server refuses too.
    for login_id in ["a.b@localhost", "ada@-dash.example", "ada@[127.0.0.1]"] {
        let (status, _) = app.api("POST", "/api/v1/users", &key, Some(json!({ "login_id": login_id }))).await;
        assert_eq!(status, 422, "{login_id}");
    }
}

#[tokio::test]
async fn a_role_patch_without_a_description_leaves_the_role_as_it_is() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let role = json!({ "name": "support", "description": "Helps people" });
    assert_eq!(app.api("POST", "/api/v1/roles", &key, Some(role)).await.0, 201);
    for body in [None, Some(json!({})), Some(json!({ "description": null }))] {
        let (status, role) = app.api("PATCH", "/api/v1/roles/support", &key, body.clone()).await;
        assert_eq!((status, role["description"].as_str()), (200, Some("Helps people")), "{body:?}");
    }
    let (status, role) =
        app.api("PATCH", "/api/v1/roles/support", &key, Some(json!({ "description": "Answers mail" }))).await;
    assert_eq!((status, role["description"].as_str()), (200, Some("Answers mail")));
    assert_eq!(app.api("PATCH", "/api/v1/roles/nobody", &key, Some(json!({}))).await.0, 404);
}

#[tokio::test]
async fn every_post_refuses_an_idempotency_key_the_document_does_not_allow() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let long = "k".repeat(201);
    for r in usher::web::api::ROUTES.iter().filter(|r| r.method == "POST") {
        let params = doc["paths"][r.path]["post"]["parameters"].as_array().unwrap();
        let schema = &params.iter().find(|p| p["name"] == "Idempotency-Key").expect("documented")["schema"];
        assert_eq!((schema["minLength"].as_u64(), schema["maxLength"].as_u64()), (Some(1), Some(200)), "{}", r.path);
        let path = r.path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        for bad in ["", "two words", long.as_str()] {
            let (status, problem) =
                app.api_with("POST", &path, &key, r.request.map(|_| json!({})), &[("idempotency-key", bad)]).await;
            assert_eq!(status, 422, "{} with key {bad:?}: {problem}", r.path);
            assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
        }
    }
}

#[tokio::test]
async fn expires_in_may_be_a_whole_number_written_with_a_fraction() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let body = json!({ "login_id": "ada@example.com", "send": false, "expires_in": 6489.0 });
    let (status, inv) = app.api("POST", "/api/v1/invitations", &key, Some(body)).await;
    assert_eq!(status, 201, "{inv}");
    let at = |f: &str| chrono::DateTime::parse_from_rfc3339(inv[f].as_str().unwrap()).unwrap();
    assert_eq!((at("expires_at") - at("created_at")).num_seconds(), 6489);
    for bad in [json!(6489.5), json!(1e300)] {
        let body = json!({ "login_id": "bob@example.com", "send": false, "expires_in": bad });
        let (status, _) = app.api("POST", "/api/v1/invitations", &key, Some(body)).await;
        assert!(status == 400 || status == 422, "{bad} is refused, not a crash: {status}");
    }
}

#[tokio::test]
async fn an_empty_or_malformed_allowed_domain_is_refused_and_the_list_kept() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let (_, tenant) = app.api("POST", "/api/v1/tenants", &key, Some(json!({ "name": "Acme", "slug": "acme" }))).await;
    let path = format!("/api/v1/tenants/{}", tenant["id"].as_str().unwrap());
    let (status, _) = app.api("PATCH", &path, &key, Some(json!({ "allowed_domains": ["acme.com"] }))).await;
    assert_eq!(status, 200);
    for bad in [json!([""]), json!(["acme.com", " "]), json!(["acme.com,evil.com"]), json!(["acme..com"])] {
        let (status, problem) = app.api("PATCH", &path, &key, Some(json!({ "allowed_domains": bad }))).await;
        assert_eq!(status, 422, "{bad}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "allowed_domains");
    }
    let (_, list) = app.api("GET", "/api/v1/tenants", &key, None).await;
    assert_eq!(list["data"][0]["allowed_domains"], json!(["acme.com"]), "nothing was dropped or changed");
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let items = &doc["components"]["schemas"]["TenantPatch"]["properties"]["allowed_domains"]["items"];
    assert_eq!(items["minLength"], 1, "{items}");
}

#[tokio::test]
async fn names_are_held_to_the_documented_lengths_in_characters() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    // The limit counts what is kept once the spaces around are trimmed, so
    // the document states it in the pattern rather than as maxLength.
    let pattern = doc["components"]["schemas"]["UserIn"]["properties"]["given_name"]["pattern"].as_str().unwrap();
    assert!(pattern.contains("{0,200}"), "{pattern}");
    let padded = format!("  {}  ", "n".repeat(200));
    let body = json!({ "login_id": "ada@example.com", "given_name": padded });
    assert_eq!(app.api("POST", "/api/v1/users", &key, Some(body)).await.0, 201, "200 characters and spaces around");
    let long = "n".repeat(201);
    let body = json!({ "login_id": "bob@example.com", "given_name": long });
    let (status, problem) = app.api("POST", "/api/v1/users", &key, Some(body)).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("given_name")), "{problem}");
    // A tenant name of 100 characters is fine, whatever their bytes.
    let name = "é".repeat(100);
    let (status, tenant) = app.api("POST", "/api/v1/tenants", &key, Some(json!({ "name": name, "slug": "e" }))).await;
    assert_eq!((status, tenant["name"].as_str()), (201, Some(name.as_str())), "{tenant}");
}

#[tokio::test]
async fn the_document_links_what_an_operation_returns_to_what_can_be_done_next() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let route = |id: &str| usher::web::api::ROUTES.iter().find(|r| r.id == id).unwrap();
    let mut linked = Vec::new();
    for r in usher::web::api::ROUTES {
        let response = &doc["paths"][r.path][r.method.to_lowercase()]["responses"][r.status.to_string()];
        for (name, link) in response["links"].as_object().into_iter().flatten() {
            let target = route(link["operationId"].as_str().unwrap());
            for (param, expr) in link["parameters"].as_object().unwrap() {
                assert!(target.path.contains(&format!("{{{param}}}")), "{} → {name}: {param}", r.id);
                assert!(expr.as_str().unwrap().starts_with("$response.body#/"), "{expr}");
            }
            linked.push((r.id, target.id));
        }
    }
    for pair in [
        ("create_invitation", "get_invitation"),
        ("create_invitation", "resend_invitation"),
        ("create_invitation", "revoke_invitation"),
        ("create_user", "remove_login_id"),
        ("create_user", "deactivate_user"),
        ("create_tenant", "update_tenant"),
        ("create_role", "delete_role"),
    ] {
        assert!(linked.contains(&pair), "{pair:?} is linked");
    }
}

#[tokio::test]
async fn a_body_written_as_an_array_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let body = json!({ "login_id": "ada@example.com", "given_name": "Ada" });
    let (_, user) = app.api("POST", "/api/v1/users", &key, Some(body)).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    // serde alone would read this as `{ "given_name": "Mallory", … }`.
    let (status, problem) = app.api("PATCH", &path, &key, Some(json!(["Mallory", null, null, null, null]))).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(app.api("GET", &path, &key, None).await.1["given_name"], "Ada");
    let role = json!({ "name": "support", "description": "Helps" });
    assert_eq!(app.api("POST", "/api/v1/roles", &key, Some(role)).await.0, 201);
    assert_eq!(app.api("PATCH", "/api/v1/roles/support", &key, Some(json!([null]))).await.0, 400);

    let batch = json!({ "invitations": [["grace@example.com"], { "login_id": "alan@example.com", "send": false }] });
    let (status, result) = app.api("POST", "/api/v1/invitations/batch", &key, Some(batch)).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!((result["created"].as_i64(), result["results"][0]["status"].as_str()), (Some(1), Some("error")));
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 1, "only the object item was invited");
}

/// Every `$ref` under `value`, with where it was found.
fn refs<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(target)) => found.push((at.clone(), target)),
                    _ => refs(v, format!("{at}/{k}"), found),
                }
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| refs(v, format!("{at}/{i}"), found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_route_is_documented_with_body_schemas_that_exist() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let schemas = doc["components"]["schemas"].as_object().expect("components");
    let schema_ref = |name: &str| format!("#/components/schemas/{name}");
    for r in usher::web::api::ROUTES {
        let op = &doc["paths"][r.path][r.method.to_lowercase()];
        assert_eq!(op["operationId"], r.id, "{} {} is documented", r.method, r.path);
        let request = &op["requestBody"]["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(request.as_str(), r.request.map(schema_ref).as_deref(), "{}'s request body", r.id);
        let ok = &op["responses"][r.status.to_string()];
        assert!(ok.is_object(), "{} documents its {} answer", r.id, r.status);
        let response = &ok["content"]["application/json"]["schema"]["$ref"];
        assert_eq!(response.as_str(), r.response.map(schema_ref).as_deref(), "{}'s response body", r.id);
        let problem = &op["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem.as_str(), Some(schema_ref("Problem").as_str()), "{}'s errors", r.id);
    }
    let mut found = Vec::new();
    refs(&doc, String::new(), &mut found);
    assert!(found.len() > usher::web::api::ROUTES.len(), "the bodies are references");
    for (at, target) in found {
        let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{at}: {target}"));
        assert!(schemas.contains_key(name), "{at} refers to {name}, which is not in the document");
    }
}

#[tokio::test]
async fn the_document_states_the_limits_the_server_holds_values_to() {
    use usher::domain::{invitation::InvitationStatus, lifetime, login_id, user::UserStatus};
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let schema = |name: &str| doc["components"]["schemas"][name]["properties"].clone();
    for (body, field) in
        [("InvitationIn", "login_id"), ("UserIn", "login_id"), ("LoginIdIn", "login_id"), ("UserPatch", "login_id")]
    {
        let login = &schema(body)[field];
        assert_eq!(login["pattern"], login_id::PATTERN, "{body}.{field}");
        assert_eq!(login["maxLength"], login_id::MAX_LEN, "{body}.{field}");
    }
    let expires_in = &schema("InvitationIn")["expires_in"];
    assert_eq!(expires_in["minimum"], lifetime::MIN.num_seconds());
    assert_eq!(expires_in["maximum"], lifetime::MAX.num_seconds());
    assert_eq!(schema("InvitationIn")["lang"]["enum"], json!(["en", "de", null]));
    assert_eq!(schema("Invitation")["status"]["enum"], json!(InvitationStatus::ALL.map(InvitationStatus::as_str)));
    assert_eq!(schema("User")["status"]["enum"], json!(UserStatus::ALL.map(UserStatus::as_str)));
    // One role-name rule, wherever a role name is taken.
    let role_name = &schema("RoleIn")["name"]["pattern"];
    assert_eq!(role_name, "^[A-Za-z0-9_.:-]{1,60}$");
    assert_eq!(&schema("RolesIn")["roles"]["items"]["pattern"], role_name);
    assert_eq!(&schema("TenantRole")["role"]["pattern"], role_name);
    assert_eq!(&schema("InvitationIn")["roles"]["items"]["pattern"], role_name);

    // The documented bounds are the server's: the last value in is taken,
    // the first one past it refused.
    let key = app.api_key("admin", None).await;
    let invite = |n: i64, seconds: i64| json!({ "login_id": format!("person{n}@example.com"), "send": false, "expires_in": seconds });
    let max = expires_in["maximum"].as_i64().unwrap();
    assert_eq!(app.api("POST", "/api/v1/invitations", &key, Some(invite(1, max))).await.0, 201);
    let (status, problem) = app.api("POST", "/api/v1/invitations", &key, Some(invite(2, max + 1))).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("expires_in")), "{problem}");
    // A login ID of the documented length is taken; one byte more is not.
    let login_of = |len: usize| {
        let domain =
            format!("{}.{}.{}.de", "b".repeat(63), "b".repeat(63), "c".repeat(len - 64 - 1 - 63 - 1 - 63 - 1 - 3));
        format!("{}@{domain}", "a".repeat(64))
    };
    let longest = login_of(login_id::MAX_LEN);
    assert_eq!(longest.len(), login_id::MAX_LEN);
    let (status, user) = app.api("POST", "/api/v1/users", &key, Some(json!({ "login_id": longest }))).await;
    assert_eq!(status, 201, "{user}");
    let too_long = json!({ "login_id": login_of(login_id::MAX_LEN + 1) });
    let (status, problem) = app.api("POST", "/api/v1/users", &key, Some(too_long)).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("login_id")), "{problem}");
    let (status, problem) = app.api("GET", "/api/v1/users?status=gone", &key, None).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("status")), "{problem}");
    let params = doc["paths"]["/api/v1/users"]["get"]["parameters"].as_array().unwrap();
    let status_param = params.iter().find(|p| p["name"] == "status").expect("a status filter");
    assert!(!status_param["schema"]["enum"].as_array().unwrap().contains(&json!("gone")));
}
