//! Inviting, resending, revoking and the rules around them.

use super::helpers::{input_value, invite_link, link_in, spawn_app};

#[tokio::test]
async fn invalid_input_re_renders_the_form_with_values_kept_and_errors_beside_fields() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let r = app
        .post_form(
            "/admin/invitations",
            &[
                ("login_id", "ada@"),
                ("given_name", "Ada"),
                ("redirect_url", "ftp://x"),
                ("attr_key", "team"),
                ("attr_value", "blue"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(html.contains("Enter an email address like name@example.com"));
    assert!(html.contains("Enter a full web address starting with https://"));
    assert_eq!(input_value(&html, "login_id").as_deref(), Some("ada@"));
    assert_eq!(input_value(&html, "given_name").as_deref(), Some("Ada"));
    assert_eq!(input_value(&html, "attr_value_1").as_deref(), Some("blue"));
    assert_eq!(app.smtp.count_for("ada@"), 0);
}

#[tokio::test]
async fn the_invitation_arrives_over_smtp_naming_invitee_inviter_account_and_expiry() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let r = app.invite("Ada@Example.com", &[("lang", "en")]).await;
    assert_eq!(r.status(), 303);
    let mail = app.smtp.wait_for("ada@example.com").await;
    let text = mail.text();
    assert!(text.contains("Subject: You're invited to join Usher"), "{text}");
    assert!(text.contains("Ada Lovelace"));
    assert!(text.contains("admin@example.com"), "names who invited");
    assert!(text.contains("This invitation expires on"));
    assert!(text.contains("text/html"), "has an HTML part");
    let link = invite_link(&mail);
    assert!(link.starts_with(&app.address));
    let page = app.get_html("/admin/users?status=invited").await;
    assert!(page.contains("ada@example.com"), "the invitee is listed as invited");
    assert!(!page.contains("data-login-id=\"admin@example.com\""), "active users are filtered out");
}

#[tokio::test]
async fn a_german_invitation_is_written_in_german() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.invite("jan@example.com", &[("lang", "de")]).await;
    let mail = app.smtp.wait_for("jan@example.com").await;
    assert!(mail.text().contains("Einladung"), "{}", mail.text());
}

#[tokio::test]
async fn an_unsent_invitation_shows_its_link_once_and_sends_nothing() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let r = app.post_form("/admin/invitations", &[("login_id", "quiet@example.com")]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let link = input_value(&html, "invite_link").expect("link shown");
    assert_eq!(app.get(&link).await.status(), 200);
    assert_eq!(app.count_where(OUTBOX_FOR, "quiet@example.com").await, 0, "no message was queued");
    // Once a later message has been delivered, an earlier one would have been too.
    app.invite("marker@example.com", &[]).await;
    app.smtp.wait_for("marker@example.com").await;
    assert_eq!(app.smtp.count_for("quiet@example.com"), 0);
}

/// Messages queued for one recipient.
const OUTBOX_FOR: &str = "SELECT COUNT(*) FROM outbox WHERE recipient = $1";

#[tokio::test]
async fn inviting_someone_already_invited_or_active_is_refused_with_a_reason() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.invite("twice@example.com", &[]).await;
    let r = app.invite("twice@example.com", &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already has an invitation"));
    let r = app.invite("admin@example.com", &[]).await;
    assert!(r.text().await.unwrap().contains("already has an account"));
}

#[tokio::test]
async fn an_unknown_role_is_a_clear_error() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let r = app.invite("x@example.com", &[("roles", "ops-lead")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("There is no role called &#34;ops-lead&#34;"));
}

#[tokio::test]
async fn resend_kills_the_old_link_restarts_expiry_and_counts() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    app.invite("re@example.com", &[]).await;
    let first = invite_link(&app.smtp.wait_for("re@example.com").await);
    // A week and a second later the invitation has run out (the admin signs
    // in again), then resend.
    app.clock.advance(chrono::TimeDelta::days(7) + chrono::TimeDelta::seconds(1));
    assert_eq!(app.login("admin@example.com").await.status(), 303);
    assert_eq!(app.invitation_status("re@example.com").await, "pending");
    let page = app.get_html("/admin/users").await;
    let resend = action(&page, "/resend");
    assert_eq!(app.post_form(&resend, &[]).await.status(), 303);
    let second = invite_link(&app.smtp.wait_for_nth("re@example.com", 2).await);
    assert_ne!(first, second);

    let old = app.get(&first).await;
    assert_eq!(old.status(), 410);
    assert!(old.text().await.unwrap().contains("A newer link was sent"));
    assert_eq!(app.get(&second).await.status(), 200);
    let page = app.get_html("/admin/users").await;
    assert!(page.contains("resent 1×"), "the resend count is visible");
    assert_eq!(app.invitation_status("re@example.com").await, "pending");
}

#[tokio::test]
async fn resend_within_the_cooldown_is_refused_with_the_wait() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.invite("cool@example.com", &[]).await;
    app.smtp.wait_for("cool@example.com").await;
    let resend = action(&app.get_html("/admin/users").await, "/resend");
    app.post_form(&resend, &[]).await;
    let page = app.get_html("/admin/users").await;
    let message = page
        .split("This invitation was sent moments ago; wait ")
        .nth(1)
        .and_then(|rest| rest.split_once(" seconds before resending."))
        .unwrap_or_else(|| panic!("the cooldown message is shown: {page}"));
    let seconds: i64 = message.0.parse().expect("the wait in seconds");
    assert!((1..=60).contains(&seconds), "{seconds}");
    assert_eq!(app.count_where(OUTBOX_FOR, "cool@example.com").await, 1, "no second message was queued");
    assert_eq!(
        app.count_where("SELECT resent_count FROM invitations WHERE login_id = $1", "cool@example.com").await,
        0
    );
}

#[tokio::test]
async fn revoke_kills_the_link_and_allows_a_new_invitation() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.invite("gone@example.com", &[]).await;
    let link = invite_link(&app.smtp.wait_for("gone@example.com").await);
    let revoke = action(&app.get_html("/admin/users").await, "/revoke");
    assert_eq!(app.post_form(&revoke, &[]).await.status(), 303);
    assert!(app.get_html("/admin/users").await.contains("Invitation revoked"));
    let r = app.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("withdrew this invitation"));
    // A revoked invitation is final; a new one can be sent.
    assert_eq!(app.invite("gone@example.com", &[]).await.status(), 303);
    let fresh = invite_link(&app.smtp.wait_for_nth("gone@example.com", 2).await);
    assert_eq!(app.get(&fresh).await.status(), 200);
}

#[tokio::test]
async fn a_fresh_link_is_shown_once_and_replaces_the_old_one() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    app.invite("share@example.com", &[]).await;
    let emailed = invite_link(&app.smtp.wait_for("share@example.com").await);
    let r = app.post_form(&action(&app.get_html("/admin/users").await, "/link"), &[]).await;
    let html = r.text().await.unwrap();
    let shown = input_value(&html, "invite_link").expect("the link is shown");
    assert_eq!(app.get(&emailed).await.status(), 410);
    assert_eq!(app.get(&shown).await.status(), 200);
    assert_eq!(app.count_where(OUTBOX_FOR, "share@example.com").await, 1, "nothing more was queued");
    app.invite("marker@example.com", &[]).await;
    app.smtp.wait_for("marker@example.com").await;
    assert_eq!(app.smtp.count_for("share@example.com"), 1, "nothing was sent");
}

#[tokio::test]
async fn settings_refuse_a_link_lifetime_longer_than_the_invitation() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let r = app.post_form("/admin/settings", &settings(2, "days", 3, "days", "60")).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("The link lifetime cannot be longer than the invitation lifetime"));
    assert_eq!(input_value(&html, "link_lifetime").as_deref(), Some("3"));
    let r = app.post_form("/admin/settings", &settings(91, "days", 1, "days", "60")).await;
    assert!(r.text().await.unwrap().contains("Choose between 1 hour and 90 days"));
    assert_eq!(app.post_form("/admin/settings", &settings(2, "weeks", 36, "hours", "60")).await.status(), 303);
    let html = app.get_html("/admin/settings").await;
    assert_eq!(input_value(&html, "invitation_lifetime").as_deref(), Some("2"));
    assert_eq!(input_value(&html, "link_lifetime").as_deref(), Some("36"));
}

#[tokio::test]
async fn invitations_can_be_made_by_phone_and_land_in_the_dev_mailbox_as_sms() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    assert_eq!(app.invite("+49 151 2345 6789", &[]).await.status(), 303);
    let mut found = String::new();
    for _ in 0..50 {
        found = app.get_html("/admin/mailbox").await;
        if found.contains("To +4915123456789 · sms") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found.contains("To +4915123456789 · sms"), "delivered to the dev mailbox as a text message: {found}");
    let link = link_in(&found.replace("href=\"", " "));
    assert_eq!(app.get(&link).await.status(), 200);
}

/// The first form action in `html` ending with `suffix`.
pub fn action(html: &str, suffix: &str) -> String {
    html.split("action=\"")
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with(suffix))
        .unwrap_or_else(|| panic!("no {suffix} action on the page"))
        .to_string()
}

pub fn settings(
    inv: u32,
    inv_unit: &'static str,
    link: u32,
    link_unit: &'static str,
    cooldown: &'static str,
) -> Vec<(&'static str, &'static str)> {
    let inv: &'static str = Box::leak(inv.to_string().into_boxed_str());
    let link: &'static str = Box::leak(link.to_string().into_boxed_str());
    vec![
        ("account_name", "Usher"),
        ("invitation_lifetime", inv),
        ("invitation_lifetime_unit", inv_unit),
        ("link_lifetime", link),
        ("link_lifetime_unit", link_unit),
        ("resend_cooldown", cooldown),
        ("default_lang", "en"),
    ]
}
