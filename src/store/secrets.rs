//! Instance-wide values kept in the database: the cookie key, the hash of
//! the first-run setup token.

use anyhow::Context;

use super::Conn;
use crate::on_conn;

pub const COOKIE_KEY: &str = "cookie_key";
/// Prefix of the first-run setup tokens' names: each instance started
/// before the first admin exists adds its own (`setup_token_hash:<hash>`),
/// so every printed link works until one of them is used.
pub const SETUP_TOKEN_PREFIX: &str = "setup_token_hash:";

pub async fn get(c: &mut Conn<'_>, name: &str) -> anyhow::Result<Option<String>> {
    let sql = "SELECT value FROM instance_secrets WHERE name = $1";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(name).fetch_optional(c).await)
        .with_context(|| format!("reading instance secret {name}"))
}

pub async fn set(c: &mut Conn<'_>, name: &str, value: &str) -> anyhow::Result<()> {
    let sql = "INSERT INTO instance_secrets (name, value) VALUES ($1, $2)
               ON CONFLICT (name) DO UPDATE SET value = excluded.value";
    on_conn!(c, c => sqlx::query(sql).bind(name).bind(value).execute(c).await.map(|r| r.rows_affected()))
        .with_context(|| format!("writing instance secret {name}"))?;
    Ok(())
}

/// Store `value` under `name` unless a value is already there; then return
/// whatever is stored. Instances starting together agree on one value.
pub async fn get_or_insert(c: &mut Conn<'_>, name: &str, value: &str) -> anyhow::Result<String> {
    let sql = "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
    on_conn!(c, c => sqlx::query(sql).bind(name).bind(value).execute(c).await.map(|r| r.rows_affected()))
        .with_context(|| format!("writing instance secret {name}"))?;
    get(c, name).await?.with_context(|| format!("instance secret {name} vanished"))
}

/// Remove every secret whose name starts with `prefix`.
pub async fn delete_prefixed(c: &mut Conn<'_>, prefix: &str) -> anyhow::Result<u64> {
    let sql = "DELETE FROM instance_secrets WHERE substr(name, 1, length($1)) = $1";
    let done = on_conn!(c, c => sqlx::query(sql).bind(prefix).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done)
}

pub async fn delete(c: &mut Conn<'_>, name: &str) -> anyhow::Result<bool> {
    let sql = "DELETE FROM instance_secrets WHERE name = $1";
    let done = on_conn!(c, c => sqlx::query(sql).bind(name).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}
