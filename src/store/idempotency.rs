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
}

pub async fn find(c: &mut Conn<'_>, api_key: Uuid, key: &str) -> anyhow::Result<Option<Stored>> {
    let sql = "SELECT request_hash, status, body FROM idempotency_keys WHERE api_key_id = $1 AND key = $2";
    on_conn!(c, c => sqlx::query_as(sql).bind(api_key).bind(key).fetch_optional(c).await)
        .context("reading idempotency key")
}

/// Keep a response; a concurrent first request with the same key wins.
pub async fn store(
    c: &mut Conn<'_>,
    api_key: Uuid,
    key: &str,
    request_hash: &str,
    status: i32,
    body: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "INSERT INTO idempotency_keys (api_key_id, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (api_key_id, key) DO NOTHING";
    on_conn!(c, c => sqlx::query(sql).bind(api_key).bind(key).bind(request_hash).bind(status).bind(body).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("storing idempotency key")?;
    Ok(())
}

pub async fn purge_before(c: &mut Conn<'_>, cutoff: DateTime<Utc>) -> anyhow::Result<u64> {
    let sql = "DELETE FROM idempotency_keys WHERE created_at < $1";
    on_conn!(c, c => sqlx::query(sql).bind(cutoff).execute(c).await.map(|r| r.rows_affected()))
        .context("purging idempotency keys")
}
