//! The invitee's side: the prefilled page, registering, declining, dead
//! links and the clock.

use chrono::TimeDelta;

use super::helpers::{PASSWORD, TestApp, input_value, invite_link, spawn_app, spawn_client};
use super::invitations::settings;

async fn invited(app: &TestApp, login_id: &str, extra: &[(&str, &str)]) -> String {
    app.signed_in_admin().await;
    app.post_form("/admin/roles", &[("name", "editor"), ("description", "Edits")]).await;
    app.post_form("/admin/tenants", &[("name", "Acme EU"), ("slug", "acme-eu")]).await;
    assert_eq!(app.invite(login_id, extra).await.status(), 303);
    invite_link(&app.smtp.wait_for(login_id).await)
}

fn register_form(password: &str) -> Vec<(&str, &str)> {
    vec![("given_name", "Ada"), ("family_name", "Byron"), ("password", password), ("password_confirm", password)]
}

#[tokio::test]
async fn opening_the_link_shows_a_prefilled_page_and_never_uses_it_up() {
    let app = spawn_app().await;
    let link = invited(&app, "ada@example.com", &[("attr_key", "team"), ("attr_value", "Analytical")]).await;
    let invitee = spawn_client(&app);
    for _ in 0..3 {
        // A mail scanner, a link preview, the person: all GETs.
        let r = invitee.get(&link).await;
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert_eq!(input_value(&html, "login_id").as_deref(), Some("ada@example.com"));
        assert_eq!(input_value(&html, "given_name").as_deref(), Some("Ada"));
        assert_eq!(input_value(&html, "family_name").as_deref(), Some("Lovelace"));
        assert_eq!(input_value(&html, "attr_1").as_deref(), Some("Analytical"));
    }
    assert_eq!(app.invitation_status("ada@example.com").await, "pending");
}

#[tokio::test]
async fn registering_makes_the_person_active_with_the_granted_roles_and_tenants() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/roles", &[("name", "editor"), ("description", "Edits")]).await;
    app.post_form("/admin/tenants", &[("name", "Acme EU"), ("slug", "acme-eu")]).await;
    let form = app.get_html("/admin/invitations/new").await;
    let tenant_id = form
        .split("name=\"tenants\" type=\"checkbox\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    app.invite(
        "ada@example.com",
        &[("roles", "editor"), ("tenants", &tenant_id), ("redirect_url", "https://app.example.com/start")],
    )
    .await;
    let link = invite_link(&app.smtp.wait_for("ada@example.com").await);

    let invitee = spawn_client(&app);
    invitee.get(&link).await;
    // Mistakes come back beside their fields, names kept.
    let r = invitee
        .post_form(
            &link,
            &[("given_name", "Ada"), ("family_name", ""), ("password", PASSWORD), ("password_confirm", "other")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter your family name"));
    assert!(html.contains("The passwords do not match"));
    assert_eq!(input_value(&html, "given_name").as_deref(), Some("Ada"));

    let r = invitee.post_form(&link, &register_form(PASSWORD)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "https://app.example.com/start");
    assert_eq!(app.user_status("ada@example.com").await, "active");
    assert_eq!(app.invitation_status("ada@example.com").await, "accepted");
    let id = app.user_id("ada@example.com").await;
    let mut c = app.db().acquire().await.unwrap();
    let roles = usher::store::users::roles_of(&mut c.conn(), id).await.unwrap();
    assert_eq!(roles, vec!["editor"]);
    let tenants = usher::store::users::tenant_names_of(&mut c.conn(), id).await.unwrap();
    assert_eq!(tenants, vec!["Acme EU"]);
    // The link is single-use.
    let again = invitee.get(&link).await;
    assert_eq!(again.status(), 410);
    assert!(again.text().await.unwrap().contains("already used"));
    let replay = invitee.post_form(&link, &register_form("another password 123")).await;
    assert_eq!(replay.status(), 410);
}

#[tokio::test]
async fn registering_without_a_redirect_url_lands_on_the_welcome_page() {
    let app = spawn_app().await;
    let link = invited(&app, "wel@example.com", &[]).await;
    let r = app.post_form(&link, &register_form(PASSWORD)).await;
    assert_eq!(r.headers()["location"], "/welcome");
    assert!(app.get_html("/welcome").await.contains("Welcome aboard"));
}

#[tokio::test]
async fn declining_closes_the_invitation_for_good() {
    let app = spawn_app().await;
    let link = invited(&app, "no@example.com", &[]).await;
    let r = app.post_form(&format!("{link}/decline"), &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You have declined the invitation"));
    assert_eq!(app.invitation_status("no@example.com").await, "declined");
    let dead = app.get(&link).await;
    assert_eq!(dead.status(), 410);
    assert!(dead.text().await.unwrap().contains("was declined"));
    assert_eq!(app.post_form(&link, &register_form(PASSWORD)).await.status(), 410);
}

/// The users table row of `login_id`.
fn row_of(html: &str, login_id: &str) -> String {
    let start =
        html.find(&format!("<tr data-login-id=\"{login_id}\"")).unwrap_or_else(|| panic!("no row for {login_id}"));
    let end = start + html[start..].find("</tr>").expect("the row's end");
    html[start..end].to_string()
}

#[tokio::test]
async fn a_week_on_the_link_says_the_invitation_expired_and_the_users_table_says_so_too() {
    let app = spawn_app().await;
    // The default invitation lifetime is seven days.
    let link = invited(&app, "week@example.com", &[]).await;
    let invitee = spawn_client(&app);
    app.clock.advance(TimeDelta::days(7) - TimeDelta::minutes(1));
    assert_eq!(invitee.get(&link).await.status(), 200, "a minute before expiry the link works");

    app.clock.advance(TimeDelta::minutes(2));
    let r = invitee.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("This invitation has expired"));
    // The admin's 12-hour session ran out in the meantime.
    assert_eq!(app.get("/admin/users").await.status(), 303, "a week-old session is over");
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let row = row_of(&app.get_html("/admin/users").await, "week@example.com");
    assert!(row.contains("invitation expired"), "read by the clock, before the sweeper: {row}");
    usher::jobs::sweeper::pass(&app.state).await.unwrap();
    let row = row_of(&app.get_html("/admin/users").await, "week@example.com");
    assert!(row.contains("Invite expired"), "{row}");
    let filtered = app.get_html("/admin/users?status=invite_expired").await;
    assert!(row_of(&filtered, "week@example.com").contains("invitation expired"));
}

#[tokio::test]
async fn an_invitation_past_its_expiry_is_dead_even_before_the_sweeper_runs() {
    let app = spawn_app().await;
    let link = invited(&app, "late@example.com", &[]).await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    // A week and a second later (the invitation lives 7 days).
    app.clock.advance(TimeDelta::days(7) + TimeDelta::seconds(1));
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("This invitation has expired"));
    assert_eq!(app.post_form(&link, &register_form(PASSWORD)).await.status(), 410);
    assert_eq!(app.invitation_status("late@example.com").await, "pending", "the sweeper has not run yet");
    assert_eq!(app.user_status("late@example.com").await, "invited");

    usher::jobs::sweeper::pass(&app.state).await.unwrap();
    assert_eq!(app.invitation_status("late@example.com").await, "expired");
    assert_eq!(app.user_status("late@example.com").await, "invite_expired");
    // Re-invite after expiry just works: resend brings it back (the admin
    // signs in again: a week has passed).
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    let users = app.get_html("/admin/users?status=invite_expired").await;
    assert!(users.contains("late@example.com"));
    app.post_form(&super::invitations::action(&users, "/resend"), &[]).await;
    let fresh = invite_link(&app.smtp.wait_for_nth("late@example.com", 2).await);
    assert_eq!(app.get(&fresh).await.status(), 200);
    assert_eq!(app.user_status("late@example.com").await, "invited");
}

#[tokio::test]
async fn when_only_the_link_ran_out_the_invitee_can_ask_for_a_fresh_one() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    // Links that live a day, in an invitation that lives 30: the link runs
    // out first.
    assert_eq!(app.post_form("/admin/settings", &settings(30, "days", 1, "days", "0")).await.status(), 303);
    assert_eq!(app.invite("slow@example.com", &[]).await.status(), 303);
    let link = invite_link(&app.smtp.wait_for("slow@example.com").await);
    app.clock.advance(TimeDelta::days(1) + TimeDelta::seconds(1));
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
    let html = r.text().await.unwrap();
    assert!(html.contains("this link has run out"));
    let r = app.post_form(&format!("{link}/refresh"), &[]).await;
    assert_eq!(r.status(), 200);
    let fresh = invite_link(&app.smtp.wait_for_nth("slow@example.com", 2).await);
    assert_ne!(fresh, link);
    assert_eq!(app.get(&fresh).await.status(), 200);
    assert_eq!(app.get(&link).await.status(), 410);
}

#[tokio::test]
async fn unknown_links_get_a_friendly_404_that_reveals_nothing() {
    let app = spawn_app().await;
    for path in ["/invite/nonsense", "/invite/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404);
        let html = r.text().await.unwrap();
        assert!(html.contains("We do not recognise this link"));
    }
}

#[tokio::test]
async fn dead_link_pages_speak_the_browsers_language() {
    let app = spawn_app().await;
    let r =
        app.client.get(app.url("/invite/nonsense")).header("accept-language", "de-DE,de;q=0.9").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("Wir erkennen diesen Link nicht"));
}

#[tokio::test]
async fn accepting_expires_the_persons_other_links() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    app.invite("two@example.com", &[]).await;
    let first = invite_link(&app.smtp.wait_for("two@example.com").await);
    let page = app.get_html("/admin/users").await;
    let shown = app.post_form(&super::invitations::action(&page, "/link"), &[]).await.text().await.unwrap();
    let second = input_value(&shown, "invite_link").unwrap();
    assert_eq!(app.post_form(&second, &register_form(PASSWORD)).await.status(), 303);
    assert_eq!(app.get(&first).await.status(), 410);
}

#[tokio::test]
async fn a_german_invitee_sees_the_form_and_its_errors_in_german() {
    let app = spawn_app().await;
    let link = invited(&app, "jan@example.com", &[("lang", "de")]).await;
    let page = app.get_html(&link).await;
    assert!(page.contains("Konto anlegen") && page.contains("lang=\"de\""));
    let r = app.post_form(&link, &register_form("kurz")).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Es gibt ein Problem") && html.contains("Verwenden Sie mindestens 10 Zeichen"), "{html}");
}
