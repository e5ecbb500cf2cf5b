//! Console sessions, kept in the database so that "log out everywhere"
//! works and several instances share them. Only a hash of the session key
//! is stored.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

pub async fn load(c: &mut Conn<'_>, key_hash: &str, now: DateTime<Utc>) -> anyhow::Result<Option<String>> {
    let sql = "SELECT state FROM sessions WHERE key_hash = $1 AND expires_at > $2";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(key_hash).bind(now).fetch_optional(c).await)
        .context("loading session")
}

pub async fn upsert(
    c: &mut Conn<'_>,
    key_hash: &str,
    user_id: Option<Uuid>,
    state: &str,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let sql = "INSERT INTO sessions (key_hash, user_id, state, expires_at) VALUES ($1, $2, $3, $4)
               ON CONFLICT (key_hash) DO UPDATE SET user_id = excluded.user_id, state = excluded.state, expires_at = excluded.expires_at";
    on_conn!(c, c => sqlx::query(sql).bind(key_hash).bind(user_id).bind(state).bind(expires_at).execute(c).await.map(|r| r.rows_affected()))
        .context("saving session")?;
    Ok(())
}

pub async fn touch(c: &mut Conn<'_>, key_hash: &str, expires_at: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "UPDATE sessions SET expires_at = $1 WHERE key_hash = $2";
    on_conn!(c, c => sqlx::query(sql).bind(expires_at).bind(key_hash).execute(c).await.map(|r| r.rows_affected()))
        .context("extending session")?;
    Ok(())
}

pub async fn delete(c: &mut Conn<'_>, key_hash: &str) -> anyhow::Result<()> {
    let sql = "DELETE FROM sessions WHERE key_hash = $1";
    on_conn!(c, c => sqlx::query(sql).bind(key_hash).execute(c).await.map(|r| r.rows_affected()))
        .context("deleting session")?;
    Ok(())
}

/// Log a user out everywhere.
pub async fn delete_for_user(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<u64> {
    let sql = "DELETE FROM sessions WHERE user_id = $1";
    on_conn!(c, c => sqlx::query(sql).bind(user_id).execute(c).await.map(|r| r.rows_affected()))
        .context("deleting user sessions")
}

pub async fn purge_expired(c: &mut Conn<'_>, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let sql = "DELETE FROM sessions WHERE expires_at <= $1";
    on_conn!(c, c => sqlx::query(sql).bind(now).execute(c).await.map(|r| r.rows_affected())).context("purging sessions")
}
