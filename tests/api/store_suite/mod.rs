//! The store suite: `usher::store` functions called directly against a
//! fresh database migrated the way the application migrates on start.
//! It runs on SQLite (`cargo test`) and, with `USHER_TEST_POSTGRES` set,
//! on PostgreSQL — so every promise below is checked on both backends:
//! what is found, in what order, and what is refused.

mod audit;
mod bulk_imports;
mod catalog;
mod invitations;
mod records;
mod schema_parity;
mod user_list;
mod users;

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use usher::domain::{login_id::LoginId, user::UserStatus};
use usher::store::invitations::{Grants, Invitation, NewInvitation};
use usher::store::users as user_store;
use usher::store::{Arg, Conn, Db, PooledConn};

use super::helpers;

/// A fresh, migrated database; a SQLite file lives as long as this does.
pub struct TestDb {
    pub db: Db,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// A pooled connection; `&mut c.conn()` is what the store takes.
    pub async fn conn(&self) -> PooledConn {
        self.db.acquire().await.expect("a connection")
    }
}

/// A new database for one test, on whichever backend the run is for.
pub async fn fresh_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = helpers::fresh_database(&dir).await;
    TestDb { db: migrated(&url).await, _dir: dir }
}

/// Connect and migrate through the calls the application makes on start
/// (`AppState::connect`, `usher migrate`).
pub async fn migrated(url: &str) -> Db {
    let db = Db::connect(url).await.expect("the test database opens");
    db.migrate().await.expect("migrations run");
    db
}

/// A fixed moment plus `minutes`: tests choose their own clock so that
/// orders and cut-offs are exact (whole seconds survive PostgreSQL's
/// microsecond timestamps unchanged).
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() + Duration::minutes(minutes)
}

pub fn login(raw: &str) -> LoginId {
    LoginId::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

/// Insert a user with one login ID, created at `created`.
pub async fn user(
    c: &mut Conn<'_>,
    login_id: &str,
    given: &str,
    family: &str,
    status: UserStatus,
    created: DateTime<Utc>,
) -> Uuid {
    let attributes = user_store::Attributes::new();
    let login_id = login(login_id);
    let new = user_store::NewUser {
        login_id: &login_id,
        given_name: given,
        family_name: family,
        custom_attributes: &attributes,
        status,
        invited_by: None,
        password_hash: None,
    };
    user_store::insert(c, new, created).await.expect("user inserted")
}

/// A pending invitation of `user_id` (not yet inserted).
pub fn invitation(
    user_id: Uuid,
    login_id: &str,
    tenant: Option<Uuid>,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Invitation {
    let grants = Grants { roles: vec!["admin".into()], tenants: tenant.into_iter().collect(), tenant_roles: vec![] };
    let new = NewInvitation {
        user_id,
        tenant_id: tenant,
        login_id,
        channel: "email",
        template_key: "invite",
        lang: "en",
        redirect_url: None,
        grants: &grants,
        invited_by: None,
        invited_by_api_key: None,
        expires_at: expires,
    };
    Invitation::pending(new, created)
}

/// Run one statement the store has no function for (setting up a row).
pub async fn exec(c: &mut Conn<'_>, sql: &str, args: &[Arg]) {
    usher::on_conn!(c, c => usher::bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.to_string())), args)
        .execute(c).await.map(|r| r.rows_affected()))
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}
