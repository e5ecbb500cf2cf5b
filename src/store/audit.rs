//! The audit log: who did what to whom, when, from where.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

/// Who acted and from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// A login ID, "system", "setup link" or "invitee".
    pub label: String,
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
    pub ip: String,
}

/// One thing that happened, for [`record_many`].
pub struct Event {
    pub action: &'static str,
    pub target: String,
    pub tenant_id: Option<Uuid>,
    pub details: serde_json::Value,
}

pub async fn record(
    c: &mut Conn<'_>,
    actor: &Actor,
    action: &str,
    target: &str,
    tenant_id: Option<Uuid>,
    details: serde_json::Value,
) -> anyhow::Result<()> {
    let sql = "INSERT INTO audit_log (id, at, actor_id, actor, action, target, tenant_id, ip, user_agent, details)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    on_conn!(c, c => sqlx::query(sql)
        .bind(Uuid::new_v4())
        .bind(Utc::now())
        .bind(actor.user_id)
        .bind(&actor.label)
        .bind(action)
        .bind(target)
        .bind(tenant_id)
        .bind(&actor.ip)
        .bind(&actor.user_agent)
        .bind(sqlx::types::Json(details))
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("writing audit entry")?;
    Ok(())
}

/// Record many events by one actor, one statement per 1,000.
pub async fn record_many(c: &mut Conn<'_>, actor: &Actor, events: &[Event]) -> anyhow::Result<()> {
    let at = Utc::now();
    for chunk in events.chunks(1000) {
        let sql = format!(
            "INSERT INTO audit_log (id, at, actor_id, actor, action, target, tenant_id, ip, user_agent, details) VALUES {}",
            super::values_placeholders(c, chunk.len(), 10)
        );
        on_conn!(c, c => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for e in chunk {
                q = q.bind(Uuid::new_v4()).bind(at).bind(actor.user_id).bind(&actor.label).bind(e.action).bind(&e.target)
                    .bind(e.tenant_id).bind(&actor.ip).bind(&actor.user_agent).bind(sqlx::types::Json(&e.details));
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("writing audit entries")?;
    }
    Ok(())
}

/// Newest entries first, optionally only one action.
pub async fn recent(c: &mut Conn<'_>, action: Option<&str>, limit: i64) -> anyhow::Result<Vec<Entry>> {
    let sql = "SELECT at, actor, action, target, ip FROM audit_log
               WHERE ($1 IS NULL OR action = $1) ORDER BY at DESC LIMIT $2";
    on_conn!(c, c => sqlx::query_as(sql).bind(action).bind(limit).fetch_all(c).await).context("reading audit log")
}
