//! Row locks for read-then-write transactions: whatever a transaction
//! reads after taking the lock is still true when it writes. On
//! PostgreSQL the row is held with `SELECT … FOR UPDATE` until the
//! transaction ends, so a second writer waits and then reads what the
//! first wrote; on SQLite every transaction starts with `BEGIN IMMEDIATE`
//! (see [`super::Db::begin`]) and already holds the one write lock.

use anyhow::Context;
use uuid::Uuid;

use super::Conn;

/// Hold a user's row (a change to a person reads, then writes it).
pub async fn user(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<()> {
    row(c, "SELECT id FROM users WHERE id = $1 FOR UPDATE", id).await.context("locking user")
}

/// Hold a tenant's row (a partial update reads, then writes it).
pub async fn tenant(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<()> {
    row(c, "SELECT id FROM tenants WHERE id = $1 FOR UPDATE", id).await.context("locking tenant")
}

async fn row(c: &mut Conn<'_>, sql: &'static str, id: Uuid) -> Result<(), sqlx::Error> {
    if let Conn::Postgres(c) = c {
        sqlx::query(sql).bind(id).fetch_optional(&mut **c).await?;
    }
    Ok(())
}
