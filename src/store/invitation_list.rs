//! Lists of invitations: the console's invitations page (filters, search,
//! offset pages with a total) and the API's cursor pages.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use super::invitations::{COLUMNS, Invitation, Row};
use crate::domain::invitation::InvitationStatus;
use crate::on_conn;

/// One row of the invitations page.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedInvitation {
    pub id: Uuid,
    pub user_id: Uuid,
    pub login_id: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub resent_count: i64,
    pub invited_by_login: Option<String>,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<Uuid>,
    pub user_status: Option<String>,
}

pub struct InvitationQuery {
    /// `pending` and `expired` are judged by the clock, as everywhere.
    pub status: Option<InvitationStatus>,
    pub search: Option<String>,
    pub scope: Option<Uuid>,
    pub now: DateTime<Utc>,
    pub offset: i64,
    pub limit: i64,
}

/// Invitations newest first, with the total that matches.
pub async fn list(c: &mut Conn<'_>, q: &InvitationQuery) -> anyhow::Result<(Vec<ListedInvitation>, i64)> {
    let filter = "WHERE ($1 IS NULL
            OR ($1 = 'pending' AND i.status = 'pending' AND i.expires_at > $2)
            OR ($1 = 'expired' AND (i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= $2)))
            OR ($1 NOT IN ('pending', 'expired') AND i.status = $1))
        AND ($3 IS NULL OR i.login_id LIKE $3 ESCAPE '\\')
        AND ($4 IS NULL OR i.tenant_id = $4)";
    let pattern = q.search.as_deref().map(super::user_list::like_pattern);
    let status = q.status.map(InvitationStatus::as_str);
    let count_sql = format!("SELECT COUNT(*) FROM invitations i {filter}");
    let total: i64 = on_conn!(c, c => sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
        .bind(status).bind(q.now).bind(pattern.as_deref()).bind(q.scope)
        .fetch_one(c).await)
    .context("counting invitations")?;
    let sql = format!(
        "SELECT i.id, i.user_id, i.login_id, i.status, i.created_at, i.expires_at, i.sent_at, i.resent_count,
            COALESCE((SELECT x.primary_login_id FROM users x WHERE x.id = i.invited_by),
                (SELECT 'API key: ' || k.name FROM api_keys k WHERE k.id = i.invited_by_api_key)) AS invited_by_login,
            (SELECT t.name FROM tenants t WHERE t.id = i.tenant_id) AS tenant_name, i.tenant_id,
            (SELECT u.status FROM users u WHERE u.id = i.user_id) AS user_status
         FROM invitations i {filter} ORDER BY i.created_at DESC, i.id LIMIT $5 OFFSET $6"
    );
    let rows = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(status).bind(q.now).bind(pattern.as_deref()).bind(q.scope).bind(q.limit).bind(q.offset)
        .fetch_all(c).await)
    .context("listing invitations")?;
    Ok((rows, total))
}

/// What the API filters invitations on; `after` is the keyset cursor
/// (created_at, id) of the last row of the previous page.
#[derive(Clone, Debug, Default)]
pub struct ApiQuery {
    pub status: Option<InvitationStatus>,
    pub tenant: Option<Uuid>,
    pub login_id: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub scope: Option<Uuid>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub now: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// Invitations newest first, a page at a time by keyset.
pub async fn list_keyset(c: &mut Conn<'_>, q: &ApiQuery) -> anyhow::Result<Vec<Invitation>> {
    use super::Arg;
    let mut clauses: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let mut add = |clause: &str, values: Vec<Arg>| {
        let mut clause = clause.to_string();
        for v in values {
            args.push(v);
            clause = clause.replacen('?', &format!("${}", args.len()), 1);
        }
        clauses.push(clause);
    };
    let now = q.now.unwrap_or_else(Utc::now);
    match q.status {
        Some(InvitationStatus::Pending) => add("status = 'pending' AND expires_at > ?", vec![Arg::Time(now)]),
        Some(InvitationStatus::Expired) => {
            add("(status = 'expired' OR (status = 'pending' AND expires_at <= ?))", vec![Arg::Time(now)])
        }
        Some(s) => add("status = ?", vec![Arg::Text(s.as_str().into())]),
        None => {}
    }
    if let Some(t) = q.tenant {
        add("tenant_id = ?", vec![Arg::Id(t)]);
    }
    if let Some(t) = q.scope {
        add("tenant_id = ?", vec![Arg::Id(t)]);
    }
    if let Some(l) = &q.login_id {
        add("login_id = ?", vec![Arg::Text(l.clone())]);
    }
    if let Some(t) = q.created_after {
        add("created_at >= ?", vec![Arg::Time(t)]);
    }
    if let Some(t) = q.created_before {
        add("created_at < ?", vec![Arg::Time(t)]);
    }
    if let Some(cursor) = q.after {
        let clause = super::db::keyset_after("", cursor, |arg| {
            args.push(arg);
            format!("${}", args.len())
        });
        clauses.push(clause);
    }
    let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    args.push(Arg::Int(q.limit));
    let sql =
        format!("SELECT {COLUMNS} FROM invitations {filter} ORDER BY created_at DESC, id DESC LIMIT ${}", args.len());
    let rows: Vec<Row> =
        on_conn!(c, c => crate::bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(c).await)
            .context("listing invitations")?;
    rows.into_iter().map(Row::into_domain).collect()
}
