//! Bulk imports: the uploaded input kept between preview and commit, and
//! the per-row result once committed.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BulkImport {
    pub id: Uuid,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// `list` or `csv`.
    pub mode: String,
    pub input: String,
    pub options: Json<serde_json::Value>,
    /// `previewed` or `committed`.
    pub status: String,
    pub result: Option<Json<serde_json::Value>>,
}

pub async fn insert(
    c: &mut Conn<'_>,
    created_by: Uuid,
    mode: &str,
    input: &str,
    options: &serde_json::Value,
    now: DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql = "INSERT INTO bulk_imports (id, created_by, created_at, mode, input, options, status) VALUES ($1, $2, $3, $4, $5, $6, 'previewed')";
    on_conn!(c, c => sqlx::query(sql)
        .bind(id)
        .bind(created_by)
        .bind(now)
        .bind(mode)
        .bind(input)
        .bind(Json(options))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .context("saving bulk import")?;
    Ok(id)
}

pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<BulkImport>> {
    let sql = "SELECT id, created_by, created_at, mode, input, options, status, result FROM bulk_imports WHERE id = $1";
    on_conn!(c, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await).context("finding bulk import")
}

/// Take a previewed import for committing; false when another request
/// already took it (a double submit commits once).
pub async fn claim(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<bool> {
    let sql = "UPDATE bulk_imports SET status = 'committing' WHERE id = $1 AND status = 'previewed'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("claiming bulk import")?;
    Ok(n == 1)
}

/// Mark a claimed import committed, with its per-row result.
pub async fn mark_committed(
    c: &mut Conn<'_>,
    id: Uuid,
    result: &serde_json::Value,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let sql = "UPDATE bulk_imports SET status = 'committed', result = $1, committed_at = $2, input = '' WHERE id = $3 AND status = 'committing'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(Json(result)).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("committing bulk import")?;
    Ok(n == 1)
}
