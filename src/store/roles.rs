//! The roles catalog. The three console roles are built in.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Role {
    pub name: String,
    pub description: String,
    pub console: bool,
    /// `project` or `tenant`.
    pub scope: String,
}

pub async fn list(c: &mut Conn<'_>) -> anyhow::Result<Vec<Role>> {
    let sql = "SELECT name, description, console, scope FROM roles ORDER BY console DESC, scope, name";
    on_conn!(c, c => sqlx::query_as(sql).fetch_all(c).await).context("listing roles")
}

pub async fn exists(c: &mut Conn<'_>, name: &str) -> anyhow::Result<bool> {
    let sql = "SELECT COUNT(*) FROM roles WHERE name = $1";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(sql).bind(name).fetch_one(c).await).context("checking role")?;
    Ok(n > 0)
}

/// A taken name is a unique-key violation.
pub async fn insert(
    c: &mut Conn<'_>,
    name: &str,
    description: &str,
    scope: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "INSERT INTO roles (name, description, console, scope, created_at) VALUES ($1, $2, FALSE, $3, $4)";
    on_conn!(c, c => sqlx::query(sql).bind(name).bind(description).bind(scope).bind(now).execute(c).await.map(|r| r.rows_affected())).context("inserting role")?;
    Ok(())
}

pub async fn find(c: &mut Conn<'_>, name: &str) -> anyhow::Result<Option<Role>> {
    let sql = "SELECT name, description, console, scope FROM roles WHERE name = $1";
    on_conn!(c, c => sqlx::query_as(sql).bind(name).fetch_optional(c).await).context("finding role")
}

/// Delete a catalog role (never a built-in console role); holders lose it.
pub async fn delete(c: &mut Conn<'_>, name: &str) -> anyhow::Result<bool> {
    let sql = "DELETE FROM roles WHERE name = $1 AND console = FALSE";
    let n = on_conn!(c, c => sqlx::query(sql).bind(name).execute(c).await.map(|r| r.rows_affected()))
        .context("deleting role")?;
    Ok(n == 1)
}

pub async fn update_description(c: &mut Conn<'_>, name: &str, description: &str) -> anyhow::Result<bool> {
    let sql = "UPDATE roles SET description = $1 WHERE name = $2";
    let n = on_conn!(c, c => sqlx::query(sql).bind(description).bind(name).execute(c).await.map(|r| r.rows_affected()))
        .context("updating role")?;
    Ok(n == 1)
}
