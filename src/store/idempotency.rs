//! Idempotency keys for API POSTs: the first response is kept, and a retry
//! with the same key gets it back instead of doing the work again.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Stored {
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub async fn find(c: &mut Conn<'_>, api_key: Uuid, key: &str) -> anyhow::Result<Option<Stored>> {
    let sql = "SELECT request_hash, status, body, created_at FROM idempotency_keys WHERE api_key_id = $1 AND key = $2";
    on_conn!(c, c => sqlx::query_as(sql).bind(api_key).bind(key).fetch_optional(c).await)
        .context("reading idempotency key")
}

/// Reserve a key before doing the work (status 0 = in progress); false
/// when it was already there, so two concurrent retries cannot both run.
pub async fn reserve(
    c: &mut Conn<'_>,
    api_key: Uuid,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let sql = "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, 0, '', $4)
               ON CONFLICT (api_key_id, key) DO NOTHING";
    let n = on_conn!(c, c => sqlx::query(sql).bind(api_key).bind(key).bind(request_hash).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("reserving idempotency key")?;
    Ok(n == 1)
}

/// Keep the response for replays.
pub async fn finish(c: &mut Conn<'_>, api_key: Uuid, key: &str, status: i32, body: &str) -> anyhow::Result<()> {
    let sql = "UPDATE idempotency_keys SET status = $1, body = $2 WHERE api_key_id = $3 AND key = $4";
    on_conn!(c, c => sqlx::query(sql).bind(status).bind(body).bind(api_key).bind(key).execute(c).await.map(|r| r.rows_affected()))
        .context("storing idempotent response")?;
    Ok(())
}

/// Forget a reservation whose work failed unexpectedly, so it can be retried.
pub async fn release(c: &mut Conn<'_>, api_key: Uuid, key: &str) -> anyhow::Result<()> {
    let sql = "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND status = 0";
    on_conn!(c, c => sqlx::query(sql).bind(api_key).bind(key).execute(c).await.map(|r| r.rows_affected()))
        .context("releasing idempotency key")?;
    Ok(())
}

pub async fn purge_before(c: &mut Conn<'_>, cutoff: DateTime<Utc>) -> anyhow::Result<u64> {
    let sql = "DELETE FROM idempotency_keys WHERE created_at < $1";
    on_conn!(c, c => sqlx::query(sql).bind(cutoff).execute(c).await.map(|r| r.rows_affected()))
        .context("purging idempotency keys")
}
