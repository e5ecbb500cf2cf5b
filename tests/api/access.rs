//! Each console role's allowed and refused pages and actions.

use super::helpers::spawn_app;

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_come_back_after() {
    let app = spawn_app().await;
    let r = app.get("/admin/settings").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fadmin%2Fsettings");
    app.create_user("admin@example.com", &["admin"]).await;
    let r = app
        .post_form(
            "/login",
            &[("email", "admin@example.com"), ("password", super::helpers::PASSWORD), ("next", "/admin/settings")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/admin/settings");
    let r = app
        .post_form(
            "/login",
            &[("email", "admin@example.com"), ("password", super::helpers::PASSWORD), ("next", "//evil.example")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/admin/users", "no open redirect");
    for sneaky in ["/\t/evil.example", "/\\evil.example", "https://evil.example"] {
        let r = app
            .post_form(
                "/login",
                &[("email", "admin@example.com"), ("password", super::helpers::PASSWORD), ("next", sneaky)],
            )
            .await;
        assert_eq!(r.headers()["location"], "/admin/users", "{sneaky:?} stays on the site");
    }
}

#[tokio::test]
async fn each_console_role_sees_only_what_it_may() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", &["admin"]).await;
    app.create_user("second@example.com", &["secondary_admin"]).await;
    app.create_user("support@example.com", &["user_invite"]).await;
    let pages = [
        "/admin/users",
        "/admin/invitations/new",
        "/admin/settings",
        "/admin/tenants",
        "/admin/roles",
        "/admin/mailbox",
    ];
    let expected = [
        ("admin@example.com", [200, 200, 200, 200, 200, 200]),
        ("second@example.com", [200, 200, 403, 403, 403, 403]),
        ("support@example.com", [200, 200, 403, 403, 403, 403]),
    ];
    for (who, codes) in expected {
        let client = super::helpers::spawn_client(&app);
        assert_eq!(client.login(who).await.status(), 303, "{who} signs in");
        for (page, code) in pages.iter().zip(codes) {
            assert_eq!(client.get(page).await.status().as_u16(), code, "{who} GET {page}");
        }
    }
}

#[tokio::test]
async fn a_refused_page_is_a_403_page_and_is_recorded() {
    let app = spawn_app().await;
    app.create_user("support@example.com", &["user_invite"]).await;
    app.login("support@example.com").await;
    let r = app.post_form("/admin/settings", &[("account_name", "Hijacked")]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Not allowed"));
    let denied = app
        .scalar("SELECT actor FROM audit_log WHERE action = 'access.denied' AND target = $1", "/admin/settings")
        .await;
    assert_eq!(denied, "support@example.com");
}

#[tokio::test]
async fn someone_without_a_console_role_cannot_use_the_console() {
    let app = spawn_app().await;
    app.create_user("member@example.com", &[]).await;
    assert_eq!(app.login("member@example.com").await.status(), 303);
    assert_eq!(app.get("/admin/users").await.status(), 403);
}

#[tokio::test]
async fn support_staff_cannot_deactivate_and_secondary_admins_cannot_grant_admin() {
    let app = spawn_app().await;
    app.create_user("admin@example.com", &["admin"]).await;
    app.create_user("second@example.com", &["secondary_admin"]).await;
    app.create_user("support@example.com", &["user_invite"]).await;

    let support = super::helpers::spawn_client(&app);
    support.login("support@example.com").await;
    let page = support.get_html("/admin/users").await;
    assert!(!page.contains("/deactivate"), "no Deactivate in support's menus");
    let path = format!("/admin/users/{}/deactivate", app.user_id("admin@example.com").await);
    assert_eq!(support.post_form(&path, &[]).await.status(), 403);

    let second = super::helpers::spawn_client(&app);
    second.login("second@example.com").await;
    let form = second.get_html("/admin/invitations/new").await;
    assert!(!form.contains("value=\"admin\""), "admin is not offered to a secondary admin");
    let r = second.invite("newadmin@example.com", &[("roles", "admin")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("You cannot grant the role &#34;admin&#34;"));
    assert_eq!(second.invite("helper@example.com", &[("roles", "user_invite")]).await.status(), 303);
}
