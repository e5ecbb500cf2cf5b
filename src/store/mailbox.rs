//! The dev mailbox: where messages go when no SMTP server is configured.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Conn, outbox::Message};
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Mail {
    pub id: Uuid,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: DateTime<Utc>,
}

/// Store a delivered message; delivering the same outbox row twice (at
/// least once delivery) stores it once.
pub async fn store(c: &mut Conn<'_>, m: &Message, now: DateTime<Utc>) -> anyhow::Result<()> {
    let sql = "INSERT INTO dev_mailbox (id, outbox_id, channel, recipient, subject, body_text, body_html, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (outbox_id) DO NOTHING";
    on_conn!(c, c => sqlx::query(sql)
        .bind(Uuid::new_v4())
        .bind(m.id)
        .bind(&m.channel)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body_text)
        .bind(&m.body_html)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))
    .context("storing dev mail")?;
    Ok(())
}

pub async fn list(c: &mut Conn<'_>, limit: i64) -> anyhow::Result<Vec<Mail>> {
    let sql = "SELECT id, channel, recipient, subject, body_text, body_html, created_at FROM dev_mailbox ORDER BY created_at DESC LIMIT $1";
    on_conn!(c, c => sqlx::query_as(sql).bind(limit).fetch_all(c).await).context("listing dev mailbox")
}
