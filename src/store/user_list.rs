//! The users table: search, filters, sort and paging that stay fast at
//! 100,000 users. The page is found on indexed, denormalized columns
//! first; the details of just that page's rows are read after.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Arg, Conn};
use crate::domain::{login_id::LoginId, user::UserStatus};
use crate::{bind_all, on_conn};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Created,
    Name,
    LastActivity,
}

impl Sort {
    pub fn parse(s: &str) -> Self {
        match s {
            "name" => Self::Name,
            "activity" => Self::LastActivity,
            _ => Self::Created,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Name => "name",
            Self::LastActivity => "activity",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            // Each matches an index (scanned backwards for DESC).
            Self::Created => "u.created_at DESC, u.id DESC",
            Self::Name => "u.sort_name, u.id",
            Self::LastActivity => "u.last_login_at DESC NULLS LAST, u.id DESC",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Matches login IDs, names and external ID, case-insensitive.
    pub search: Option<String>,
    pub status: Option<UserStatus>,
    pub tenant: Option<Uuid>,
    pub role: Option<String>,
    /// The viewer's tenant scope: only that tenant's people.
    pub scope: Option<Uuid>,
    pub sort: Sort,
    pub offset: i64,
    pub limit: i64,
    /// Keyset cursor for the API: rows after this (created_at, id), newest
    /// first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
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
    pub last_login_at: Option<DateTime<Utc>>,
    pub resent_count: Option<i64>,
    pub invitation_status: Option<String>,
    pub invitation_expires_at: Option<DateTime<Utc>>,
    pub invitation_id: Option<Uuid>,
    pub invitation_tenant_id: Option<Uuid>,
}

impl Listed {
    pub fn name(&self) -> String {
        if !self.display_name.is_empty() {
            return self.display_name.clone();
        }
        format!("{} {}", self.given_name, self.family_name).trim().to_string()
    }
}

/// Who is in a tenant: members, and people with a live invitation into it
/// (a revoked or declined one does not count).
pub const IN_TENANT: &str = "(EXISTS (SELECT 1 FROM user_tenants ut WHERE ut.user_id = u.id AND ut.tenant_id = $T)
    OR EXISTS (SELECT 1 FROM invitations iv WHERE iv.user_id = u.id AND iv.tenant_id = $T AND iv.status IN ('pending', 'expired')))";

/// A search term as the databases can take it: control characters are
/// dropped (a NUL ends an FTS5 query early and PostgreSQL refuses it in
/// text), line breaks and tabs read as spaces, lowercased like
/// `search_text`.
pub fn clean_term(term: &str) -> String {
    term.chars()
        .filter_map(|c| match c {
            c if c.is_control() && c.is_whitespace() => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect::<String>()
        .trim()
        .to_lowercase()
}

/// `%term%` with LIKE's wildcards escaped.
pub fn like_pattern(term: &str) -> String {
    let escaped = clean_term(term).replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// What a search looks for: the term as typed and, when it is a phone
/// number typed with separators, the number as stored. Empty when nothing
/// searchable is left.
fn search_terms(raw: &str) -> Vec<String> {
    let term = clean_term(raw);
    if term.is_empty() {
        return Vec::new();
    }
    let phone = LoginId::phone_search_term(&term).filter(|p| *p != term);
    std::iter::once(term).chain(phone).collect()
}

/// One condition matching any of `terms` as a literal substring of
/// `search_text`. SQLite: the trigram index matches a quoted phrase (every
/// FTS5 operator inside quotes is plain text) for terms of three or more
/// characters. PostgreSQL's pg_trgm index serves LIKE directly.
fn search_clause(terms: &[String], sqlite: bool, mut next: impl FnMut(Arg) -> String) -> String {
    let (phrases, short): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| sqlite && t.chars().count() >= 3);
    let mut any = Vec::new();
    if !phrases.is_empty() {
        let query = phrases.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" OR ");
        let p = next(Arg::Text(query));
        any.push(format!("u.rowid IN (SELECT rowid FROM users_fts WHERE users_fts MATCH {p} ORDER BY rowid)"));
    }
    for term in short {
        let p = next(Arg::Text(like_pattern(term)));
        any.push(format!("u.search_text LIKE {p} ESCAPE '\\'"));
    }
    format!("({})", any.join(" OR "))
}

/// The WHERE clause for `q`, with only the filters in use, so each
/// database can pick the index that fits.
fn filter(q: &ListQuery, sqlite: bool) -> (String, Vec<Arg>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    let next = |arg: Arg, args: &mut Vec<Arg>| {
        args.push(arg);
        format!("${}", args.len())
    };
    if let Some(status) = q.status {
        let p = next(Arg::Text(status.as_str().into()), &mut args);
        clauses.push(format!("u.status = {p}"));
    }
    let terms = q.search.as_deref().map(search_terms).unwrap_or_default();
    if !terms.is_empty() {
        clauses.push(search_clause(&terms, sqlite, |arg| next(arg, &mut args)));
    }
    if let Some(tenant) = q.tenant {
        let p = next(Arg::Id(tenant), &mut args);
        clauses.push(IN_TENANT.replace("$T", &p));
    }
    if let Some(role) = &q.role {
        let p = next(Arg::Text(role.clone()), &mut args);
        clauses.push(format!("EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role = {p})"));
    }
    if let Some(scope) = q.scope {
        let p = next(Arg::Id(scope), &mut args);
        clauses.push(IN_TENANT.replace("$T", &p));
    }
    if let Some(cursor) = q.after {
        clauses.push(super::db::keyset_after("u.", cursor, |arg| next(arg, &mut args)));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, args)
}

/// A page of users and the total that matches.
// Not the query: search terms are personal data and never reach the log.
#[tracing::instrument(skip_all)]
pub async fn list(c: &mut Conn<'_>, q: &ListQuery) -> anyhow::Result<(Vec<Listed>, i64)> {
    let sqlite = matches!(c, Conn::Sqlite(_));
    // The total is the whole query's, the same on every page: counted
    // without the cursor.
    let (count_filter, count_args) = filter(&ListQuery { after: None, ..q.clone() }, sqlite);
    let count_sql = format!("SELECT COUNT(*) FROM users u {count_filter}");
    let total: i64 =
        on_conn!(c, c => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)), &count_args).fetch_one(c).await)
            .context("counting users")?;
    let (filter, mut args) = filter(q, sqlite);
    let (limit, offset) = (args.len() + 1, args.len() + 2);
    args.extend([Arg::Int(q.limit), Arg::Int(q.offset)]);
    let ids_sql =
        format!("SELECT u.id FROM users u {filter} ORDER BY {} LIMIT ${limit} OFFSET ${offset}", q.sort.order_by());
    let ids: Vec<Uuid> =
        on_conn!(c, c => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(ids_sql)), &args).fetch_all(c).await)
            .context("listing user ids")?;
    let mut rows = details(c, &ids, q.scope).await?;
    // Keep the page's order.
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok((rows, total))
}

/// The table's columns for these users. A tenant-scoped viewer (`scope`)
/// sees the latest invitation into their tenant and who made it, never
/// another tenant's.
pub async fn details(c: &mut Conn<'_>, ids: &[Uuid], scope: Option<Uuid>) -> anyhow::Result<Vec<Listed>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let s = ids.len() + 1;
    let sql = format!(
        "SELECT u.id, u.primary_login_id AS login_id, u.given_name, u.family_name, u.display_name, u.status,
            CASE WHEN i.id IS NULL
                -- Never invited (in the viewer's tenant): who created them, for project-wide viewers.
                THEN (SELECT x.primary_login_id FROM users x WHERE x.id = u.invited_by AND ${s} IS NULL)
                -- Otherwise whoever sent the latest invitation, a person or an API key.
                ELSE COALESCE((SELECT x.primary_login_id FROM users x WHERE x.id = i.invited_by),
                    (SELECT 'API key: ' || k.name FROM api_keys k WHERE k.id = i.invited_by_api_key))
            END AS invited_by_login,
            u.created_at, u.last_login_at, i.resent_count, i.status AS invitation_status,
            i.expires_at AS invitation_expires_at, i.id AS invitation_id, i.tenant_id AS invitation_tenant_id
         FROM users u
         LEFT JOIN invitations i ON i.id = (SELECT id FROM invitations WHERE user_id = u.id
             AND (${s} IS NULL OR tenant_id = ${s}) ORDER BY created_at DESC LIMIT 1)
         WHERE u.id IN ({})",
        placeholders.join(", ")
    );
    let rows = on_conn!(c, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for id in ids {
            query = query.bind(*id);
        }
        query.bind(scope).fetch_all(c).await
    })
    .context("reading user rows")?;
    Ok(rows)
}

/// An invitation "Resend all expired" would resend.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Expired {
    pub id: Uuid,
    pub login_id: String,
    pub given_name: String,
    pub family_name: String,
}

/// Users' latest invitations that are expired (by status or clock), within
/// the viewer's scope, by login ID; for "Resend all expired". Invitations
/// into a disabled tenant cannot be resent and are left out.
pub async fn with_expired_invitations(
    c: &mut Conn<'_>,
    scope: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Expired>> {
    // A tenant-scoped viewer resends invitations into their tenant only.
    let sql = "SELECT i.id, i.login_id, u.given_name, u.family_name FROM invitations i JOIN users u ON u.id = i.user_id
         WHERE u.status IN ('invited', 'invite_expired')
           AND (i.status = 'expired' OR (i.status = 'pending' AND i.expires_at <= $1))
           AND i.id = (SELECT id FROM invitations WHERE user_id = u.id ORDER BY created_at DESC LIMIT 1)
           AND NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = i.tenant_id AND t.disabled)
           AND ($2 IS NULL OR i.tenant_id = $2)
         ORDER BY i.login_id";
    on_conn!(c, c => sqlx::query_as(sql).bind(now).bind(scope).fetch_all(c).await)
        .context("finding expired invitations")
}
