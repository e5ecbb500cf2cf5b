//! Bulk invite: both modes, every preview verdict, malformed files, limits.

use super::helpers::{TestApp, invite_link, spawn_app, verdict};
use super::invitations::settings;

#[tokio::test]
async fn a_pasted_list_is_previewed_then_everyone_is_invited_with_the_shared_roles() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.role("editor", "project").await;
    let r = app
        .post_form(
            "/admin/invitations/bulk/preview",
            &[
                ("mode", "list"),
                ("list", "a@x.io, b@x.io\n+4915112345678"),
                ("roles", "editor"),
                ("send_now", "on"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for who in ["a@x.io", "b@x.io", "+4915112345678"] {
        assert_eq!(verdict(&html, who), "will invite");
    }
    assert!(html.contains("Confirm: invite 3 people"));
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 0, "the preview writes nothing");

    let (_, result) = app.confirm_bulk(&html).await;
    assert_eq!(verdict(&result, "a@x.io"), "invited");
    let link = invite_link(&app.smtp.wait_for("b@x.io").await);
    let form = [
        ("given_name", "B"),
        ("family_name", "X"),
        ("password", super::helpers::PASSWORD),
        ("password_confirm", super::helpers::PASSWORD),
    ];
    assert_eq!(app.post_form(&link, &form).await.status(), 303);
    let mut c = app.db().acquire().await.unwrap();
    let roles = usher::store::users::roles_of(&mut c.conn(), app.user_id("b@x.io").await).await.unwrap();
    assert_eq!(roles, vec!["editor"]);

    // Confirming twice does not invite twice.
    app.post_form(&TestApp::commit_action(&html), &[]).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations").await, 3);
}

#[tokio::test]
async fn a_csv_preview_gives_every_row_its_verdict_and_the_commit_its_outcome() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    app.post_form("/admin/settings", &settings(7, "days", 7, "days", "0")).await;
    app.role("editor", "project").await;
    let acme = app.tenant("Acme", "acme").await;
    app.post_form(&format!("/admin/tenants/{acme}"), &[("name", "Acme"), ("allowed_domains", "acme.com")]).await;
    app.create_user("active@x.io", &[]).await;
    app.invite("invited@x.io", &[]).await;
    app.smtp.wait_for("invited@x.io").await;

    let csv = "email,given_name,family_name,roles,tenants,custom.team\n\
               new@x.io,New,Person,editor,,blue\n\
               invited@x.io,In,Vited,,,\n\
               active@x.io,Act,Ive,,,\n\
               NEW@x.io,Dup,Licate,,,\n\
               not-an-email,Bad,Row,,,\n\
               ops@x.io,Ops,Lead,ops-lead,,\n\
               outsider@other.com,Out,Sider,,acme,\n\
               insider@acme.com,In,Sider,,acme,\n";
    let r = app.upload_csv(csv.as_bytes(), true).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(verdict(&html, "new@x.io"), "will invite");
    assert_eq!(verdict(&html, "invited@x.io"), "will resend (already invited)");
    assert_eq!(verdict(&html, "active@x.io"), "skipped: already active: This person already has an account");
    assert!(html.contains("skipped: duplicate in this file"));
    assert!(verdict(&html, "not-an-email").starts_with("invalid: not an email address"));
    assert!(verdict(&html, "ops@x.io").contains("There is no role called &#34;ops-lead&#34;"));
    assert!(verdict(&html, "outsider@other.com").starts_with("domain not allowed for this tenant"));
    assert_eq!(verdict(&html, "insider@acme.com"), "will invite");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3, "nothing written by the preview");

    let (_, result) = app.confirm_bulk(&html).await;
    assert_eq!(verdict(&result, "new@x.io"), "invited");
    assert_eq!(verdict(&result, "invited@x.io"), "resent");
    app.smtp.wait_for("new@x.io").await;
    app.smtp.wait_for_nth("invited@x.io", 2).await;
    app.smtp.wait_for("insider@acme.com").await;
    let user_page = app.get_html(&format!("/admin/users/{}", app.user_id("new@x.io").await)).await;
    assert!(user_page.contains("value=\"blue\""), "custom columns become attributes");

    let download = TestApp::commit_action(&html).replace("/commit", "/result.csv");
    let r = app.get(&download).await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("line,login_id,name,outcome,detail"));
    assert!(csv.contains("2,new@x.io,New Person,invited,"));
    assert!(csv.contains("invited@x.io,In Vited,resent"));
}

#[tokio::test]
async fn malformed_files_get_a_clear_message_never_a_500() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let cases: [(&[u8], &str); 5] = [
        (b"", "The file is empty."),
        (b"PK\x03\x04\x00\x00\x00binary spreadsheet", "This looks like an Excel workbook"),
        (b"email,given_name\nb\xe9a@x.io,B\xe9a\n", "not UTF-8 text"),
        (b"mail,name\na@x.io,A\n", "Unknown column &#34;mail&#34;"),
        (b"given_name\nAda\n", "no email or phone column"),
    ];
    for (file, message) in cases {
        let r = app.upload_csv(file, true).await;
        assert_eq!(r.status(), 422, "{message}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?}");
        assert!(html.contains("There is a problem"));
    }
    // A ragged row is reported; the good rows are kept.
    let html = app
        .upload_csv(b"email,given_name\nok@x.io,Ok\nragged@x.io,R,extra\nfine@x.io,Fine\n", true)
        .await
        .text()
        .await
        .unwrap();
    assert!(verdict(&html, "ragged@x.io").contains("has 3 fields, but the header has 2"));
    assert_eq!(verdict(&html, "ok@x.io"), "will invite");
    assert_eq!(verdict(&html, "fine@x.io"), "will invite");
}

#[tokio::test]
async fn files_over_the_row_and_size_limits_are_refused_whole() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut csv = String::from("email\n");
    for i in 0..10_001 {
        csv.push_str(&format!("p{i}@x.io\n"));
    }
    let r = app.upload_csv(csv.as_bytes(), false).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at most 10,000 rows"));
    let big = format!("email,custom.note\na@x.io,{}\n", "x".repeat(5 * 1024 * 1024));
    let r = app.upload_csv(big.as_bytes(), false).await;
    assert!(r.text().await.unwrap().contains("larger than 5 MiB"));
    let huge = vec![b'a'; 7 * 1024 * 1024];
    let r = app.upload_csv(&huge, false).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("CSV files up to 5 MiB"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn the_inviters_role_limits_apply_to_every_row() {
    let app = spawn_app().await;
    app.create_user("support@x.io", &["user_invite"]).await;
    app.login("support@x.io").await;
    let html = app.upload_csv(b"email,roles\nboss@x.io,admin\nhelper@x.io,\n", false).await.text().await.unwrap();
    assert!(verdict(&html, "boss@x.io").contains("You cannot grant the role &#34;admin&#34;"));
    assert_eq!(verdict(&html, "helper@x.io"), "will invite");
}

#[tokio::test]
async fn a_large_import_is_committed_across_chunks_with_every_row_reported() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut csv = String::from("email;given_name\r\n");
    for i in 0..1_200 {
        csv.push_str(&format!("person{i}@x.io;P{i}\r\n"));
    }
    let html = app.upload_csv(csv.as_bytes(), false).await.text().await.unwrap();
    assert!(html.contains("<strong>1,200</strong> will invite"));
    let (_, result) = app.confirm_bulk(&html).await;
    assert!(result.contains("<strong>1,200</strong> invited"));
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations WHERE status = 'pending'").await, 1200);
    assert!(app.get_html("/admin/users?status=invited").await.contains("1200 users"));
}

#[tokio::test]
async fn the_daily_quota_limits_single_and_bulk_invitations() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut form = settings(7, "days", 7, "days", "60");
    form.push(("invites_per_inviter_per_day", "2"));
    assert_eq!(app.post_form("/admin/settings", &form).await.status(), 303);
    assert_eq!(app.invite("one@x.io", &[]).await.status(), 303);
    let html = app
        .post_form("/admin/invitations/bulk/preview", &[("mode", "list"), ("list", "two@x.io three@x.io")])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(verdict(&html, "two@x.io"), "will invite");
    assert!(verdict(&html, "three@x.io").starts_with("skipped: over your daily quota: your limit is 2 invitations"));
    app.post_form(&TestApp::commit_action(&html), &[]).await;
    let r = app.invite("four@x.io", &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("You have sent 2 invitations in the last 24 hours (your limit is 2)"));
}
