//! API keys: only the SHA-256 of a key is stored, with a short prefix to
//! recognise it by in lists.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub role: String,
    pub tenant_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

const COLUMNS: &str = "id, name, prefix, role, tenant_id, created_by, created_at, last_used_at, expires_at, revoked_at";

pub struct NewKey<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a str,
    pub role: &'a str,
    pub tenant_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
}

pub async fn insert(c: &mut Conn<'_>, k: &NewKey<'_>, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql = "INSERT INTO api_keys (id, name, prefix, key_hash, role, tenant_id, created_by, created_at, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_conn!(c, c => sqlx::query(sql)
        .bind(id).bind(k.name).bind(k.prefix).bind(k.key_hash).bind(k.role).bind(k.tenant_id).bind(k.created_by).bind(now).bind(k.expires_at)
        .execute(c).await.map(|r| r.rows_affected()))
    .context("inserting API key")?;
    Ok(id)
}

pub async fn find_by_hash(c: &mut Conn<'_>, key_hash: &str) -> anyhow::Result<Option<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE key_hash = $1");
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key_hash).fetch_optional(c).await)
        .context("finding API key")
}

pub async fn list(c: &mut Conn<'_>) -> anyhow::Result<Vec<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC");
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await).context("listing API keys")
}

pub async fn revoke(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let sql = "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";
    let n = on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("revoking API key")?;
    Ok(n == 1)
}

/// Record use, at most once a minute per key (no write per request).
pub async fn touch(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)";
    on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).bind(now - chrono::Duration::minutes(1)).execute(c).await.map(|r| r.rows_affected()))
        .context("recording API key use")?;
    Ok(())
}
