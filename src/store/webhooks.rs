//! Webhook endpoints, their deliveries and the log of every attempt. A
//! delivery is an event for one endpoint (`webhook_deliveries`: what to
//! send, signed with which id) plus its row in the outbox, which carries it
//! like any message: lease, retries, status (see `store::outbox`).

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Conn, outbox};
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub secret: String,
    /// Comma-separated event types, or `*` for all.
    pub events: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    pub fn wants(&self, event_type: &str) -> bool {
        self.events == "*" || self.events.split(',').any(|e| e.trim() == event_type)
    }
}

/// A delivery: its event, joined with its outbox row's state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The `webhook-id` header; a redelivery keeps it.
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Attempt {
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
}

const ENDPOINT_COLUMNS: &str = "id, url, secret, events, enabled, created_at";
const DELIVERY_COLUMNS: &str = "d.id, d.endpoint_id, d.message_id, d.event_type, d.payload, o.status, o.attempts,
    o.next_attempt_at, o.last_error, o.created_at, o.delivered_at";
const DELIVERIES: &str = "webhook_deliveries d JOIN outbox o ON o.webhook_delivery_id = d.id";

pub async fn insert_endpoint(
    c: &mut Conn<'_>,
    url: &str,
    secret: &str,
    events: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql = "INSERT INTO webhook_endpoints (id, url, secret, events, enabled, created_at) VALUES ($1, $2, $3, $4, TRUE, $5)";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(url).bind(secret).bind(events).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .context("inserting webhook endpoint")?;
    Ok(id)
}

pub async fn list_endpoints(c: &mut Conn<'_>) -> anyhow::Result<Vec<Endpoint>> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY created_at");
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await).context("listing webhook endpoints")
}

pub async fn find_endpoint(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<Endpoint>> {
    let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1");
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)
        .context("finding webhook endpoint")
}

pub async fn set_enabled(c: &mut Conn<'_>, id: Uuid, enabled: bool) -> anyhow::Result<bool> {
    let sql = "UPDATE webhook_endpoints SET enabled = $1 WHERE id = $2";
    let n = on_conn!(c, c => sqlx::query(sql).bind(enabled).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn delete_endpoint(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<bool> {
    let n = on_conn!(c, c => sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Queue an event for every enabled endpoint that wants it (or only
/// `only`), in the caller's transaction.
pub async fn enqueue(
    c: &mut Conn<'_>,
    event_type: &str,
    payload: &str,
    only: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    enqueue_many(c, &[(event_type, payload.to_string())], only, now).await
}

/// Queue many events (one endpoint query, two inserts per 500 deliveries).
pub async fn enqueue_many(
    c: &mut Conn<'_>,
    events: &[(&str, String)],
    only: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    let endpoints = list_endpoints(c).await?;
    let mut rows = Vec::new();
    for (event_type, payload) in events {
        for e in &endpoints {
            let wanted = match only {
                Some(id) => e.id == id,
                None => e.enabled && e.wants(event_type),
            };
            if wanted {
                rows.push((Uuid::new_v4(), e.id, *event_type, payload));
            }
        }
    }
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, payload) VALUES {}",
            super::values_placeholders(c, chunk.len(), 5)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for (id, endpoint, event_type, payload) in chunk {
                q = q.bind(*id).bind(*endpoint).bind(format!("msg_{}", id.simple())).bind(*event_type).bind(*payload);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("queueing webhook deliveries")?;
        let ids: Vec<Uuid> = chunk.iter().map(|r| r.0).collect();
        outbox::enqueue_webhooks(c, &ids, now).await?;
    }
    Ok(rows.len())
}

/// The delivery `id` (a `webhook_deliveries` id), with its outbox state.
pub async fn find_delivery(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<Delivery>> {
    let sql = format!("SELECT {DELIVERY_COLUMNS} FROM {DELIVERIES} WHERE d.id = $1");
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)
        .context("finding a webhook delivery")
}

/// What one attempt to deliver got back.
pub struct AttemptResult<'a> {
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
}

/// Log an attempt on delivery `id`. Every attempt that was made is logged,
/// even one whose outcome came too late to count (the outbox records only
/// the lease holder's).
pub async fn log_attempt(c: &mut Conn<'_>, id: Uuid, r: &AttemptResult<'_>, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "INSERT INTO webhook_attempts (id, delivery_id, at, status_code, duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(c, c => sqlx::query(sql).bind(Uuid::new_v4()).bind(id).bind(now).bind(r.status_code).bind(r.duration_ms).bind(r.error)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("logging webhook attempt")?;
    Ok(())
}

/// Queue delivery `id` of `endpoint` again as a new delivery (same event,
/// payload and webhook-id, so receivers can deduplicate). The original
/// keeps its queued time and its log; the new one gets its own retry
/// window. None when `endpoint` has no such delivery.
pub async fn redeliver(c: &mut Conn<'_>, endpoint: Uuid, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<Option<Uuid>> {
    let new_id = Uuid::new_v4();
    let sql = "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, payload)
               SELECT $1, endpoint_id, message_id, event_type, payload FROM webhook_deliveries
               WHERE id = $2 AND endpoint_id = $3";
    let n = on_conn!(c, c => sqlx::query(sql).bind(new_id).bind(id).bind(endpoint).execute(c).await.map(|r| r.rows_affected()))
        .context("queueing a redelivery")?;
    if n != 1 {
        return Ok(None);
    }
    outbox::enqueue_webhooks(c, &[new_id], now).await?;
    Ok(Some(new_id))
}

/// `endpoint`'s deliveries, newest first.
pub async fn deliveries_of(c: &mut Conn<'_>, endpoint: Uuid, limit: i64) -> anyhow::Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM {DELIVERIES} WHERE d.endpoint_id = $1 ORDER BY o.created_at DESC LIMIT $2"
    );
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(endpoint).bind(limit).fetch_all(c).await)
        .context("listing deliveries")
}

pub async fn attempts_of(c: &mut Conn<'_>, endpoint: Uuid, limit: i64) -> anyhow::Result<Vec<Attempt>> {
    let sql = "SELECT a.delivery_id, a.at, a.status_code, a.duration_ms, a.error FROM webhook_attempts a
               JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1 ORDER BY a.at DESC LIMIT $2";
    on_conn!(c, c => sqlx::query_as(sql).bind(endpoint).bind(limit).fetch_all(c).await).context("listing attempts")
}
