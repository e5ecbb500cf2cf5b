//! Users and their login IDs. Their roles and tenants are in
//! `memberships`, re-exported here.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Conn;
use crate::domain::{login_id::LoginId, user::UserStatus};
use crate::on_conn;

pub use super::memberships::{
    add_tenant, belongs_to_tenant, grant_role, remove_tenant, revoke_role, role_grants_of, roles_of, tenant_ids_of,
    tenant_names_of, tenants_of,
};

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
    pub external_id: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
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
    external_id: Option<String>,
    last_login_at: Option<DateTime<Utc>>,
}

impl UserRow {
    fn into_domain(self) -> anyhow::Result<User> {
        Ok(User {
            status: UserStatus::parse(&self.status).with_context(|| format!("unknown user status {}", self.status))?,
            id: self.id,
            login_id: self.login_id,
            display_name: self.display_name,
            given_name: self.given_name,
            family_name: self.family_name,
            custom_attributes: self.custom_attributes.0,
            password_hash: self.password_hash,
            invited_by: self.invited_by,
            created_at: self.created_at,
            external_id: self.external_id,
            last_login_at: self.last_login_at,
        })
    }
}

const SELECT_USER: &str = "SELECT u.id, l.value AS login_id, u.display_name, u.given_name, u.family_name,
        u.custom_attributes, u.password_hash, u.status, u.invited_by, u.created_at, u.external_id, u.last_login_at
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
pub async fn insert(c: &mut Conn<'_>, new: NewUser<'_>, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    insert_many(c, &[(id, new)], now).await?;
    Ok(id)
}

/// Insert users and their login IDs, two statements per 500 users.
pub async fn insert_many(c: &mut Conn<'_>, rows: &[(Uuid, NewUser<'_>)], now: DateTime<Utc>) -> anyhow::Result<()> {
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO users (id, given_name, family_name, custom_attributes, password_hash, status, invited_by, created_at,
                 updated_at, primary_login_id, sort_name, search_text) VALUES {}",
            super::values_placeholders(c, chunk.len(), 12)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for (id, new) in chunk {
                let listing = Listing::of(&[new.login_id.as_str()], new.given_name, new.family_name, "", None);
                q = q.bind(*id).bind(new.given_name).bind(new.family_name).bind(Json(new.custom_attributes)).bind(new.password_hash)
                    .bind(new.status.as_str()).bind(new.invited_by).bind(now).bind(now).bind(listing.primary_login_id)
                    .bind(listing.sort_name).bind(listing.search_text);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("inserting users")?;
        let sql = format!(
            "INSERT INTO login_ids (value, user_id, kind, created_at) VALUES {}",
            super::values_placeholders(c, chunk.len(), 4)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for (id, new) in chunk {
                q = q.bind(new.login_id.as_str()).bind(*id).bind(new.login_id.kind()).bind(now);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

#[tracing::instrument(skip(c))]
pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<User>> {
    let sql = format!("{SELECT_USER} WHERE u.id = $1 AND l.value = u.primary_login_id");
    let row: Option<UserRow> =
        on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)
            .context("finding user")?;
    row.map(UserRow::into_domain).transpose()
}

/// The user who has `login_id` (any of theirs); their primary login ID
/// is the one the result names.
#[tracing::instrument(skip(c))]
pub async fn find_by_login_id(c: &mut Conn<'_>, login_id: &str) -> anyhow::Result<Option<User>> {
    let sql = format!(
        "{SELECT_USER} WHERE u.id = (SELECT user_id FROM login_ids WHERE value = $1) AND l.value = u.primary_login_id"
    );
    let row: Option<UserRow> =
        on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(login_id).fetch_optional(c).await)
            .context("finding user by login ID")?;
    row.map(UserRow::into_domain).transpose()
}

pub async fn set_status(c: &mut Conn<'_>, id: Uuid, status: UserStatus, now: DateTime<Utc>) -> anyhow::Result<()> {
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
    refresh_listing(c, id).await
}

pub async fn update_invitee_details(
    c: &mut Conn<'_>,
    id: Uuid,
    given_name: &str,
    family_name: &str,
    custom_attributes: &Attributes,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql =
        "UPDATE users SET given_name = $1, family_name = $2, custom_attributes = $3, updated_at = $4 WHERE id = $5";
    on_conn!(c, c => sqlx::query(sql)
        .bind(given_name)
        .bind(family_name)
        .bind(Json(custom_attributes))
        .bind(now)
        .bind(id)
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("updating invitee details")?;
    refresh_listing(c, id).await
}

pub async fn touch_login(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "UPDATE users SET last_login_at = $1 WHERE id = $2";
    on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Is there an active user holding the admin role?
pub async fn admin_exists(c: &mut Conn<'_>) -> anyhow::Result<bool> {
    let sql = "SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = 'admin' AND u.status = 'active'";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(sql).fetch_one(c).await).context("counting admins")?;
    Ok(n > 0)
}

/// The denormalized columns the users table sorts and searches on, and
/// the primary login ID (the one the heading, the table and the API name).
pub struct Listing {
    pub primary_login_id: String,
    pub sort_name: String,
    pub search_text: String,
}

impl Listing {
    /// `login_ids` starts with the primary one.
    pub fn of(login_ids: &[&str], given: &str, family: &str, display: &str, external_id: Option<&str>) -> Self {
        let primary_login_id = login_ids.first().map(|s| s.to_string()).unwrap_or_default();
        let name = if display.trim().is_empty() { format!("{given} {family}") } else { display.to_string() };
        let name = name.trim().to_lowercase();
        let sort_name = if name.is_empty() { primary_login_id.clone() } else { name };
        let search_text =
            format!("{} {given} {family} {display} {}", login_ids.join(" "), external_id.unwrap_or_default())
                .to_lowercase();
        Self { primary_login_id, sort_name, search_text }
    }
}

/// Recompute the listing columns after names or login IDs change. The
/// primary login ID stays until someone chooses another; when it is
/// removed, the oldest remaining one takes its place.
pub async fn refresh_listing(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<()> {
    let mut logins: Vec<String> = on_conn!(c, c => sqlx::query_scalar(
        "SELECT value FROM login_ids WHERE user_id = $1 ORDER BY created_at, value").bind(id).fetch_all(c).await)?;
    let row: Option<(String, String, String, Option<String>, String)> = on_conn!(c, c => sqlx::query_as(
        "SELECT given_name, family_name, display_name, external_id, primary_login_id FROM users WHERE id = $1").bind(id).fetch_optional(c).await)?;
    let Some((given, family, display, external, primary)) = row else { return Ok(()) };
    if let Some(at) = logins.iter().position(|l| *l == primary) {
        let current = logins.remove(at);
        logins.insert(0, current);
    }
    let refs: Vec<&str> = logins.iter().map(String::as_str).collect();
    let l = Listing::of(&refs, &given, &family, &display, external.as_deref());
    let sql = "UPDATE users SET primary_login_id = $1, sort_name = $2, search_text = $3 WHERE id = $4";
    on_conn!(c, c => sqlx::query(sql).bind(&l.primary_login_id).bind(&l.sort_name).bind(&l.search_text).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("refreshing user listing")?;
    Ok(())
}

pub struct Profile<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub display_name: &'a str,
    pub external_id: Option<&'a str>,
    pub custom_attributes: &'a Attributes,
}

pub async fn update_profile(c: &mut Conn<'_>, id: Uuid, p: &Profile<'_>, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "UPDATE users SET given_name = $1, family_name = $2, display_name = $3, external_id = $4, custom_attributes = $5,
               updated_at = $6 WHERE id = $7";
    on_conn!(c, c => sqlx::query(sql)
        .bind(p.given_name)
        .bind(p.family_name)
        .bind(p.display_name)
        .bind(p.external_id)
        .bind(Json(p.custom_attributes))
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .context("updating profile")?;
    refresh_listing(c, id).await
}

pub async fn login_ids_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<String>> {
    let sql = "SELECT value FROM login_ids WHERE user_id = $1 ORDER BY value";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await).context("reading login IDs")
}

/// Add a login ID; a taken one is a unique-key violation.
pub async fn add_login_id(c: &mut Conn<'_>, id: Uuid, login: &LoginId, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "INSERT INTO login_ids (value, user_id, kind, created_at) VALUES ($1, $2, $3, $4)";
    on_conn!(c, c => sqlx::query(sql).bind(login.as_str()).bind(id).bind(login.kind()).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    refresh_listing(c, id).await
}

/// Make `value`, one of the user's login IDs, their primary one; false if
/// it is not theirs.
pub async fn set_primary_login_id(c: &mut Conn<'_>, id: Uuid, value: &str) -> anyhow::Result<bool> {
    let sql = "UPDATE users SET primary_login_id = $1
               WHERE id = $2 AND EXISTS (SELECT 1 FROM login_ids WHERE user_id = $2 AND value = $1)";
    let n = on_conn!(c, c => sqlx::query(sql).bind(value).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("choosing the primary login ID")?;
    refresh_listing(c, id).await?;
    Ok(n == 1)
}

pub async fn remove_login_id(c: &mut Conn<'_>, id: Uuid, value: &str) -> anyhow::Result<bool> {
    let sql = "DELETE FROM login_ids WHERE user_id = $1 AND value = $2";
    let n = on_conn!(c, c => sqlx::query(sql).bind(id).bind(value).execute(c).await.map(|r| r.rows_affected()))
        .context("removing login ID")?;
    refresh_listing(c, id).await?;
    Ok(n == 1)
}

/// Delete a user; login IDs, roles, tenants, invitations and links go with
/// them (foreign keys cascade).
pub async fn delete(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<bool> {
    let n = on_conn!(c, c => sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("deleting user")?;
    Ok(n == 1)
}

/// Which of these login IDs already belong to someone (one query).
pub async fn existing_login_ids(
    c: &mut Conn<'_>,
    values: &[String],
) -> anyhow::Result<std::collections::HashSet<String>> {
    if values.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!("SELECT value FROM login_ids WHERE value IN ({})", super::in_list(c, values.len()));
    let found: Vec<String> = on_conn!(c, c => {
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()));
        for v in values {
            q = q.bind(v);
        }
        q.fetch_all(c).await
    })
    .context("looking up login IDs")?;
    Ok(found.into_iter().collect())
}
