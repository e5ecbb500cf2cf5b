//! `spawn_app()`: the real application on port 0 against a fresh database
//! (a SQLite file in a temp dir, or a new PostgreSQL database when
//! `USHER_TEST_POSTGRES` names a server) and a real SMTP sink.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use sqlx::Connection;
use usher::{
    clock::ManualClock,
    config::Settings,
    service::accounts,
    startup::Application,
    state::AppState,
    store::{Db, audit::Actor, users},
};

use super::smtp_sink::{ReceivedMail, SmtpSink};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    pub smtp: SmtpSink,
    pub state: Arc<AppState>,
    /// The server's clock: `app.clock.advance(TimeDelta::days(8))` moves
    /// time for the server (shared by every instance of `spawn_instances`).
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

#[derive(Default)]
pub struct Options {
    /// Extra settings, e.g. `USHER_SMTP_URL`.
    pub env: Vec<(&'static str, String)>,
    /// Do not start an SMTP sink (the test starts one itself).
    pub no_smtp: bool,
}

/// A database URL for one test: a SQLite file, or a fresh PostgreSQL
/// database when `USHER_TEST_POSTGRES` is set (e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`).
pub async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match postgres_server() {
        Some(server) => fresh_postgres_database(&server).await,
        None => sqlite_database(dir),
    }
}

/// The PostgreSQL server named by `USHER_TEST_POSTGRES`, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("USHER_TEST_POSTGRES").ok().filter(|s| !s.is_empty())
}

/// A SQLite file in `dir` (created when first opened).
pub fn sqlite_database(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("usher.db").display())
}

/// A new, empty database on the PostgreSQL `server`; its URL.
pub async fn fresh_postgres_database(server: &str) -> String {
    let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(server).await.expect("USHER_TEST_POSTGRES must reach PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(server);
    format!("{base}/{name}")
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        capture_server_log();
    }
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(&dir).await;
    let smtp = if options.no_smtp {
        SmtpSink::default()
    } else {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink::start(listener);
        let mut sink_env = vec![("USHER_SMTP_URL", format!("smtp://127.0.0.1:{port}"))];
        sink_env.extend(options.env.iter().cloned());
        return build(dir, database_url, sink, sink_env, Arc::new(ManualClock::new())).await;
    };
    build(dir, database_url, smtp, options.env, Arc::new(ManualClock::new())).await
}

async fn build(
    dir: tempfile::TempDir,
    database_url: String,
    smtp: SmtpSink,
    env: Vec<(&'static str, String)>,
    clock: Arc<ManualClock>,
) -> TestApp {
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", database_url),
        ("USHER_LISTEN", "127.0.0.1:0".to_string()),
        ("USHER_WORKER_INTERVAL_MS", "100".to_string()),
        ("USHER_RETRY_BASE_MS", "100".to_string()),
        ("USHER_SWEEP_INTERVAL_MS", "3600000".to_string()),
    ]);
    for (k, v) in env {
        vars.insert(k, v);
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
    let app = Application::build_with_clock(settings, clock.clone()).await.expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp { address, client, jar, smtp, state, clock, _dir: dir }
}

impl TestApp {
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_string() } else { format!("{}{path}", self.address) }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The CSRF cookie's value (fetching a page first if there is none).
    pub async fn csrf(&self) -> String {
        let url = reqwest::Url::parse(&self.address).unwrap();
        if let Some(token) = self.csrf_cookie(&url) {
            return token;
        }
        self.get("/login").await;
        self.csrf_cookie(&url).expect("the server sets a CSRF cookie")
    }

    fn csrf_cookie(&self, url: &reqwest::Url) -> Option<String> {
        let header = self.jar.cookies(url)?;
        header.to_str().ok()?.split("; ").find_map(|kv| kv.strip_prefix("usher_csrf=").map(str::to_string))
    }

    /// POST a form with a valid CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("csrf_token", &token));
        self.client.post(self.url(path)).form(&body).send().await.expect("POST")
    }

    /// POST exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(fields).send().await.expect("POST")
    }

    /// An active user holding `roles` (project-wide), created directly.
    pub async fn create_user(&self, email: &str, roles: &[&str]) {
        let form = accounts::NewAdmin {
            email: email.into(),
            name: "Test Person".into(),
            password: PASSWORD.into(),
            password_confirm: PASSWORD.into(),
        };
        let id = accounts::create_admin(&self.state, form, None, &Actor::system()).await.expect("user created");
        let mut tx = self.db().begin().await.unwrap();
        let sql = "DELETE FROM user_roles WHERE user_id = $1";
        match tx.conn() {
            usher::store::Conn::Sqlite(c) => sqlx::query(sql).bind(id).execute(&mut *c).await.map(|_| ()),
            usher::store::Conn::Postgres(c) => sqlx::query(sql).bind(id).execute(&mut *c).await.map(|_| ()),
        }
        .unwrap();
        for role in roles {
            users::grant_role(&mut tx.conn(), id, role, None).await.unwrap();
        }
        tx.commit().await.unwrap();
    }

    pub async fn login(&self, email: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", PASSWORD)]).await
    }

    /// An admin, signed in.
    pub async fn signed_in_admin(&self) {
        self.create_user("admin@example.com", &["admin"]).await;
        assert_eq!(self.login("admin@example.com").await.status(), 303);
    }

    pub async fn invite(&self, login_id: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        let mut fields =
            vec![("login_id", login_id), ("given_name", "Ada"), ("family_name", "Lovelace"), ("send_now", "on")];
        fields.extend_from_slice(extra);
        self.post_form("/admin/invitations", &fields).await
    }

    pub async fn scalar(&self, sql: &'static str, arg: &str) -> String {
        let mut c = self.db().acquire().await.unwrap();
        match c.conn() {
            usher::store::Conn::Sqlite(c) => sqlx::query_scalar::<_, String>(sql).bind(arg).fetch_one(&mut *c).await,
            usher::store::Conn::Postgres(c) => sqlx::query_scalar::<_, String>(sql).bind(arg).fetch_one(&mut *c).await,
        }
        .unwrap()
    }

    pub async fn user_id(&self, login_id: &str) -> uuid::Uuid {
        let sql = "SELECT user_id FROM login_ids WHERE value = $1";
        let mut c = self.db().acquire().await.unwrap();
        match c.conn() {
            usher::store::Conn::Sqlite(c) => sqlx::query_scalar(sql).bind(login_id).fetch_one(&mut *c).await,
            usher::store::Conn::Postgres(c) => sqlx::query_scalar(sql).bind(login_id).fetch_one(&mut *c).await,
        }
        .unwrap()
    }

    /// The user's status as the users table shows it.
    pub async fn user_status(&self, login_id: &str) -> String {
        self.scalar("SELECT u.status FROM users u JOIN login_ids l ON l.user_id = u.id WHERE l.value = $1", login_id)
            .await
    }

    pub async fn invitation_status(&self, login_id: &str) -> String {
        self.scalar("SELECT status FROM invitations WHERE login_id = $1 ORDER BY created_at DESC LIMIT 1", login_id)
            .await
    }
}

/// The invitation link inside a message.
pub fn invite_link(mail: &ReceivedMail) -> String {
    link_in(&mail.text())
}

pub fn link_in(text: &str) -> String {
    let start = text.find("http://").expect("a link in the message");
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace() || c == '"' || c == '<').unwrap_or(rest.len());
    let link = rest[..end].to_string();
    assert!(link.contains("/invite/"), "not an invitation link: {link}");
    link
}

/// The value of `<input ... name="name" ... value="...">` or with `id`.
pub fn input_value(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + 7;
    Some(tag[v..v + tag[v..].find('"')?].to_string())
}

/// A second browser (its own cookies) on the same server.
pub fn spawn_client(app: &TestApp) -> TestApp {
    let jar = Arc::new(Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address: app.address.clone(),
        client,
        jar,
        smtp: app.smtp.clone(),
        state: app.state.clone(),
        clock: app.clock.clone(),
        _dir: tempfile::tempdir().unwrap(),
    }
}

impl TestApp {
    /// Create a tenant through the console (as the signed-in admin); its id.
    pub async fn tenant(&self, name: &str, slug: &str) -> uuid::Uuid {
        assert_eq!(self.post_form("/admin/tenants", &[("name", name), ("slug", slug)]).await.status(), 303);
        let mut c = self.db().acquire().await.unwrap();
        usher::store::tenants::list(&mut c.conn()).await.unwrap().into_iter().find(|t| t.slug == slug).unwrap().id
    }

    pub async fn role(&self, name: &str, scope: &str) {
        let r = self.post_form("/admin/roles", &[("name", name), ("description", ""), ("scope", scope)]).await;
        assert_eq!(r.status(), 303);
    }

    /// Grant a role to an existing user directly (tenant-scoped with Some).
    pub async fn grant(&self, login_id: &str, role: &str, tenant: Option<uuid::Uuid>) {
        let id = self.user_id(login_id).await;
        let mut c = self.db().acquire().await.unwrap();
        users::grant_role(&mut c.conn(), id, role, tenant).await.unwrap();
        if let Some(t) = tenant {
            users::add_tenant(&mut c.conn(), id, t).await.unwrap();
        }
    }

    /// Upload a CSV to the bulk preview.
    pub async fn upload_csv(&self, csv: &[u8], send_now: bool) -> reqwest::Response {
        let token = self.csrf().await;
        let mut form =
            reqwest::multipart::Form::new().text("csrf_token", token).text("mode", "csv").text("lang", "en").part(
                "file",
                reqwest::multipart::Part::bytes(csv.to_vec()).file_name("people.csv").mime_str("text/csv").unwrap(),
            );
        if send_now {
            form = form.text("send_now", "on");
        }
        self.client.post(self.url("/admin/invitations/bulk/preview")).multipart(form).send().await.unwrap()
    }

    /// The commit action on a preview page.
    pub fn commit_action(html: &str) -> String {
        html.split("action=\"")
            .filter_map(|s| s.split('"').next())
            .find(|a| a.ends_with("/commit"))
            .expect("a confirm button")
            .to_string()
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        let mut c = self.db().acquire().await.unwrap();
        match c.conn() {
            usher::store::Conn::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(&mut *c).await,
            usher::store::Conn::Postgres(c) => sqlx::query_scalar(sql).fetch_one(&mut *c).await,
        }
        .unwrap()
    }
}

/// The verdict cell of the preview row for `login_id`.
pub fn verdict(html: &str, login_id: &str) -> String {
    let row_start = html.find(&format!("<td>{login_id}</td>")).unwrap_or_else(|| panic!("no row for {login_id}"));
    let rest = &html[row_start..];
    let cell = rest.split("<td class=\"").nth(1).expect("verdict cell");
    let text = cell.split_once('>').unwrap().1;
    text.split("</td>").next().unwrap().trim().to_string()
}

impl TestApp {
    /// An API key with `role`, optionally for one tenant.
    pub async fn api_key(&self, role: &str, tenant: Option<uuid::Uuid>) -> String {
        let access = usher::domain::access::Access::from_roles(["admin"]);
        let input = usher::service::api_keys::NewKeyInput {
            name: format!("{role} key"),
            role: role.into(),
            tenant,
            expires_in_days: None,
        };
        usher::service::api_keys::create(&self.state, &Actor::system(), &access, input).await.unwrap().0
    }

    /// Call the API; returns (status, JSON body or Null).
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        self.api_with(method, path, key, body, &[]).await
    }

    pub async fn api_with(
        &self,
        method: &str,
        path: &str,
        key: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, self.url(path)).header("authorization", format!("Bearer {key}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }
}

/// The server log as production writes it (at INFO, DEBUG for Usher),
/// from the first call on. One subscriber serves the whole test binary and
/// tests run in parallel, so search for something unique to your test. With
/// `TEST_LOG` set, the log is printed as well.
pub fn capture_server_log() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOG: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = CapturedLog(log.clone(), std::env::var("TEST_LOG").is_ok());
        let filter = tracing_subscriber::EnvFilter::new("info,usher=debug,sqlx=warn");
        let subscriber = usher::telemetry::subscriber(filter, move || writer.clone(), false);
        tracing::subscriber::set_global_default(subscriber).expect("only capture_server_log installs a subscriber");
        log
    })
}

/// Lines of the server log that contain `needle`.
pub fn server_log_lines(needle: &str) -> Vec<String> {
    let log = capture_server_log().lock().unwrap();
    String::from_utf8_lossy(&log).lines().filter(|l| l.contains(needle)).map(str::to_string).collect()
}

#[derive(Clone)]
struct CapturedLog(Arc<std::sync::Mutex<Vec<u8>>>, bool);

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        if self.1 {
            std::io::stdout().write_all(buf)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl TestApp {
    /// Press Confirm on a bulk preview: a 303 to the import's result page,
    /// which is fetched. Returns (result page address, its HTML).
    pub async fn confirm_bulk(&self, preview_html: &str) -> (String, String) {
        let r = self.post_form(&Self::commit_action(preview_html), &[]).await;
        assert_eq!(r.status(), 303, "confirm redirects to the result");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let html = self.get_html(&location).await;
        (location, html)
    }
}

impl TestApp {
    /// `SELECT COUNT(*) ...` with one bound text argument.
    pub async fn count_where(&self, sql: &'static str, arg: &str) -> i64 {
        let mut c = self.db().acquire().await.unwrap();
        match c.conn() {
            usher::store::Conn::Sqlite(c) => sqlx::query_scalar(sql).bind(arg).fetch_one(&mut *c).await,
            usher::store::Conn::Postgres(c) => sqlx::query_scalar(sql).bind(arg).fetch_one(&mut *c).await,
        }
        .unwrap()
    }

    /// Wait (up to 15 s) until `sql` with `arg` counts at least `n`; the count.
    pub async fn wait_for_count(&self, sql: &'static str, arg: &str, n: i64) -> i64 {
        let mut got = 0;
        for _ in 0..150 {
            got = self.count_where(sql, arg).await;
            if got >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("waited for {n} rows of `{sql}` ({arg}); found {got}");
    }
}

/// `n` instances of Usher against one fresh database, each with its own
/// SMTP sink. On PostgreSQL they start at the same moment, as instances
/// behind a load balancer do; on SQLite (one machine) one after another.
pub async fn spawn_instances(n: usize) -> Vec<TestApp> {
    spawn_instances_with(n, std::time::Duration::ZERO, &[]).await
}

/// [`spawn_instances`] sharing one SMTP sink that takes `smtp_delay` per
/// message, with extra settings.
pub async fn spawn_instances_with(
    n: usize,
    smtp_delay: std::time::Duration,
    env: &[(&'static str, &str)],
) -> Vec<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let sink = SmtpSink::start_slow(listener, smtp_delay);
    let mut settings = vec![("USHER_SMTP_URL", format!("smtp://127.0.0.1:{port}"))];
    settings.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
    // One clock for all: instances behind a load balancer share the time.
    let clock = Arc::new(ManualClock::new());
    let start = |dir: tempfile::TempDir| {
        let (url, sink, settings, clock) = (database_url.clone(), sink.clone(), settings.clone(), clock.clone());
        async move { build(dir, url, sink, settings, clock).await }
    };
    // The first instance keeps the directory that holds a SQLite file.
    let dirs = std::iter::once(dir).chain((1..n).map(|_| tempfile::tempdir().unwrap()));
    if database_url.starts_with("postgres") {
        futures_util::future::join_all(dirs.map(start)).await
    } else {
        let mut apps = Vec::new();
        for dir in dirs {
            apps.push(start(dir).await);
        }
        apps
    }
}
