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
}

pub async fn list(c: &mut Conn<'_>) -> anyhow::Result<Vec<Role>> {
    let sql = "SELECT name, description, console FROM roles ORDER BY console DESC, name";
    on_conn!(c, c => sqlx::query_as(sql).fetch_all(c).await).context("listing roles")
}

pub async fn exists(c: &mut Conn<'_>, name: &str) -> anyhow::Result<bool> {
    let sql = "SELECT COUNT(*) FROM roles WHERE name = $1";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(sql).bind(name).fetch_one(c).await)
        .context("checking role")?;
    Ok(n > 0)
}

/// A taken name is a unique-key violation.
pub async fn insert(
    c: &mut Conn<'_>,
    name: &str,
    description: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql =
        "INSERT INTO roles (name, description, console, created_at) VALUES ($1, $2, FALSE, $3)";
    on_conn!(c, c => sqlx::query(sql).bind(name).bind(description).bind(now).execute(c).await.map(|r| r.rows_affected())).context("inserting role")?;
    Ok(())
}
