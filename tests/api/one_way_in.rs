//! One rule per field, whichever way in (issue #12): a name over the
//! limit or an attribute name the console refuses is refused the same way
//! by the console's forms, the API and bulk files, and two changes to one
//! person made at the same moment both stay.

use serde_json::{Value, json};

use super::helpers::{TestApp, invite_link, spawn_app, verdict};

/// One character over the limit for names.
fn too_long() -> String {
    "n".repeat(201)
}

const TOO_LONG: &str = "Use at most 200 characters";

/// The message a 422 problem gives for `field`.
fn field_message(problem: &Value, field: &str) -> Option<String> {
    problem["errors"].as_array()?.iter().find(|e| e["field"] == field).map(|e| e["message"].as_str().unwrap().into())
}

/// A user made through the API, with its path.
async fn api_user(app: &TestApp, key: &str, login_id: &str) -> String {
    let body = json!({ "login_id": login_id, "given_name": "Grace", "custom_attributes": { "team": "blue" } });
    let (status, user) = app.api("POST", "/api/v1/users", key, Some(body)).await;
    assert_eq!(status, 201, "{user}");
    format!("/api/v1/users/{}", user["id"].as_str().unwrap())
}

#[tokio::test]
async fn an_api_attribute_name_the_console_refuses_is_a_422_naming_custom_attributes() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let user = api_user(&app, &key, "grace@x.io").await;
    let long = "k".repeat(61);
    for bad in ["bad key", "", " team", "ümlaut", "a.b", long.as_str()] {
        let attributes = json!({ bad: "x" });
        let calls = [
            ("POST", "/api/v1/invitations", json!({ "login_id": "ada@x.io", "custom_attributes": attributes })),
            ("POST", "/api/v1/users", json!({ "login_id": "ada@x.io", "custom_attributes": attributes })),
            ("PATCH", user.as_str(), json!({ "given_name": "Changed", "custom_attributes": attributes })),
        ];
        for (method, path, body) in calls {
            let (status, problem) = app.api(method, path, &key, Some(body)).await;
            assert_eq!(status, 422, "{method} {path} with {bad:?}: {problem}");
            let message = field_message(&problem, "custom_attributes").unwrap_or_default();
            assert!(message.starts_with("Attribute names use letters, digits, _ and -"), "{bad:?}: {problem}");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1, "nobody was made");
    let (_, after) = app.api("GET", &user, &key, None).await;
    assert_eq!(
        (after["given_name"].as_str(), &after["custom_attributes"]),
        (Some("Grace"), &json!({ "team": "blue" }))
    );
    // The names the console takes, the API takes too.
    let body =
        json!({ "login_id": "ada@x.io", "send": false, "custom_attributes": { "cost-center": 7, "team_2": "x" } });
    assert_eq!(app.api("POST", "/api/v1/invitations", &key, Some(body)).await.0, 201);
}

#[tokio::test]
async fn a_name_over_the_limit_is_refused_the_same_way_on_every_way_in() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("admin", None).await;
    let long = too_long();

    // The console's invite form and profile form.
    let r = app.invite("long@x.io", &[("given_name", long.as_str())]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(TOO_LONG));
    let user = api_user(&app, &key, "grace@x.io").await;
    let id = user.rsplit('/').next().unwrap();
    let r = app.post_form(&format!("/admin/users/{id}/profile"), &[("family_name", long.as_str())]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(TOO_LONG));

    // The API: create an invitation, create a user, change a user.
    let calls = [
        ("POST", "/api/v1/invitations", json!({ "login_id": "long@x.io", "given_name": long }), "given_name"),
        ("POST", "/api/v1/users", json!({ "login_id": "long@x.io", "family_name": long }), "family_name"),
        ("PATCH", user.as_str(), json!({ "given_name": long }), "given_name"),
        ("PATCH", user.as_str(), json!({ "display_name": long }), "display_name"),
    ];
    for (method, path, body, field) in calls {
        let (status, problem) = app.api(method, path, &key, Some(body)).await;
        assert_eq!(status, 422, "{method} {path}: {problem}");
        assert_eq!(field_message(&problem, field).as_deref(), Some(TOO_LONG), "{method} {path}: {problem}");
    }

    // A bulk file's row.
    let csv = format!("email,given_name\nlong@x.io,{long}\nfine@x.io,Fine\n");
    let html = app.upload_csv(csv.as_bytes(), false).await.text().await.unwrap();
    assert_eq!(verdict(&html, "long@x.io"), format!("invalid: given name: {TOO_LONG}"));
    assert_eq!(verdict(&html, "fine@x.io"), "will invite");

    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE primary_login_id = 'long@x.io'").await, 0);
    let (_, after) = app.api("GET", &user, &key, None).await;
    assert_eq!((after["given_name"].as_str(), after["family_name"].as_str()), (Some("Grace"), Some("")));

    // At the limit, in characters whatever their bytes, every way takes it.
    let longest = "é".repeat(200);
    assert_eq!(app.invite("longest@x.io", &[("given_name", longest.as_str())]).await.status(), 303);
    let (status, user) = app.api("PATCH", &user, &key, Some(json!({ "family_name": longest }))).await;
    assert_eq!((status, user["family_name"].as_str()), (200, Some(longest.as_str())), "{user}");
}

#[tokio::test]
async fn a_name_with_a_line_break_is_refused_and_spaces_around_it_are_trimmed() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("admin", None).await;
    let body = json!({ "login_id": "ada@x.io", "given_name": "Ada\nLovelace", "send": false });
    let (status, problem) = app.api("POST", "/api/v1/invitations", &key, Some(body)).await;
    assert_eq!(status, 422, "{problem}");
    assert!(field_message(&problem, "given_name").unwrap().contains("line breaks"), "{problem}");
    assert_eq!(app.invite("ada@x.io", &[("family_name", "Love\nlace")]).await.status(), 422);
    let body = json!({ "login_id": "ada@x.io", "given_name": "  Ada  ", "send": false });
    assert_eq!(app.api("POST", "/api/v1/invitations", &key, Some(body)).await.0, 201);
    assert_eq!(app.scalar("SELECT given_name FROM users WHERE primary_login_id = $1", "ada@x.io").await, "Ada");
}

#[tokio::test]
async fn registering_with_a_name_over_the_limit_is_refused_on_the_page() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    assert_eq!(app.invite("ada@example.com", &[]).await.status(), 303);
    let link = invite_link(&app.smtp.wait_for("ada@example.com").await);
    let long = too_long();
    let password = super::helpers::PASSWORD;
    let form = [
        ("given_name", long.as_str()),
        ("family_name", "Byron"),
        ("password", password),
        ("password_confirm", password),
    ];
    let r = app.post_form(&link, &form).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(TOO_LONG));
    assert_eq!(app.user_status("ada@example.com").await, "invited");
}

#[tokio::test]
async fn two_changes_to_different_fields_of_one_person_at_once_both_stay() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let user = api_user(&app, &key, "grace@x.io").await;
    // Each round two PATCHes race; with the read outside the writing
    // transaction, one of them would often put back what the other changed.
    for round in 0..15 {
        let name = json!({ "given_name": format!("Grace {round}") });
        let attributes = json!({ "custom_attributes": { "round": round } });
        let (a, b) =
            tokio::join!(app.api("PATCH", &user, &key, Some(name)), app.api("PATCH", &user, &key, Some(attributes)));
        assert_eq!((a.0, b.0), (200, 200), "round {round}: {} {}", a.1, b.1);
        let (_, after) = app.api("GET", &user, &key, None).await;
        assert_eq!(after["given_name"], format!("Grace {round}"), "round {round}: {after}");
        assert_eq!(after["custom_attributes"], json!({ "round": round }), "round {round}: {after}");
    }
}
