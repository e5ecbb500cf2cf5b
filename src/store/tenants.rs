//! The tenants catalog.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tenant {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub disabled: bool,
}

pub async fn list(c: &mut Conn<'_>) -> anyhow::Result<Vec<Tenant>> {
    let sql = "SELECT id, name, slug, disabled FROM tenants ORDER BY name";
    on_conn!(c, c => sqlx::query_as(sql).fetch_all(c).await).context("listing tenants")
}

pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<Tenant>> {
    let sql = "SELECT id, name, slug, disabled FROM tenants WHERE id = $1";
    on_conn!(c, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await).context("finding tenant")
}

/// A taken slug is a unique-key violation.
pub async fn insert(
    c: &mut Conn<'_>,
    name: &str,
    slug: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql =
        "INSERT INTO tenants (id, name, slug, disabled, created_at) VALUES ($1, $2, $3, FALSE, $4)";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(name).bind(slug).bind(now).execute(c).await.map(|r| r.rows_affected())).context("inserting tenant")?;
    Ok(id)
}
