//! Users, their login IDs, roles and tenants.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Conn;
use crate::domain::{login_id::LoginId, user::UserStatus};
use crate::on_conn;

/// Project-wide role assignments use the nil UUID as their tenant.
pub const PROJECT_SCOPE: Uuid = Uuid::nil();

pub type Attributes = serde_json::Map<String, serde_json::Value>;

#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub login_id: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub custom_attributes: Attributes,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub invited_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn full_name(&self) -> String {
        if !self.display_name.is_empty() {
            return self.display_name.clone();
        }
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_string()
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    login_id: String,
    display_name: String,
    given_name: String,
    family_name: String,
    custom_attributes: Json<Attributes>,
    password_hash: Option<String>,
    status: String,
    invited_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl UserRow {
    fn into_domain(self) -> anyhow::Result<User> {
        Ok(User {
            status: UserStatus::parse(&self.status)
                .with_context(|| format!("unknown user status {}", self.status))?,
            id: self.id,
            login_id: self.login_id,
            display_name: self.display_name,
            given_name: self.given_name,
            family_name: self.family_name,
            custom_attributes: self.custom_attributes.0,
            password_hash: self.password_hash,
            invited_by: self.invited_by,
            created_at: self.created_at,
        })
    }
}

const SELECT_USER: &str =
    "SELECT u.id, l.value AS login_id, u.display_name, u.given_name, u.family_name,
        u.custom_attributes, u.password_hash, u.status, u.invited_by, u.created_at
    FROM users u JOIN login_ids l ON l.user_id = u.id";

pub struct NewUser<'a> {
    pub login_id: &'a LoginId,
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub custom_attributes: &'a Attributes,
    pub status: UserStatus,
    pub invited_by: Option<Uuid>,
    pub password_hash: Option<&'a str>,
}

/// Insert a user and their login ID. A taken login ID is a unique-key
/// violation (see [`super::is_unique_violation`]).
#[tracing::instrument(skip(c, new), fields(login_id = %new.login_id))]
pub async fn insert(
    c: &mut Conn<'_>,
    new: NewUser<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql = "INSERT INTO users (id, given_name, family_name, custom_attributes, password_hash, status, invited_by, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
    on_conn!(c, c => sqlx::query(sql)
        .bind(id)
        .bind(new.given_name)
        .bind(new.family_name)
        .bind(Json(new.custom_attributes))
        .bind(new.password_hash)
        .bind(new.status.as_str())
        .bind(new.invited_by)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("inserting user")?;
    let sql = "INSERT INTO login_ids (value, user_id, kind, created_at) VALUES ($1, $2, $3, $4)";
    on_conn!(c, c => sqlx::query(sql)
        .bind(new.login_id.as_str())
        .bind(id)
        .bind(new.login_id.kind())
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(id)
}

#[tracing::instrument(skip(c))]
pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE u.id = $1 ORDER BY l.created_at LIMIT 1");
    let row: Option<UserRow> =
        on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)
            .context("finding user")?;
    row.map(UserRow::into_domain).transpose()
}

#[tracing::instrument(skip(c))]
pub async fn find_by_login_id(c: &mut Conn<'_>, login_id: &str) -> anyhow::Result<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE l.value = $1");
    let row: Option<UserRow> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(login_id).fetch_optional(c).await)
        .context("finding user by login ID")?;
    row.map(UserRow::into_domain).transpose()
}

pub async fn set_status(
    c: &mut Conn<'_>,
    id: Uuid,
    status: UserStatus,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "UPDATE users SET status = $1, updated_at = $2 WHERE id = $3";
    on_conn!(c, c => sqlx::query(sql).bind(status.as_str()).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected())).context("setting user status")?;
    Ok(())
}

/// Registration: names, password, status active.
pub async fn register(
    c: &mut Conn<'_>,
    id: Uuid,
    given_name: &str,
    family_name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "UPDATE users SET given_name = $1, family_name = $2, password_hash = $3, status = $4, updated_at = $5 WHERE id = $6";
    on_conn!(c, c => sqlx::query(sql)
        .bind(given_name)
        .bind(family_name)
        .bind(password_hash)
        .bind(UserStatus::Active.as_str())
        .bind(now)
        .bind(id)
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("registering user")?;
    Ok(())
}

pub async fn update_invitee_details(
    c: &mut Conn<'_>,
    id: Uuid,
    given_name: &str,
    family_name: &str,
    custom_attributes: &Attributes,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "UPDATE users SET given_name = $1, family_name = $2, custom_attributes = $3, updated_at = $4 WHERE id = $5";
    on_conn!(c, c => sqlx::query(sql)
        .bind(given_name)
        .bind(family_name)
        .bind(Json(custom_attributes))
        .bind(now)
        .bind(id)
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("updating invitee details")?;
    Ok(())
}

pub async fn touch_login(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "UPDATE users SET last_login_at = $1 WHERE id = $2";
    on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every role name the user holds, in any scope.
pub async fn roles_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<String>> {
    let sql = "SELECT DISTINCT role FROM user_roles WHERE user_id = $1 ORDER BY role";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await)
        .context("reading user roles")
}

/// Grant a role (project-wide with `tenant = None`); granting twice is a no-op.
pub async fn grant_role(
    c: &mut Conn<'_>,
    id: Uuid,
    role: &str,
    tenant: Option<Uuid>,
) -> anyhow::Result<()> {
    let sql = "INSERT INTO user_roles (user_id, role, tenant_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(role).bind(tenant.unwrap_or(PROJECT_SCOPE)).execute(c).await.map(|r| r.rows_affected()))
        .context("granting role")?;
    Ok(())
}

pub async fn add_tenant(c: &mut Conn<'_>, id: Uuid, tenant: Uuid) -> anyhow::Result<()> {
    let sql =
        "INSERT INTO user_tenants (user_id, tenant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(tenant).execute(c).await.map(|r| r.rows_affected())).context("adding tenant")?;
    Ok(())
}

pub async fn tenant_names_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<String>> {
    let sql = "SELECT t.name FROM user_tenants ut JOIN tenants t ON t.id = ut.tenant_id WHERE ut.user_id = $1 ORDER BY t.name";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await)
        .context("reading user tenants")
}

/// Is there an active user holding the admin role?
pub async fn admin_exists(c: &mut Conn<'_>) -> anyhow::Result<bool> {
    let sql = "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = 'admin' AND u.status = 'active'";
    let n: i64 =
        on_conn!(c, c => sqlx::query_scalar(sql).fetch_one(c).await).context("counting admins")?;
    Ok(n > 0)
}

/// One row of the users table.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Listed {
    pub id: Uuid,
    pub login_id: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub status: String,
    pub invited_by_login: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resent_count: Option<i64>,
    pub invitation_status: Option<String>,
    pub invitation_expires_at: Option<DateTime<Utc>>,
    pub invitation_id: Option<Uuid>,
}

impl Listed {
    pub fn name(&self) -> String {
        if !self.display_name.is_empty() {
            return self.display_name.clone();
        }
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_string()
    }
}

pub struct ListQuery<'a> {
    /// Matches login ID or name, case-insensitive, anywhere.
    pub search: Option<&'a str>,
    pub status: Option<UserStatus>,
    pub offset: i64,
    pub limit: i64,
}

// One row per user: their first login ID.
const LIST_FROM: &str = "FROM users u
    JOIN login_ids l ON l.user_id = u.id AND l.value = (SELECT MIN(value) FROM login_ids WHERE user_id = u.id)";
const LIST_WHERE: &str = "WHERE ($1 IS NULL OR u.status = $1)
    AND ($2 IS NULL OR l.value LIKE $2 ESCAPE '\\' OR LOWER(u.given_name || ' ' || u.family_name) LIKE $2 ESCAPE '\\'
         OR LOWER(u.display_name) LIKE $2 ESCAPE '\\')";

/// A page of users, newest first, with the total that matches.
#[tracing::instrument(skip(c, q))]
pub async fn list(c: &mut Conn<'_>, q: &ListQuery<'_>) -> anyhow::Result<(Vec<Listed>, i64)> {
    let pattern = q.search.map(|s| {
        format!(
            "%{}%",
            s.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    let status = q.status.map(UserStatus::as_str);
    let count_sql = format!("SELECT COUNT(*) {LIST_FROM} {LIST_WHERE}");
    let total: i64 = on_conn!(c, c => sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
        .bind(status)
        .bind(pattern.as_deref())
        .fetch_one(c)
        .await)
    .context("counting users")?;
    let page_sql = format!(
        "SELECT u.id, l.value AS login_id, u.given_name, u.family_name, u.display_name, u.status,
            (SELECT MIN(value) FROM login_ids WHERE user_id = u.invited_by) AS invited_by_login,
            u.created_at, i.resent_count, i.status AS invitation_status, i.expires_at AS invitation_expires_at, i.id AS invitation_id
         {LIST_FROM}
         LEFT JOIN invitations i ON i.id = (SELECT id FROM invitations WHERE user_id = u.id ORDER BY created_at DESC LIMIT 1)
         {LIST_WHERE}
         ORDER BY u.created_at DESC, u.id LIMIT $3 OFFSET $4"
    );
    let rows: Vec<Listed> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(page_sql))
        .bind(status)
        .bind(pattern.as_deref())
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(c)
        .await)
    .context("listing users")?;
    Ok((rows, total))
}
