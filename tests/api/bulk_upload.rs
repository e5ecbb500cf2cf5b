//! The CSV upload as a byte stream: the parts are split exactly where
//! RFC 2046 says, the CSRF token is checked on every upload, and a body
//! over the limits is refused while it is still arriving.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::helpers::{TestApp, spawn_app, verdict};

const BOUNDARY: &str = "usher-test-7f3a";

/// One form field of a hand-made multipart body.
fn field(name: &str, value: &str) -> Vec<u8> {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").into_bytes()
}

/// The file part, up to (not including) its content.
fn file_head() -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes()
}

fn file(csv: &[u8]) -> Vec<u8> {
    [file_head(), csv.to_vec(), b"\r\n".to_vec()].concat()
}

fn end() -> Vec<u8> {
    format!("--{BOUNDARY}--\r\n").into_bytes()
}

async fn post_multipart(app: &TestApp, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/admin/invitations/bulk/preview"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_csv_line_that_starts_with_the_boundary_is_data_not_the_end_of_the_file() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    // LF line endings: only CRLF followed by "--boundary" ends a part.
    let csv =
        format!("given_name,email\nAda,ada@x.io\n--{BOUNDARY},dash@x.io\n--{BOUNDARY}--,end@x.io\nBob,bob@x.io\n");
    let body = [
        field("csrf_token", &app.csrf().await),
        field("mode", "csv"),
        file(csv.as_bytes()),
        field("lang", "en"),
        end(),
    ]
    .concat();
    let r = post_multipart(&app, body).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for who in ["ada@x.io", "dash@x.io", "end@x.io", "bob@x.io"] {
        assert_eq!(verdict(&html, who), "will invite", "{who}");
    }
    assert!(html.contains(&format!("<td>--{BOUNDARY}</td>")), "the name is kept as written");
    assert!(html.contains("Confirm: invite 4 people"));
}

#[tokio::test]
async fn an_upload_without_the_right_csrf_token_first_is_refused() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let token = app.csrf().await;
    let csv = file(b"email\nnew@x.io\n");
    let cases: [(&str, Vec<u8>); 4] = [
        ("no token", [field("mode", "csv"), csv.clone(), end()].concat()),
        ("a wrong token", [field("csrf_token", &"x".repeat(43)), field("mode", "csv"), csv.clone(), end()].concat()),
        ("an empty token", [field("csrf_token", ""), csv.clone(), end()].concat()),
        // The layer checks the first part only; it never reads the file to find the token.
        ("the token after the file", [field("mode", "csv"), csv.clone(), field("csrf_token", &token), end()].concat()),
    ];
    for (case, body) in cases {
        let r = post_multipart(&app, body).await;
        assert_eq!(r.status(), 403, "{case}");
        assert!(r.text().await.unwrap().contains("This form has expired"), "{case}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_imports").await, 0, "nothing was previewed");

    let r = post_multipart(&app, [field("csrf_token", &token), field("mode", "csv"), csv, end()].concat()).await;
    assert_eq!(r.status(), 200, "the same upload with the token first");
    assert_eq!(verdict(&r.text().await.unwrap(), "new@x.io"), "will invite");
}

/// POST `head` then `repeat` over and over, chunked, never ending the
/// body, the way a slow or hostile client can; the server's answer.
async fn post_endless(app: &TestApp, head: Vec<u8>, repeat: Vec<u8>) -> (u16, String) {
    let url = reqwest::Url::parse(&app.address).unwrap();
    let cookies = reqwest::cookie::CookieStore::cookies(&*app.jar, &url).unwrap();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", url.port().unwrap())).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let request = format!(
        "POST /admin/invitations/bulk/preview HTTP/1.1\r\nHost: {}\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n",
        url.authority(),
        cookies.to_str().unwrap()
    );
    let writer = tokio::spawn(async move {
        write.write_all(request.as_bytes()).await?;
        let chunk =
            |data: &[u8]| [format!("{:x}\r\n", data.len()).into_bytes(), data.to_vec(), b"\r\n".to_vec()].concat();
        write.write_all(&chunk(&head)).await?;
        let repeat = chunk(&repeat);
        loop {
            write.write_all(&repeat).await?;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    let response = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = read.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the server closed the connection without an answer");
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf).to_string();
            let Some((head, body)) = text.split_once("\r\n\r\n") else { continue };
            let length = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .expect("a response with a length");
            if body.len() >= length {
                let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                return (status, body.to_string());
            }
        }
    })
    .await
    .expect("the server answers before the body ends (it never does)");
    writer.abort();
    response
}

#[tokio::test]
async fn a_file_that_never_ends_is_refused_beside_the_field_once_it_passes_5_mib() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let head =
        [field("csrf_token", &app.csrf().await), field("mode", "csv"), file_head(), b"email\n".to_vec()].concat();
    let (status, html) = post_endless(&app, head, b"someone@example.com\n".repeat(3000)).await;
    assert_eq!(status, 422);
    assert!(html.contains("There is a problem"), "{html}");
    assert!(html.contains("The file is larger than 5 MiB. Split it into smaller files."), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_imports").await, 0);
}

#[tokio::test]
async fn a_body_that_never_ends_is_refused_once_it_passes_the_request_limit() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let head = [field("csrf_token", &app.csrf().await), field("mode", "csv")].concat();
    // Small fields, each within its limit, without end.
    let (status, html) = post_endless(&app, head, field("note", &"n".repeat(60 * 1024))).await;
    assert_eq!(status, 413);
    assert!(html.contains("The file is too large"), "{html}");
    assert!(html.contains("CSV files up to 5 MiB"), "{html}");
    // The console still answers.
    assert_eq!(app.get("/admin/invitations/bulk").await.status(), 200);
}

#[tokio::test]
async fn a_malformed_upload_is_a_clear_400_page() {
    let app = spawn_app().await;
    app.signed_in_admin().await;
    let mut body = [field("csrf_token", &app.csrf().await), field("mode", "csv")].concat();
    // A part whose headers never end.
    body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"").as_bytes());
    let r = post_multipart(&app, body).await;
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("The upload could not be read"), "{html}");
    assert_eq!(app.count("SELECT COUNT(*) FROM bulk_imports").await, 0);
}
