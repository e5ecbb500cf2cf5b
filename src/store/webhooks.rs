//! Webhook endpoints, the delivery queue (claimed with a lease like the
//! outbox) and the log of every attempt.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Conn;
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

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
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
const DELIVERY_COLUMNS: &str =
    "id, endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created_at, delivered_at";

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

/// Queue many events (one endpoint query, one insert per 500 deliveries).
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
                rows.push((e.id, *event_type, payload));
            }
        }
    }
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created_at)
             VALUES {}",
            super::values_placeholders(c, chunk.len(), 9)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for (endpoint, event_type, payload) in chunk {
                let id = Uuid::new_v4();
                q = q.bind(id).bind(*endpoint).bind(format!("msg_{}", id.simple())).bind(*event_type).bind(*payload)
                    .bind("pending").bind(0i64).bind(now).bind(now);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("queueing webhook deliveries")?;
    }
    Ok(rows.len())
}

/// Claim due deliveries with a lease (see `outbox::claim`).
pub async fn claim(
    c: &mut Conn<'_>,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> anyhow::Result<Vec<Delivery>> {
    let pick = "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $3
                AND (locked_until IS NULL OR locked_until < $3) ORDER BY next_attempt_at LIMIT $4";
    let lock = if matches!(c, Conn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql = format!(
        "UPDATE webhook_deliveries SET locked_by = $1, locked_until = $2 WHERE id IN ({pick}{lock}) RETURNING {DELIVERY_COLUMNS}"
    );
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(worker).bind(now + lease).bind(now).bind(limit).fetch_all(c).await)
        .context("claiming webhook deliveries")
}

/// About to deliver: hold the delivery for `lease` if `worker` still holds
/// its claim. False when another worker took it meanwhile.
pub async fn start(
    c: &mut Conn<'_>,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> anyhow::Result<bool> {
    let sql = "UPDATE webhook_deliveries SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'pending'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(now + lease).bind(id).bind(worker).execute(c).await.map(|r| r.rows_affected()))
        .context("starting a webhook delivery")?;
    Ok(n == 1)
}

pub struct AttemptResult<'a> {
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
}

/// Log an attempt and move the delivery on: delivered, retry at `retry_at`,
/// or failed when `retry_at` is None.
/// Only the worker holding the lease records; a late worker whose lease ran
/// out (and whose row another worker took) changes nothing.
pub async fn record_attempt(
    c: &mut Conn<'_>,
    d: &Delivery,
    worker: &str,
    r: &AttemptResult<'_>,
    ok: bool,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "INSERT INTO webhook_attempts (id, delivery_id, at, status_code, duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6)";
    on_conn!(c, c => sqlx::query(sql).bind(Uuid::new_v4()).bind(d.id).bind(now).bind(r.status_code).bind(r.duration_ms).bind(r.error)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("logging webhook attempt")?;
    let (status, next) = match (ok, retry_at) {
        (true, _) => ("delivered", now),
        (false, Some(at)) => ("pending", at),
        (false, None) => ("failed", now),
    };
    let sql = "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2, locked_by = NULL, locked_until = NULL,
                   delivered_at = CASE WHEN $1 = 'delivered' THEN $3 ELSE delivered_at END WHERE id = $4 AND locked_by = $5";
    on_conn!(c, c => sqlx::query(sql).bind(status).bind(next).bind(now).bind(d.id).bind(worker).execute(c).await.map(|r| r.rows_affected()))
        .context("updating webhook delivery")?;
    Ok(())
}

/// Queue delivery `id` of `endpoint` again as a new delivery (same event,
/// payload and webhook-id, so receivers can deduplicate). The original
/// keeps its queued time and its log; the new one gets its own retry
/// window. None when `endpoint` has no such delivery.
pub async fn redeliver(c: &mut Conn<'_>, endpoint: Uuid, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<Option<Uuid>> {
    let new_id = Uuid::new_v4();
    let sql = "INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created_at)
               SELECT $1, endpoint_id, message_id, event_type, payload, 'pending', 0, $2, $2 FROM webhook_deliveries
               WHERE id = $3 AND endpoint_id = $4";
    let n = on_conn!(c, c => sqlx::query(sql).bind(new_id).bind(now).bind(id).bind(endpoint).execute(c).await.map(|r| r.rows_affected()))
        .context("queueing a redelivery")?;
    Ok((n == 1).then_some(new_id))
}

pub async fn deliveries_of(c: &mut Conn<'_>, endpoint: Uuid, limit: i64) -> anyhow::Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 ORDER BY created_at DESC LIMIT $2"
    );
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(endpoint).bind(limit).fetch_all(c).await)
        .context("listing deliveries")
}

pub async fn attempts_of(c: &mut Conn<'_>, endpoint: Uuid, limit: i64) -> anyhow::Result<Vec<Attempt>> {
    let sql = "SELECT a.delivery_id, a.at, a.status_code, a.duration_ms, a.error FROM webhook_attempts a
               JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1 ORDER BY a.at DESC LIMIT $2";
    on_conn!(c, c => sqlx::query_as(sql).bind(endpoint).bind(limit).fetch_all(c).await).context("listing attempts")
}
