//! Bulk imports: the uploaded input kept between preview and commit, and
//! the per-row result and its counts once committed.

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
    /// The creator's login ID when the import was made.
    pub created_by_label: String,
    /// The creator's tenant scope (None: project-wide).
    pub tenant_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
    /// `list` or `csv`.
    pub mode: String,
    pub input: String,
    pub options: Json<serde_json::Value>,
    /// `previewed`, `committing`, `committed` or `failed` (stopped part
    /// way; the result lists the rows written before it stopped).
    pub status: String,
    pub result: Option<Json<serde_json::Value>>,
}

/// One line of the recent imports list: no input, no per-row result.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Summary {
    pub id: Uuid,
    pub created_by_label: String,
    pub created_at: DateTime<Utc>,
    pub committed_at: Option<DateTime<Utc>>,
    pub status: String,
    pub row_count: Option<i64>,
    pub invited_count: Option<i64>,
    pub resent_count: Option<i64>,
}

/// What a preview keeps for its commit.
pub struct NewImport<'a> {
    pub created_by: Uuid,
    pub created_by_label: &'a str,
    pub tenant_id: Option<Uuid>,
    pub mode: &'a str,
    pub input: &'a str,
    pub options: &'a serde_json::Value,
}

/// How many rows an import had, and how many were invited or resent.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    pub rows: i64,
    pub invited: i64,
    pub resent: i64,
}

#[tracing::instrument(skip_all)]
pub async fn insert(c: &mut Conn<'_>, new: &NewImport<'_>, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql = "INSERT INTO bulk_imports (id, created_by, created_by_label, tenant_id, created_at, mode, input, options, status)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'previewed')";
    on_conn!(c, c => sqlx::query(sql)
        .bind(id)
        .bind(new.created_by)
        .bind(new.created_by_label)
        .bind(new.tenant_id)
        .bind(now)
        .bind(new.mode)
        .bind(new.input)
        .bind(Json(new.options))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .context("saving bulk import")?;
    Ok(id)
}

#[tracing::instrument(skip(c))]
pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<BulkImport>> {
    let sql = "SELECT id, created_by, created_by_label, tenant_id, created_at, committed_at, mode, input, options, status, result
               FROM bulk_imports WHERE id = $1";
    on_conn!(c, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await).context("finding bulk import")
}

/// The latest confirmed imports, newest first; only those made in
/// `tenant`'s scope when given (a tenant-scoped viewer).
#[tracing::instrument(skip(c))]
pub async fn recent(c: &mut Conn<'_>, tenant: Option<Uuid>, limit: i64) -> anyhow::Result<Vec<Summary>> {
    let rows = match tenant {
        None => {
            let sql =
                "SELECT id, created_by_label, created_at, committed_at, status, row_count, invited_count, resent_count
                       FROM bulk_imports WHERE status <> 'previewed' ORDER BY created_at DESC LIMIT $1";
            on_conn!(c, c => sqlx::query_as(sql).bind(limit).fetch_all(c).await)
        }
        Some(t) => {
            let sql = "SELECT id, created_by_label, created_at, committed_at, status, row_count, invited_count, resent_count
                       FROM bulk_imports WHERE status <> 'previewed' AND tenant_id = $1 ORDER BY created_at DESC LIMIT $2";
            on_conn!(c, c => sqlx::query_as(sql).bind(t).bind(limit).fetch_all(c).await)
        }
    };
    rows.context("listing recent bulk imports")
}

/// Take a previewed import for committing; false when another request
/// already took it (a double submit commits once).
#[tracing::instrument(skip(c))]
pub async fn claim(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<bool> {
    let sql = "UPDATE bulk_imports SET status = 'committing' WHERE id = $1 AND status = 'previewed'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("claiming bulk import")?;
    Ok(n == 1)
}

/// Finish a claimed import as `committed` (or `failed`), with its per-row
/// result and counts; the input is dropped, the result says it all.
#[tracing::instrument(skip(c, result))]
pub async fn finish(
    c: &mut Conn<'_>,
    id: Uuid,
    failed: bool,
    result: &serde_json::Value,
    counts: Counts,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let sql = "UPDATE bulk_imports SET status = $1, result = $2, committed_at = $3, input = '',
               row_count = $4, invited_count = $5, resent_count = $6
               WHERE id = $7 AND status = 'committing'";
    let status = if failed { "failed" } else { "committed" };
    let n = on_conn!(c, c => sqlx::query(sql)
        .bind(status)
        .bind(Json(result))
        .bind(now)
        .bind(counts.rows)
        .bind(counts.invited)
        .bind(counts.resent)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .context("committing bulk import")?;
    Ok(n == 1)
}
