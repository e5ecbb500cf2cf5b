//! The main flow in a real browser: admin signs in, invites, opens the dev
//! mailbox, follows the link, registers, and sees the person Active.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! says so and passes, unless `USHER_REQUIRE_BROWSER=1` (CI sets it), in
//! which case it fails.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use super::helpers::{Options, PASSWORD, spawn_app_with};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn browser_available() -> bool {
    let found = ["/usr/bin/chromedriver", "/usr/bin/chromium"].iter().all(|p| std::path::Path::new(p).exists());
    if !found && std::env::var("USHER_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("USHER_REQUIRE_BROWSER=1 but chromium/chromedriver are not installed");
    }
    found
}

async fn start_browser() -> (Driver, Client, tempfile::TempDir) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver = Driver(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let profile = tempfile::tempdir().unwrap();
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--window-size=1280,1000".into(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }));
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    (driver, client.expect("chromedriver accepts a session"), profile)
}

async fn fill(b: &Client, id: &str, value: &str) {
    let field = b.find(Locator::Id(id)).await.unwrap_or_else(|_| panic!("field {id}"));
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn click(b: &Client, css: &str) {
    b.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("no {css}")).click().await.unwrap();
}

/// Wait (up to 10 s) until the page shows `needle`; pages load after a
/// click, so earlier reads may see the old page or a stale element.
async fn wait_for_text(b: &Client, needle: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(body) = b.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            if text.contains(needle) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}; it shows:\n{last}");
}

#[tokio::test]
async fn an_admin_invites_someone_who_registers_in_a_real_browser() {
    if !browser_available() {
        eprintln!(
            "SKIPPED: the real-browser test needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        return;
    }
    // The dev mailbox, as on a fresh install.
    let app = spawn_app_with(Options { no_smtp: true, env: vec![] }).await;
    app.create_user("admin@example.com", &["admin"]).await;
    let (_driver, b, _profile) = start_browser().await;

    b.goto(&app.url("/admin/users")).await.unwrap();
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    fill(&b, "email", "admin@example.com").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "form[action='/login'] button[type=submit]").await;
    wait_for_text(&b, "Sign out").await;

    click(&b, "a[href='/admin/invitations/new']").await;
    wait_for_text(&b, "Send the invitation now").await;
    fill(&b, "login_id", "grace@example.com").await;
    fill(&b, "given_name", "Grace").await;
    fill(&b, "family_name", "Hopper").await;
    click(&b, "form[action='/admin/invitations'] button[type=submit]").await;
    wait_for_text(&b, "Invitation sent to grace@example.com").await;

    // The dev mailbox shows the message with a clickable link.
    let mut link = None;
    for _ in 0..50 {
        b.goto(&app.url("/admin/mailbox")).await.unwrap();
        if let Ok(a) = b.find(Locator::Css(".mail a[href*='/invite/']")).await {
            link = a.attr("href").await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let link = link.expect("the invitation is in the dev mailbox");
    click(&b, ".mail a[href*='/invite/']").await;
    wait_for_text(&b, "Create your account").await;
    assert_eq!(b.current_url().await.unwrap().as_str(), link);
    let given = b.find(Locator::Id("given_name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(given.as_deref(), Some("Grace"), "the page is prefilled");
    fill(&b, "password", PASSWORD).await;
    fill(&b, "password_confirm", PASSWORD).await;
    click(&b, "form[action^='/invite/'] button.button").await;
    wait_for_text(&b, "Welcome aboard").await;

    b.goto(&app.url("/admin/users?status=active")).await.unwrap();
    let row = b.find(Locator::Css("tr[data-login-id='grace@example.com']")).await.expect("Grace is listed as active");
    assert!(row.text().await.unwrap().contains("Active"));
    b.close().await.unwrap();
}

#[tokio::test]
async fn an_admin_uploads_a_csv_checks_the_preview_confirms_and_resends_from_a_row_menu() {
    if !browser_available() {
        eprintln!("SKIPPED: the real-browser test needs chromium and chromium-driver");
        return;
    }
    let app = spawn_app_with(Options { no_smtp: true, env: vec![] }).await;
    app.signed_in_admin().await;
    let cooldown_off = super::invitations::settings(7, "days", 7, "days", "0");
    assert_eq!(app.post_form("/admin/settings", &cooldown_off).await.status(), 303);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("team.csv");
    std::fs::write(
        &csv,
        "email,given_name,family_name\nlin@example.com,Lin,Clark\nbad-address,Bad,Row\nmo@example.com,Mo,Yusuf\n",
    )
    .unwrap();
    let (_driver, b, _profile) = start_browser().await;

    b.goto(&app.url("/login")).await.unwrap();
    fill(&b, "email", "admin@example.com").await;
    fill(&b, "password", PASSWORD).await;
    click(&b, "form[action='/login'] button[type=submit]").await;
    wait_for_text(&b, "Sign out").await;

    b.goto(&app.url("/admin/invitations/bulk")).await.unwrap();
    b.find(Locator::Id("file")).await.unwrap().send_keys(csv.to_str().unwrap()).await.unwrap();
    click(&b, "form[enctype='multipart/form-data'] button[type=submit]").await;
    wait_for_text(&b, "Check before sending").await;
    let preview = b.find(Locator::Id("rows")).await.unwrap().text().await.unwrap();
    assert!(preview.contains("lin@example.com") && preview.contains("will invite"));
    assert!(preview.contains("invalid: not an email address"));
    click(&b, "form.confirm-form button[type=submit]").await;
    wait_for_text(&b, "Bulk invite: result").await;
    let result = b.find(Locator::Id("rows")).await.unwrap().text().await.unwrap();
    assert!(result.contains("mo@example.com") && result.contains("invited"));

    // Resend from the row's ⋮ menu.
    b.goto(&app.url("/admin/users?q=lin%40example.com")).await.unwrap();
    click(&b, "tr[data-login-id='lin@example.com'] details.menu summary").await;
    click(&b, "tr[data-login-id='lin@example.com'] form[action$='/resend'] button").await;
    wait_for_text(&b, "Invitation resent with a fresh link").await;
    let mut mails = 0;
    for _ in 0..50 {
        b.goto(&app.url("/admin/mailbox")).await.unwrap();
        mails = b.find_all(Locator::Css(".mail")).await.unwrap().len();
        if mails >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mails, 3, "two invitations and one resend in the dev mailbox");
    b.close().await.unwrap();
}

/// Another site (another port is another origin) whose pages all say hello.
async fn another_site() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let body = "<!doctype html><title>App</title><p>Hello from the app</p>";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(format!("{head}{body}").as_bytes()).await;
            });
        }
    });
    address
}

#[tokio::test]
async fn registering_in_a_real_browser_lands_on_the_invitations_redirect_site() {
    if !browser_available() {
        eprintln!("SKIPPED: the real-browser test needs chromium and chromium-driver");
        return;
    }
    // The CSP allows forms to post to this site only; the registration page
    // alone also names the redirect URL's origin, or Chromium would stop the
    // 303 that follows the form.
    let app = super::helpers::spawn_app().await;
    app.signed_in_admin().await;
    let site = another_site().await;
    let redirect = format!("{site}/start");
    assert_eq!(app.invite("ada@example.com", &[("redirect_url", redirect.as_str())]).await.status(), 303);
    let link = super::helpers::invite_link(&app.smtp.wait_for("ada@example.com").await);
    let (_driver, b, _profile) = start_browser().await;

    b.goto(&link).await.unwrap();
    wait_for_text(&b, "Create your account").await;
    fill(&b, "password", PASSWORD).await;
    fill(&b, "password_confirm", PASSWORD).await;
    click(&b, "form[action^='/invite/'] button.button").await;
    wait_for_text(&b, "Hello from the app").await;
    assert_eq!(b.current_url().await.unwrap().as_str(), redirect);
    assert_eq!(app.user_status("ada@example.com").await, "active");
    b.close().await.unwrap();
}
