//! Odd input never crashes anything: searches with control characters and
//! query syntax, numbers too large for any clock, bodies over the limit,
//! phone numbers typed the way people type them (issue #7, items 3, 4, 5
//! and 24).

use serde_json::{Value, json};

use super::helpers::{TestApp, input_value, spawn_app};

fn encoded(term: &str) -> String {
    url::form_urlencoded::byte_serialize(term.as_bytes()).collect()
}

/// Who the console's users table lists for `term` (the page must load).
async fn console_search(app: &TestApp, term: &str) -> String {
    let r = app.get(&format!("/admin/users?q={}", encoded(term))).await;
    assert_eq!(r.status(), 200, "console search for {term:?}");
    r.text().await.unwrap()
}

/// The login IDs the API lists for `term` (the call must succeed).
async fn api_search(app: &TestApp, key: &str, term: &str) -> Vec<String> {
    let (status, body) = app.api("GET", &format!("/api/v1/users?q={}", encoded(term)), key, None).await;
    assert_eq!(status, 200, "API search for {term:?}: {body}");
    body["data"].as_array().unwrap().iter().map(|u| u["login_id"].as_str().unwrap().to_string()).collect()
}

fn listed(html: &str, login_id: &str) -> bool {
    html.contains(&format!("data-login-id=\"{login_id}\""))
}

/// Invite without sending (phones have no SMS connector in tests).
async fn invite_unsent(app: &TestApp, login_id: &str, given: &str, family: &str) {
    let r = app
        .post_form("/admin/invitations", &[("login_id", login_id), ("given_name", given), ("family_name", family)])
        .await;
    assert!(r.status().is_success() || r.status() == 303, "invite {login_id}: {}", r.status());
}

#[tokio::test]
async fn a_users_search_for_anything_a_person_can_type_is_a_result_page() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("admin", None).await;
    invite_unsent(&app, "plain@x.io", "Alice", "Plain").await;
    invite_unsent(&app, "odd@x.io", "50%_off\\path", "\"quoted\" x*y ^caret col:on (paren) NEAR -dash AND OR NOT")
        .await;

    // (what is typed, whether odd@ is found, whether plain@ is found);
    // None: either is fine, the page just has to load.
    let cases: &[(&str, Option<bool>, Option<bool>)] = &[
        ("\0", None, None),
        ("ali\0ce", Some(false), Some(true)),
        ("\u{1}\u{1f}\u{7f}alice", Some(false), Some(true)),
        ("alice\tplain", Some(false), Some(true)),
        ("\r\n", None, None),
        ("\0\0\0", None, None),
        ("\"", Some(true), Some(false)),
        ("\"\"", Some(false), Some(false)),
        ("\"quoted\"", Some(true), Some(false)),
        ("\"quoted", Some(true), Some(false)),
        ("x*y", Some(true), Some(false)),
        ("*", Some(true), Some(false)),
        ("alice*", Some(false), Some(false)),
        ("^caret", Some(true), Some(false)),
        ("^", Some(true), Some(false)),
        ("col:on", Some(true), Some(false)),
        ("search_text:alice", Some(false), Some(false)),
        ("(paren)", Some(true), Some(false)),
        ("(", Some(true), Some(false)),
        ("NEAR(alice plain)", Some(false), Some(false)),
        ("near", Some(true), Some(false)),
        ("-dash", Some(true), Some(false)),
        ("-alice", Some(false), Some(false)),
        ("alice OR odd", Some(false), Some(false)),
        ("alice AND plain", Some(false), Some(false)),
        ("NOT alice", Some(false), Some(false)),
        ("AND", Some(true), Some(false)),
        ("OR", Some(true), Some(false)),
        ("%", Some(true), Some(false)),
        ("_", Some(true), Some(false)),
        ("\\", Some(true), Some(false)),
        ("%_", Some(true), Some(false)),
        ("a%e", Some(false), Some(false)),
        ("a_i", Some(false), Some(false)),
        ("'; DROP TABLE users; --", Some(false), Some(false)),
        ("😀", Some(false), Some(false)),
        ("\u{202e}alice", Some(false), Some(false)),
        ("{}[]<>&|~`$#!?=+;,", Some(false), Some(false)),
    ];
    let long = "a".repeat(500);
    let cases = cases.iter().copied().chain([(long.as_str(), Some(false), Some(false))]);
    for (term, odd, plain) in cases {
        let html = console_search(&app, term).await;
        let api = api_search(&app, &key, term).await;
        // The invitations table and the API's login ID filter take it too.
        let r = app.get(&format!("/admin/invitations?q={}", encoded(term))).await;
        assert_eq!(r.status(), 200, "invitations search for {term:?}");
        let path = format!("/api/v1/invitations?login_id={}", encoded(term));
        assert_eq!(app.api("GET", &path, &key, None).await.0, 200, "API login_id filter {term:?}");
        for (login_id, expected) in [("odd@x.io", odd), ("plain@x.io", plain)] {
            let Some(expected) = expected else { continue };
            assert_eq!(listed(&html, login_id), expected, "console search for {term:?} lists {login_id}");
            assert_eq!(api.iter().any(|l| l == login_id), expected, "API search for {term:?} lists {login_id}");
        }
    }
}

#[tokio::test]
async fn an_api_page_size_that_is_not_a_small_whole_number_is_a_422_naming_limit() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    for path in ["/api/v1/users", "/api/v1/invitations"] {
        for limit in ["0", "-1", "501", "9999999999999", I64_MAX, "99999999999999999999999", "6489.0", "abc", ""] {
            let (status, problem) = app.api("GET", &format!("{path}?limit={}", encoded(limit)), &key, None).await;
            assert_eq!(status, 422, "{path}?limit={limit:?}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "limit", "{problem}");
        }
        assert_eq!(app.api("GET", &format!("{path}?limit=500"), &key, None).await.0, 200);
        assert_eq!(app.api("GET", path, &key, None).await.0, 200, "left out: the default");
    }
}

#[tokio::test]
async fn a_phone_number_typed_with_spaces_dashes_dots_or_parentheses_finds_its_person() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("admin", None).await;
    invite_unsent(&app, "+4915123459876", "Phoebe", "Phone").await;
    invite_unsent(&app, "+4917000000001", "Other", "Number").await;
    for term in [
        "+4915123459876",
        "+49 151 2345 9876",
        "+49 (151) 2345-9876",
        "+49-151-2345-9876",
        "+49.151.2345.9876",
        "0049 151 23459876",
        "151 2345 9876",
        "2345-9876",
    ] {
        let html = console_search(&app, term).await;
        assert!(listed(&html, "+4915123459876"), "console search for {term:?} finds the number");
        assert!(!listed(&html, "+4917000000001"), "console search for {term:?} finds only that number");
        let api = api_search(&app, &key, term).await;
        assert_eq!(api, vec!["+4915123459876".to_string()], "API search for {term:?}");
    }
}

fn settings_form<'a>(field: &'a str, value: &'a str, unit: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("account_name", "Usher"),
        ("invitation_lifetime", "7"),
        ("invitation_lifetime_unit", "days"),
        ("link_lifetime", "3"),
        ("link_lifetime_unit", "days"),
        ("resend_cooldown", "60"),
        ("default_lang", "en"),
        ("invites_per_inviter_per_day", "0"),
        ("audit_retention_days", "365"),
    ];
    for (k, v) in form.iter_mut() {
        if *k == field {
            *v = value;
        }
        if *k == format!("{field}_unit") {
            *v = unit;
        }
    }
    form
}

/// The error message shown beside the input with this id (between the
/// message and the input there is no other input).
fn error_beside(html: &str, id: &str) -> Option<String> {
    let input = html.find(&format!("id=\"{id}\""))?;
    let before = &html[..html[..input].rfind('<')?];
    let at = before.rfind("class=\"error-message\"")?;
    let between = &before[at..];
    if between.contains("<input") || between.contains("<select") {
        return None;
    }
    let text = &between[between.find('>')? + 1..];
    Some(text[..text.find("</p>")?].to_string())
}

const I64_MAX: &str = "9223372036854775807";
const I64_MIN: &str = "-9223372036854775808";

#[tokio::test]
async fn every_settings_number_out_of_range_is_an_error_beside_its_field_with_the_values_kept() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let lifetimes = ["invitation_lifetime", "link_lifetime"];
    let mut cases: Vec<(&str, &str, &str, &str)> = Vec::new();
    for field in lifetimes {
        for unit in ["hours", "days", "weeks"] {
            for value in ["9999999999999", I64_MAX, "99999999999999999999999", "2562047788015215"] {
                cases.push((field, value, unit, "between 1 hour and 90 days"));
            }
        }
        for value in ["0", "-1", I64_MIN, "abc", "6489.0", "1e3", ""] {
            cases.push((field, value, "days", ""));
        }
    }
    for (field, huge) in
        [("resend_cooldown", "86401"), ("invites_per_inviter_per_day", "100001"), ("audit_retention_days", "3651")]
    {
        for value in [huge, "9999999999999", I64_MAX, "99999999999999999999999", "-1", I64_MIN, "abc", "6489.0", "1e3"]
        {
            cases.push((field, value, "", ""));
        }
    }
    cases.push(("audit_retention_days", "0", "", ""));
    for (field, value, unit, message) in cases {
        let r = app.post_form("/admin/settings", &settings_form(field, value, unit)).await;
        assert_eq!(r.status(), 422, "{field} = {value:?} {unit}");
        let html = r.text().await.unwrap();
        let error = error_beside(&html, field).unwrap_or_else(|| panic!("an error beside {field} for {value:?}"));
        assert!(error.to_lowercase().contains(message), "{field} = {value:?} {unit}: {error}");
        assert_eq!(input_value(&html, field).as_deref(), Some(value), "{field} keeps what was typed");
        assert!(html.contains("href=\"/admin/users\""), "the page keeps the navigation");
    }
    // Nothing was saved.
    let html = app.get_html("/admin/settings").await;
    assert_eq!(input_value(&html, "invitation_lifetime").as_deref(), Some("1"));
    assert_eq!(input_value(&html, "resend_cooldown").as_deref(), Some("60"));
}

#[tokio::test]
async fn an_api_key_expiry_out_of_range_is_an_error_beside_the_field_with_the_values_kept() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    for value in ["9999999999999", I64_MAX, "99999999999999999999999", "3651", "0", "-1", I64_MIN, "abc", "6489.0"] {
        let r = app
            .post_form(
                "/admin/api-keys",
                &[("name", "ci"), ("role", "user_invite"), ("tenant", ""), ("expires_in_days", value)],
            )
            .await;
        assert_eq!(r.status(), 422, "expires_in_days = {value:?}");
        let html = r.text().await.unwrap();
        assert!(error_beside(&html, "expires_in_days").is_some(), "an error beside the expiry for {value:?}");
        assert_eq!(input_value(&html, "expires_in_days").as_deref(), Some(value), "the expiry is kept");
        assert_eq!(input_value(&html, "name").as_deref(), Some("ci"), "the name is kept");
        assert!(html.contains("<option value=\"user_invite\" selected>"), "the role is kept");
        assert!(input_value(&html, "new_key").is_none(), "no key was made");
    }
}

#[tokio::test]
async fn an_api_expires_in_out_of_range_is_a_422_naming_the_field() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let bad: Vec<Value> = vec![
        json!(9_999_999_999_999_i64),
        json!(i64::MAX),
        json!(i64::MIN),
        json!(u64::MAX),
        json!(1e30),
        json!(-1e30),
        json!(-1),
        json!(0),
        json!(3599),
        json!(7_776_001),
        json!(6489.5),
        json!("abc"),
        json!("7200"),
        json!(true),
        json!([7200]),
    ];
    for (i, expires_in) in bad.into_iter().enumerate() {
        let body = json!({ "login_id": format!("p{i}@x.io"), "send": false, "expires_in": expires_in });
        let (status, problem) = app.api("POST", "/api/v1/invitations", &key, Some(body.clone())).await;
        assert_eq!(status, 422, "expires_in = {expires_in}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "expires_in", "{problem}");
        let batch = json!({ "invitations": [body] });
        let (status, result) = app.api("POST", "/api/v1/invitations/batch", &key, Some(batch)).await;
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["results"][0]["error"]["errors"][0]["field"], "expires_in", "{result}");
    }
    // A whole number written with a fraction is still that number (JSON
    // Schema's `integer`, which the OpenAPI document promises).
    let body = json!({ "login_id": "whole@x.io", "send": false, "expires_in": 6489.0 });
    let (status, inv) = app.api("POST", "/api/v1/invitations", &key, Some(body)).await;
    assert_eq!(status, 201, "{inv}");
    let created = chrono::DateTime::parse_from_rfc3339(inv["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(inv["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 6489);
}

const SEVEN_MIB: usize = 7 * 1024 * 1024;

#[tokio::test]
async fn an_oversized_api_body_is_a_413_problem_saying_the_limit() {
    let app = spawn_app().await;
    let key = app.api_key("admin", None).await;
    let body = json!({ "login_id": "big@x.io", "given_name": "x".repeat(SEVEN_MIB) });
    let r = app
        .client
        .post(app.url("/api/v1/invitations"))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 413);
    assert!(problem["detail"].as_str().unwrap().contains("6 MiB"), "{problem}");
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0);
}

fn has_navigation(html: &str) -> bool {
    html.contains("aria-label=\"Console\"") && html.contains("href=\"/admin/settings\"") && html.contains("Sign out")
}

#[tokio::test]
async fn an_oversized_csv_upload_is_a_413_console_page_saying_csv_files_up_to_5_mib() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut csv = b"email,given_name\n".to_vec();
    while csv.len() < SEVEN_MIB {
        csv.extend_from_slice(b"someone@example.com,Someone\n");
    }
    let r = app.upload_csv(&csv, true).await;
    assert_eq!(r.status(), 413);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(has_navigation(&html), "{html}");
    assert!(html.contains("CSV files up to 5 MiB"), "{html}");
    assert!(html.contains("href=\"/admin/invitations/bulk\""), "a way back to the upload");
}

#[tokio::test]
async fn an_oversized_form_is_a_413_console_page_saying_the_limit() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    // Over the form limit, and over the limit for any request body.
    for size in [100 * 1024, SEVEN_MIB] {
        let name = "x".repeat(size);
        let r = app.post_form("/admin/settings", &settings_form("account_name", &name, "")).await;
        assert_eq!(r.status(), 413, "a form of {size} bytes");
        let html = r.text().await.unwrap();
        assert!(has_navigation(&html), "{size}: {html}");
        assert!(html.contains("Forms can send up to 64 KiB"), "{size}: {html}");
    }
    // The console still works afterwards.
    assert_eq!(app.get("/admin/settings").await.status(), 200);
}

#[tokio::test]
async fn a_nul_character_in_a_filter_or_a_saved_field_is_taken_out_never_a_500() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let key = app.api_key("admin", None).await;
    // Filters: the users table's role, the audit log's action (page and CSV).
    for path in ["/admin/users?role=%00", "/admin/audit?action=%00", "/admin/audit.csv?action=x%00y"] {
        let r = app.get(path).await;
        assert!(r.status().is_success(), "{path}: {}", r.status());
    }
    let (status, body) = app.api("GET", "/api/v1/users?role=%00", &key, None).await;
    assert_eq!(status, 200, "{body}");

    // Saved text: a console form and an API body.
    let r =
        app.post_form("/admin/invitations", &[("login_id", "nul1@x.io"), ("given_name", "A\0da"), ("send", "")]).await;
    assert!(r.status().is_success() || r.status() == 303, "console invite: {}", r.status());
    let stored = app.scalar("SELECT given_name FROM users WHERE primary_login_id = $1", "nul1@x.io").await;
    assert_eq!(stored, "Ada", "the name is saved without the NUL");
    // A program sent exactly that text: it is refused, saying why.
    let body = json!({ "login_id": "nul2@x.io", "given_name": "Gr\u{0}ace", "send": false });
    let (status, problem) = app.api("POST", "/api/v1/invitations", &key, Some(body)).await;
    assert_eq!((status, problem["code"].as_str()), (400, Some("invalid_json")), "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("NUL"), "{problem}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE primary_login_id = 'nul2@x.io'").await, 0);
}
