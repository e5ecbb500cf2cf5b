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
    /// A webhook delivery's event and endpoint; None for messages.
    pub webhook_delivery_id: Option<Uuid>,
}

const COLUMNS: &str = "id, channel, recipient, subject, body_text, body_html, invitation_id, status, attempts,
    next_attempt_at, last_error, created_at, delivered_at, webhook_delivery_id";

/// The channel of webhook deliveries.
pub const WEBHOOK: &str = "webhook";

/// A worker's share of the outbox. Each lane has its own worker, so a slow
/// webhook receiver never holds up mail, and mail never holds up webhooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// Email and text messages.
    Messages,
    /// Webhook deliveries.
    Webhooks,
}

impl Lane {
    fn filter(self) -> &'static str {
        match self {
            Self::Messages => "channel <> 'webhook'",
            Self::Webhooks => "channel = 'webhook'",
        }
    }
}

/// After this many failed attempts a message stops retrying and waits for
/// someone to press Retry in the console.
pub const MAX_ATTEMPTS: i64 = 12;

/// When a lane stops retrying a delivery and marks it failed.
#[derive(Clone, Copy, Debug)]
pub struct GiveUp {
    /// After this many failed attempts.
    pub after_attempts: Option<i64>,
    /// Once the next attempt would come this long after the row was queued.
    pub after_age: Option<Duration>,
}

impl GiveUp {
    /// When to try `m` again now that an attempt failed: after an
    /// exponential [`backoff`], or None to give up.
    pub fn next_attempt(&self, m: &Message, now: DateTime<Utc>, retry_base: Duration) -> Option<DateTime<Utc>> {
        let attempts = m.attempts + 1;
        let next = now + backoff(retry_base, attempts);
        let too_many = self.after_attempts.is_some_and(|max| attempts >= max);
        let too_late = self.after_age.is_some_and(|age| next - m.created_at >= age);
        (!too_many && !too_late).then_some(next)
    }
}

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

/// Queue one webhook delivery for each of `deliveries` (rows of
/// `webhook_deliveries`, which hold what to send and where). The message
/// columns stay empty: a webhook's body is its event's payload.
pub async fn enqueue_webhooks(c: &mut Conn<'_>, deliveries: &[Uuid], now: DateTime<Utc>) -> anyhow::Result<()> {
    for chunk in deliveries.chunks(1000) {
        let sql = format!(
            "INSERT INTO outbox (id, channel, recipient, subject, body_text, body_html, status, attempts,
                 next_attempt_at, created_at, webhook_delivery_id) VALUES {}",
            super::values_placeholders(c, chunk.len(), 11)
        );
        on_conn!(c, c => {
            let mut q = super::batch_statement(&sql);
            for delivery in chunk {
                q = q.bind(Uuid::new_v4()).bind(WEBHOOK).bind("").bind("").bind("").bind("").bind("pending").bind(0i64)
                    .bind(now).bind(now).bind(*delivery);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .context("queueing webhook deliveries")?;
    }
    Ok(())
}

/// Claim up to `limit` of `lane`'s due rows for `worker` until
/// `now + lease`. Rows whose lease ran out (a crashed worker) are
/// claimable again.
#[tracing::instrument(skip(c))]
pub async fn claim(
    c: &mut Conn<'_>,
    lane: Lane,
    worker: &str,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> anyhow::Result<Vec<Message>> {
    let pick = format!(
        "SELECT id FROM outbox WHERE status = 'pending' AND {} AND next_attempt_at <= $3
         AND (locked_until IS NULL OR locked_until < $3) ORDER BY next_attempt_at LIMIT $4",
        lane.filter()
    );
    // PostgreSQL: rows another worker is claiming right now are skipped,
    // not waited for. (SQLite runs one writer at a time anyway.)
    let lock = if matches!(c, Conn::Postgres(_)) { " FOR UPDATE SKIP LOCKED" } else { "" };
    let sql =
        format!("UPDATE outbox SET locked_by = $1, locked_until = $2 WHERE id IN ({pick}{lock}) RETURNING {COLUMNS}");
    let rows = on_conn!(c, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(worker).bind(now + lease).bind(now).bind(limit).fetch_all(c).await);
    rows.context("claiming outbox rows")
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

/// A failed attempt: try again at `retry_at` (see [`GiveUp::next_attempt`]),
/// or, when None, give up and mark it failed. Only the lease holder
/// records; false when `worker` no longer holds the row.
pub async fn mark_attempt_failed(
    c: &mut Conn<'_>,
    id: Uuid,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let status = if retry_at.is_some() { "pending" } else { "failed" };
    let sql = "UPDATE outbox SET status = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3,
                   locked_by = NULL, locked_until = NULL WHERE id = $4 AND locked_by = $5";
    let next = retry_at.unwrap_or(now);
    let n = on_conn!(c, c => sqlx::query(sql).bind(status).bind(next).bind(error).bind(id).bind(worker).execute(c).await.map(|r| r.rows_affected()))
        .context("recording failed delivery")?;
    Ok(n == 1)
}

/// `base * 2^(attempts-1)`, capped at one hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1i64 << (attempts - 1).clamp(0, 20);
    let ms = base.num_milliseconds().saturating_mul(factor).min(3_600_000);
    Duration::milliseconds(ms)
}

/// Put a failed (or waiting) message back in line now. (A webhook
/// delivery is sent again as a new delivery: `webhooks::redeliver`.)
pub async fn retry_now(c: &mut Conn<'_>, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let sql = "UPDATE outbox SET status = 'pending', next_attempt_at = $1, attempts = 0
               WHERE id = $2 AND status <> 'delivered' AND channel <> 'webhook'";
    let n = on_conn!(c, c => sqlx::query(sql).bind(now).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("retrying message")?;
    Ok(n == 1)
}

/// How many messages (not webhook deliveries) are not yet delivered.
pub async fn count_undelivered(c: &mut Conn<'_>) -> anyhow::Result<i64> {
    let sql = "SELECT COUNT(*) FROM outbox WHERE status <> 'delivered' AND channel <> 'webhook'";
    on_conn!(c, c => sqlx::query_scalar(sql).fetch_one(c).await).context("counting undelivered messages")
}

/// Messages not yet delivered (waiting, retrying or failed), oldest first;
/// webhook deliveries are listed with their endpoint instead.
pub async fn undelivered(c: &mut Conn<'_>, limit: i64) -> anyhow::Result<Vec<Message>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outbox WHERE status <> 'delivered' AND channel <> 'webhook' ORDER BY created_at LIMIT $1"
    );
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

    fn queued(at: DateTime<Utc>, attempts: i64) -> Message {
        Message {
            id: Uuid::nil(),
            channel: WEBHOOK.into(),
            recipient: String::new(),
            subject: String::new(),
            body_text: String::new(),
            body_html: String::new(),
            invitation_id: None,
            status: "pending".into(),
            attempts,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            delivered_at: None,
            webhook_delivery_id: None,
        }
    }

    #[test]
    fn a_lane_gives_up_after_its_attempts_or_its_age() {
        let (t0, base) = (Utc::now(), Duration::seconds(2));
        let by_count = GiveUp { after_attempts: Some(3), after_age: None };
        assert_eq!(by_count.next_attempt(&queued(t0, 0), t0, base), Some(t0 + Duration::seconds(2)));
        assert_eq!(by_count.next_attempt(&queued(t0, 1), t0, base), Some(t0 + Duration::seconds(4)));
        assert_eq!(by_count.next_attempt(&queued(t0, 2), t0, base), None, "the third failure is the last");
        let by_age = GiveUp { after_attempts: None, after_age: Some(Duration::hours(24)) };
        let now = t0 + Duration::hours(22);
        assert_eq!(by_age.next_attempt(&queued(t0, 30), now, base), Some(now + Duration::hours(1)));
        let later = t0 + Duration::hours(23);
        assert_eq!(by_age.next_attempt(&queued(t0, 31), later, base), None, "the next try would be a day late");
    }
}
