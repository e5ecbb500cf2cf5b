//! Invitations: writing them, finding one, moving their status, counting
//! what an inviter made. Their links live in `invitation_links` and the
//! lists in `invitation_list`; both are re-exported here.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Conn;
pub use crate::domain::grants::{Grants, TenantRole};
use crate::domain::invitation::InvitationStatus;
use crate::on_conn;

// The lists live in their own module; their names stay reachable here.
pub use super::invitation_links::{
    Link, LinkState, NewLink, find_by_token_hash, insert_link, insert_links, supersede_links_of_user, use_link,
};
pub use super::invitation_list::{ApiQuery, InvitationQuery, ListedInvitation, list, list_keyset};

#[derive(Clone, Debug)]
pub struct Invitation {
    pub id: Uuid,
    pub user_id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub status: InvitationStatus,
    pub login_id: String,
    pub channel: String,
    pub template_key: String,
    pub lang: String,
    pub redirect_url: Option<String>,
    pub grants: Grants,
    pub invited_by: Option<Uuid>,
    /// The API key that made it, when it was made through the API.
    pub invited_by_api_key: Option<Uuid>,
    /// Who made it, with the name to show (filled when read).
    pub inviter: Option<Inviter>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub resent_at: Option<DateTime<Utc>>,
    pub resent_count: i64,
    pub accepted_at: Option<DateTime<Utc>>,
}

/// Who made an invitation: a person in the console, or an API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inviter {
    Person { id: Uuid, login_id: String },
    ApiKey { id: Uuid, name: String },
}

impl Inviter {
    /// How the console shows it: the person's login ID, or "API key: <name>".
    pub fn label(&self) -> String {
        match self {
            Self::Person { login_id, .. } => login_id.clone(),
            Self::ApiKey { name, .. } => format!("{API_KEY_LABEL}{name}"),
        }
    }
}

/// What the console puts before an API key's name where a person's login
/// ID would be (SQL builds the same text for the tables).
pub const API_KEY_LABEL: &str = "API key: ";

impl Invitation {
    /// The status as of `now`, whether or not the sweeper has run.
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        self.status.at(self.expires_at, now)
    }

    /// When the invitee was last sent (or given) a link.
    pub fn last_issued(&self) -> DateTime<Utc> {
        self.resent_at.unwrap_or(self.created_at)
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: Uuid,
    user_id: Uuid,
    tenant_id: Option<Uuid>,
    status: String,
    login_id: String,
    channel: String,
    template_key: String,
    lang: String,
    redirect_url: Option<String>,
    grants: Json<Grants>,
    invited_by: Option<Uuid>,
    invited_by_api_key: Option<Uuid>,
    inviter_login: Option<String>,
    inviter_key_name: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    resent_at: Option<DateTime<Utc>>,
    resent_count: i64,
    accepted_at: Option<DateTime<Utc>>,
}

impl Row {
    pub(super) fn into_domain(self) -> anyhow::Result<Invitation> {
        Ok(Invitation {
            status: InvitationStatus::parse(&self.status)
                .with_context(|| format!("unknown invitation status {}", self.status))?,
            id: self.id,
            user_id: self.user_id,
            tenant_id: self.tenant_id,
            login_id: self.login_id,
            channel: self.channel,
            template_key: self.template_key,
            lang: self.lang,
            redirect_url: self.redirect_url,
            grants: self.grants.0,
            inviter: match (self.invited_by, self.invited_by_api_key) {
                (Some(id), _) => Some(Inviter::Person { id, login_id: self.inviter_login.unwrap_or_default() }),
                (None, Some(id)) => Some(Inviter::ApiKey { id, name: self.inviter_key_name.unwrap_or_default() }),
                (None, None) => None,
            },
            invited_by: self.invited_by,
            invited_by_api_key: self.invited_by_api_key,
            created_at: self.created_at,
            expires_at: self.expires_at,
            sent_at: self.sent_at,
            resent_at: self.resent_at,
            resent_count: self.resent_count,
            accepted_at: self.accepted_at,
        })
    }
}

pub(super) const COLUMNS: &str =
    "id, user_id, tenant_id, status, login_id, channel, template_key, lang, redirect_url, grants,
    invited_by, created_at, expires_at, sent_at, resent_at, resent_count, accepted_at, invited_by_api_key,
    (SELECT x.primary_login_id FROM users x WHERE x.id = invitations.invited_by) AS inviter_login,
    (SELECT k.name FROM api_keys k WHERE k.id = invitations.invited_by_api_key) AS inviter_key_name";

pub struct NewInvitation<'a> {
    pub user_id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub login_id: &'a str,
    pub channel: &'a str,
    pub template_key: &'a str,
    pub lang: &'a str,
    pub redirect_url: Option<&'a str>,
    pub grants: &'a Grants,
    pub invited_by: Option<Uuid>,
    pub invited_by_api_key: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

impl Invitation {
    /// A new pending invitation, ready for [`insert_many`].
    pub fn pending(new: NewInvitation<'_>, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::new_v4(),
            user_id: new.user_id,
            tenant_id: new.tenant_id,
            status: InvitationStatus::Pending,
            login_id: new.login_id.to_string(),
            channel: new.channel.to_string(),
            template_key: new.template_key.to_string(),
            lang: new.lang.to_string(),
            redirect_url: new.redirect_url.map(str::to_string),
            grants: new.grants.clone(),
            invited_by: new.invited_by,
            invited_by_api_key: new.invited_by_api_key,
            inviter: None,
            created_at: now,
            expires_at: new.expires_at,
            sent_at: None,
            resent_at: None,
            resent_count: 0,
            accepted_at: None,
        }
    }
}

/// Insert new invitations, one statement per 500.
#[tracing::instrument(skip_all, fields(count = rows.len()))]
pub async fn insert_many(c: &mut Conn<'_>, rows: &[Invitation]) -> anyhow::Result<()> {
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO invitations (id, user_id, tenant_id, status, login_id, channel, template_key, lang,
                 redirect_url, grants, invited_by, created_at, expires_at, resent_count, invited_by_api_key) VALUES {}",
            super::values_placeholders(c, chunk.len(), 15)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for i in chunk {
                q = q.bind(i.id).bind(i.user_id).bind(i.tenant_id).bind(i.status.as_str()).bind(&i.login_id).bind(&i.channel)
                    .bind(&i.template_key).bind(&i.lang).bind(&i.redirect_url).bind(Json(&i.grants)).bind(i.invited_by)
                    .bind(i.created_at).bind(i.expires_at).bind(i.resent_count).bind(i.invited_by_api_key);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("inserting invitations")?;
    }
    Ok(())
}

#[tracing::instrument(skip(c))]
pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE id = $1");
    let row: Option<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)
        .context("finding invitation")?;
    row.map(Row::into_domain).transpose()
}

/// The user's newest invitation, if any.
pub async fn latest_for_user(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<Option<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1");
    let row: Option<Row> =
        on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_optional(c).await)
            .context("finding latest invitation")?;
    row.map(Row::into_domain).transpose()
}

pub async fn list_for_user(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<Vec<Invitation>> {
    let sql = format!("SELECT {COLUMNS} FROM invitations WHERE user_id = $1 ORDER BY created_at DESC");
    let rows: Vec<Row> = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(c).await)
        .context("listing invitations of a user")?;
    rows.into_iter().map(Row::into_domain).collect()
}

/// Move an invitation to `status`, stamping `accepted_at` or `closed_at`.
pub async fn set_status(
    c: &mut Conn<'_>,
    id: Uuid,
    status: InvitationStatus,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "UPDATE invitations SET status = $1,
                   accepted_at = CASE WHEN $1 = 'accepted' THEN $2 ELSE accepted_at END,
                   closed_at = CASE WHEN $1 IN ('revoked', 'declined', 'expired') THEN $2 ELSE closed_at END
               WHERE id = $3";
    on_conn!(c, c => sqlx::query(sql).bind(status.as_str()).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("setting invitation status")?;
    Ok(())
}

/// Resend bookkeeping: pending again, expiry restarted, counter bumped.
pub async fn mark_resent(
    c: &mut Conn<'_>,
    id: Uuid,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "UPDATE invitations SET status = 'pending', expires_at = $1, resent_at = $2,
                   resent_count = resent_count + 1, closed_at = NULL
               WHERE id = $3";
    on_conn!(c, c => sqlx::query(sql).bind(expires_at).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("marking invitation resent")?;
    Ok(())
}

pub async fn mark_sent(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "UPDATE invitations SET sent_at = $1 WHERE id = $2";
    on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("marking invitation sent")?;
    Ok(())
}

/// Expire every other pending invitation of a user who just became active.
/// Returns each expired invitation's (id, login ID, tenant), for its event.
pub async fn expire_others(
    c: &mut Conn<'_>,
    user_id: Uuid,
    except: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<(Uuid, String, Option<Uuid>)>> {
    let sql = "UPDATE invitations SET status = 'expired', closed_at = $1
               WHERE user_id = $2 AND status = 'pending' AND ($3 IS NULL OR id <> $3) RETURNING id, login_id, tenant_id";
    on_conn!(c, c => sqlx::query_as(sql).bind(now).bind(user_id).bind(except).fetch_all(c).await)
        .context("expiring other invitations")
}

/// Lock an invitation's row until the transaction ends, so concurrent
/// resend, revoke and accept take turns (PostgreSQL; SQLite transactions
/// already run one writer at a time with BEGIN IMMEDIATE).
pub async fn lock(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<()> {
    if let Conn::Postgres(c) = c {
        sqlx::query("SELECT id FROM invitations WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(&mut **c).await?;
    }
    Ok(())
}

/// Pending invitations whose time is up, for the sweeper.
pub async fn due_for_expiry(c: &mut Conn<'_>, now: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<Invitation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invitations WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2"
    );
    let rows: Vec<Row> =
        on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(now).bind(limit).fetch_all(c).await)
            .context("finding invitations due for expiry")?;
    rows.into_iter().map(Row::into_domain).collect()
}

/// Mark one invitation expired if it is still pending and due; true when
/// this call did it (so a concurrent sweeper does not double-report).
pub async fn expire_if_due(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let sql = "UPDATE invitations SET status = 'expired', closed_at = $1 WHERE id = $2 AND status = 'pending' AND expires_at <= $1";
    let n = on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("expiring invitation")?;
    Ok(n == 1)
}

/// Invitations created by `inviter` since `since` (for the daily quota).
/// Whose invitations the daily quota counts: a person's or an API key's.
#[derive(Clone, Copy, Debug)]
pub enum MadeBy {
    Person(Uuid),
    ApiKey(Uuid),
}

impl MadeBy {
    fn condition(self) -> (&'static str, Uuid) {
        match self {
            Self::Person(id) => ("invited_by = $1", id),
            Self::ApiKey(id) => ("invited_by_api_key = $1", id),
        }
    }
}

pub async fn count_made_since(c: &mut Conn<'_>, by: MadeBy, since: DateTime<Utc>) -> anyhow::Result<i64> {
    let (condition, id) = by.condition();
    let sql = format!("SELECT COUNT(*) FROM invitations WHERE {condition} AND created_at > $2");
    on_conn!(c, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(id).bind(since).fetch_one(c).await)
        .context("counting invitations")
}

/// When `by` made the invitation `skip` places after their oldest one
/// since `since` (for when the daily quota frees up).
pub async fn nth_made_since(
    c: &mut Conn<'_>,
    by: MadeBy,
    since: DateTime<Utc>,
    skip: i64,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    let (condition, id) = by.condition();
    let sql = format!(
        "SELECT created_at FROM invitations WHERE {condition} AND created_at > $2 ORDER BY created_at LIMIT 1 OFFSET $3"
    );
    on_conn!(c, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(id).bind(since).bind(skip).fetch_optional(c).await)
        .context("finding the oldest counted invitation")
}

// ---- links ----
