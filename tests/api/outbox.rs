//! Mail is never lost: SMTP down means late, not lost.

use super::helpers::{Options, invite_link, spawn_app_with};
use super::smtp_sink::SmtpSink;

#[tokio::test]
async fn smtp_down_then_up_delivers_every_message() {
    // Reserve a port, then leave it closed: SMTP is "down".
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app =
        spawn_app_with(Options { no_smtp: true, env: vec![("USHER_SMTP_URL", format!("smtp://127.0.0.1:{port}"))] })
            .await;
    app.signed_in_admin().await;
    for who in ["one@example.com", "two@example.com"] {
        assert_eq!(app.invite(who, &[]).await.status(), 303, "inviting works while SMTP is down");
    }
    // The console shows the failures.
    let mut page = String::new();
    for _ in 0..100 {
        page = app.get_html("/admin/mailbox").await;
        if page.matches("retrying").count() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.matches("retrying").count() >= 2, "failed deliveries are visible: {page}");
    assert!(page.contains("SMTP delivery failed"));

    // SMTP comes back on the same port.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let sink = SmtpSink::start(listener);
    for who in ["one@example.com", "two@example.com"] {
        let mail = sink.wait_for(who).await;
        assert!(invite_link(&mail).contains("/invite/"));
    }
    let mut page = String::new();
    for _ in 0..50 {
        page = app.get_html("/admin/mailbox").await;
        if page.contains("Every message has been delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(page.contains("Every message has been delivered"));
}
