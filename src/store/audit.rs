//! The audit log: who did what to whom, when, from where.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Arg, Conn};
use crate::{bind_all, on_conn};

/// Who acted and from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// A login ID, "system", "setup link" or "invitee".
    pub label: String,
    /// The API key acting, for calls through the API.
    pub api_key_id: Option<Uuid>,
    pub ip: String,
    pub user_agent: String,
}

impl Actor {
    pub fn system() -> Self {
        Self { label: "system".into(), ..Self::default() }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub tenant_id: Option<Uuid>,
    pub ip: String,
    pub user_agent: String,
    pub details: sqlx::types::Json<serde_json::Value>,
}

/// One thing that happened, for [`record_many`].
pub struct Event {
    pub action: &'static str,
    pub target: String,
    pub tenant_id: Option<Uuid>,
    pub details: serde_json::Value,
}

/// Record an entry made at `at`.
pub async fn record(
    c: &mut Conn<'_>,
    actor: &Actor,
    action: &str,
    target: &str,
    tenant_id: Option<Uuid>,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    record_in_tenants(c, actor, action, target, tenant_id.as_slice(), details, at).await
}

/// Record an entry that concerns every one of `tenants` (a person who
/// belongs to several): each tenant's scoped viewers see it. Webhooks get
/// one event, naming the first tenant.
pub async fn record_in_tenants(
    c: &mut Conn<'_>,
    actor: &Actor,
    action: &str,
    target: &str,
    tenants: &[Uuid],
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let id = Uuid::new_v4();
    let tenant_id = tenants.first().copied();
    let sql = "INSERT INTO audit_log (id, at, actor_id, actor, action, target, tenant_id, ip, user_agent, details)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_conn!(c, c => sqlx::query(sql)
        .bind(id)
        .bind(at)
        .bind(actor.user_id)
        .bind(&actor.label)
        .bind(action)
        .bind(target)
        .bind(tenant_id)
        .bind(&actor.ip)
        .bind(&actor.user_agent)
        .bind(sqlx::types::Json(&details))
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("writing audit entry")?;
    if tenants.len() > 1 {
        for t in tenants {
            let sql = "INSERT INTO audit_log_tenants (audit_id, tenant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
            on_conn!(c, c => sqlx::query(sql).bind(id).bind(*t).execute(c).await.map(|r| r.rows_affected()))
                .context("writing audit entry tenants")?;
        }
    }
    queue_webhook(c, action, target, tenant_id, &details, at).await
}

/// An audit record that names a webhook event is also queued for delivery
/// to the endpoints that want it — same transaction, so a change and its
/// event are written together or not at all.
async fn queue_webhook(
    c: &mut Conn<'_>,
    action: &str,
    target: &str,
    tenant_id: Option<Uuid>,
    details: &serde_json::Value,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if crate::service::webhooks::EVENTS.contains(&action) {
        let body = crate::service::webhooks::payload(action, target, tenant_id, details, at);
        super::webhooks::enqueue(c, action, &body, None, at).await?;
    }
    Ok(())
}

/// Record many events by one actor at `at`, one statement per 1,000.
pub async fn record_many(c: &mut Conn<'_>, actor: &Actor, events: &[Event], at: DateTime<Utc>) -> anyhow::Result<()> {
    for chunk in events.chunks(1000) {
        let sql = format!(
            "INSERT INTO audit_log (id, at, actor_id, actor, action, target, tenant_id, ip, user_agent, details) VALUES {}",
            super::values_placeholders(c, chunk.len(), 10)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for e in chunk {
                q = q.bind(Uuid::new_v4()).bind(at).bind(actor.user_id).bind(&actor.label).bind(e.action).bind(&e.target)
                    .bind(e.tenant_id).bind(&actor.ip).bind(&actor.user_agent).bind(sqlx::types::Json(&e.details));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("writing audit entries")?;
    }
    let hooks: Vec<(&str, String)> = events
        .iter()
        .filter(|e| crate::service::webhooks::EVENTS.contains(&e.action))
        .map(|e| (e.action, crate::service::webhooks::payload(e.action, &e.target, e.tenant_id, &e.details, at)))
        .collect();
    super::webhooks::enqueue_many(c, &hooks, None, at).await?;
    Ok(())
}

/// What the audit page filters on; every field optional.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub tenant: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

fn where_clause(f: &Filter) -> (String, Vec<Arg>) {
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    let mut add = |clause: &str, arg: Arg| {
        args.push(arg);
        clauses.push(clause.replace('?', &format!("${}", args.len())));
    };
    if let Some(a) = &f.actor {
        add("LOWER(actor) LIKE ? ESCAPE '\\'", Arg::Text(super::user_list::like_pattern(a)));
    }
    if let Some(a) = &f.action {
        add("action = ?", Arg::Text(a.clone()));
    }
    if let Some(t) = &f.target {
        add("LOWER(target) LIKE ? ESCAPE '\\'", Arg::Text(super::user_list::like_pattern(t)));
    }
    if let Some(t) = f.tenant {
        add(
            "(tenant_id = ? OR EXISTS (SELECT 1 FROM audit_log_tenants x WHERE x.audit_id = audit_log.id AND x.tenant_id = ?))",
            Arg::Id(t),
        );
    }
    if let Some(t) = f.from {
        add("at >= ?", Arg::Time(t));
    }
    if let Some(t) = f.to {
        add("at < ?", Arg::Time(t));
    }
    let sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    (sql, args)
}

/// Newest entries first, with the total that matches.
pub async fn list(c: &mut Conn<'_>, f: &Filter, offset: i64, limit: i64) -> anyhow::Result<(Vec<Entry>, i64)> {
    let (filter, mut args) = where_clause(f);
    let count_sql = format!("SELECT COUNT(*) FROM audit_log {filter}");
    let total: i64 =
        on_conn!(c, c => bind_all!(sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql)), &args).fetch_one(c).await)
            .context("counting audit entries")?;
    let (l, o) = (args.len() + 1, args.len() + 2);
    args.extend([Arg::Int(limit), Arg::Int(offset)]);
    let sql = format!(
        "SELECT at, actor, action, target, tenant_id, ip, user_agent, details FROM audit_log {filter} ORDER BY at DESC LIMIT ${l} OFFSET ${o}"
    );
    let mut rows: Vec<Entry> =
        on_conn!(c, c => bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(c).await)
            .context("reading audit log")?;
    // Listed for one tenant, an entry about several shows that tenant
    // (not the first one, which may be another tenant's).
    if let Some(t) = f.tenant {
        rows.iter_mut().for_each(|e| e.tenant_id = Some(t));
    }
    Ok((rows, total))
}

/// Delete entries older than `cutoff`; how many.
pub async fn purge_before(c: &mut Conn<'_>, cutoff: DateTime<Utc>) -> anyhow::Result<u64> {
    let sql = "DELETE FROM audit_log WHERE at < $1";
    on_conn!(c, c => sqlx::query(sql).bind(cutoff).execute(c).await.map(|r| r.rows_affected()))
        .context("purging audit log")
}
