//! The outbox: messages written in the same transaction as the change that
//! causes them, delivered later by a worker that claims rows with a lease.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::Conn;
use crate::on_conn;

#[derive(Clone, Debug)]
pub struct NewMessage {
    /// `email` or `sms`.
    pub channel: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub invitation_id: Option<Uuid>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Message {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub invitation_id: Option<Uuid>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, channel, recipient, subject, body_text, body_html, invitation_id, status, attempts,
    next_attempt_at, last_error, created_at, delivered_at";

/// After this many failed attempts a message stops retrying and waits for
/// someone to press Retry in the console.
pub const MAX_ATTEMPTS: i64 = 12;

pub async fn enqueue(c: &mut Conn<'_>, m: &NewMessage, now: DateTime<Utc>) -> anyhow::Result<()> {
    enqueue_many(c, std::slice::from_ref(m), now).await
}

/// Queue messages with one statement per 1,000.
#[tracing::instrument(skip_all, fields(count = messages.len()))]
pub async fn enqueue_many(c: &mut Conn<'_>, messages: &[NewMessage], now: DateTime<Utc>) -> anyhow::Result<()> {
    for chunk in messages.chunks(1000) {
        let sql = format!(
            "INSERT INTO outbox (id, channel, recipient, subject, body_text, body_html, invitation_id, status, attempts,
                 next_attempt_at, created_at) VALUES {}",
            super::values_placeholders(c, chunk.len(), 11)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for m in chunk {
                q = q.bind(Uuid::new_v4()).bind(m.channel).bind(&m.recipient).bind(&m.subject).bind(&m.body_text)
                    .bind(&m.body_html).bind(m.invitation_id).bind("pending").bind(0i64).bind(now).bind(now);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("enqueueing messages")?;
    }
    Ok(())
}

/// Claim up to `limit` due messages for `worker` until `now + lease`. Rows
/// whose lease ran out (a crashed worker) are claimable again.
#[tracing::instrument(skip(c))]
pub async fn claim(
    c: &mut Conn<'_>,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> anyhow::Result<Vec<Message>> {
    let pick = "SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $3
                AND (locked_until IS NULL OR locked_until < $3) ORDER BY next_attempt_at LIMIT $4";
    // PostgreSQL: rows another worker is claiming right now are skipped,
    // not waited for. (SQLite runs one writer at a time anyway.)
    let lock = if matches!(c, Conn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql =
        format!("UPDATE outbox SET locked_by = $1, locked_until = $2 WHERE id IN ({pick}{lock}) RETURNING {COLUMNS}");
    let rows = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(worker).bind(now + lease).bind(now).bind(limit).fetch_all(c).await);
    rows.context("claiming outbox messages")
}

/// About to deliver: hold the message for `lease` if `worker` still holds
/// its claim. False when another worker took it meanwhile.
pub async fn start(
    c: &mut Conn<'_>,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> anyhow::Result<bool> {
    let sql = "UPDATE outbox SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'pending'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(now + lease).bind(id).bind(worker).execute(c).await.map(|r| r.rows_affected()))
        .context("starting a delivery")?;
    Ok(n == 1)
}

/// Delivered: stamp it and drop the body, which may hold a live link; only
/// the row's metadata stays in the outbox. Only the lease holder records;
/// false when `worker` no longer holds the message.
pub async fn mark_delivered(c: &mut Conn<'_>, id: Uuid, worker: &str, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let sql = "UPDATE outbox SET status = 'delivered', delivered_at = $1, attempts = attempts + 1, locked_by = NULL,
                   locked_until = NULL, last_error = NULL, body_text = '', body_html = '' WHERE id = $2 AND locked_by = $3";
    let n =
        on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).bind(worker).execute(c).await.map(|r| r.rows_affected()))
            .context("marking message delivered")?;
    Ok(n == 1)
}

/// A failed attempt: retry after an exponential backoff, or stop at
/// [`MAX_ATTEMPTS`].
pub async fn mark_attempt_failed(
    c: &mut Conn<'_>,
    message: &Message,
    worker: &str,
    error: &str,
    now: DateTime<Utc>,
    retry_base: Duration,
) -> anyhow::Result<bool> {
    let attempts = message.attempts + 1;
    let status = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
    let next = now + backoff(retry_base, attempts);
    let sql = "UPDATE outbox SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4, locked_by = NULL,
                   locked_until = NULL WHERE id = $5 AND locked_by = $6";
    let n = on_conn!(c, c => sqlx::query(sql).bind(status).bind(attempts).bind(next).bind(error).bind(message.id).bind(worker).execute(c).await.map(|r| r.rows_affected()))
        .context("recording failed delivery")?;
    Ok(n == 1)
}

/// `base * 2^(attempts-1)`, capped at one hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1i64 << (attempts - 1).clamp(0, 20);
    let ms = base.num_milliseconds().saturating_mul(factor).min(3_600_000);
    Duration::milliseconds(ms)
}

/// Put a failed (or waiting) message back in line now.
pub async fn retry_now(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let sql = "UPDATE outbox SET status = 'pending', next_attempt_at = $1, attempts = 0 WHERE id = $2 AND status <> 'delivered'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("retrying message")?;
    Ok(n == 1)
}

/// How many messages are not yet delivered.
pub async fn count_undelivered(c: &mut Conn<'_>) -> anyhow::Result<i64> {
    let sql = "SELECT COUNT(*) FROM outbox WHERE status <> 'delivered'";
    on_conn!(c, c => sqlx::query_scalar(sql).fetch_one(c).await).context("counting undelivered messages")
}

/// Messages not yet delivered (waiting, retrying or failed), oldest first.
pub async fn undelivered(c: &mut Conn<'_>, limit: i64) -> anyhow::Result<Vec<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE status <> 'delivered' ORDER BY created_at LIMIT $1");
    on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(c).await)
        .context("listing undelivered messages")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped_at_an_hour() {
        let base = Duration::seconds(2);
        assert_eq!(backoff(base, 1), Duration::seconds(2));
        assert_eq!(backoff(base, 2), Duration::seconds(4));
        assert_eq!(backoff(base, 5), Duration::seconds(32));
        assert_eq!(backoff(base, 40), Duration::hours(1));
    }
}
