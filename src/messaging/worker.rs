//! The outbox worker: claims due messages with a lease, delivers them, and
//! records success or schedules a retry with exponential backoff.

use std::sync::Arc;

use chrono::{Duration, Utc};
use tokio::sync::Notify;

use super::mailer::Mailer;
use crate::store::{Db, invitations, outbox};

pub struct OutboxWorker {
    pub db: Db,
    pub mailer: Mailer,
    pub worker_id: String,
    pub interval: std::time::Duration,
    pub retry_base: Duration,
    /// Poked when a message is enqueued, so mail leaves at once.
    pub wake: Arc<Notify>,
}

const LEASE: Duration = Duration::minutes(2);
const BATCH: i64 = 50;

impl OutboxWorker {
    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(n) if n == BATCH as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "outbox worker pass failed"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// One pass: claim, deliver, record. Returns how many were claimed.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let claimed = {
            let mut tx = self.db.begin().await?;
            let rows = outbox::claim(&mut tx.conn(), &self.worker_id, Utc::now(), LEASE, BATCH).await?;
            tx.commit().await?;
            rows
        };
        // Deliver first, then record every outcome in one transaction, so
        // the worker takes the write lock once per batch, not per message.
        let mut outcomes = Vec::with_capacity(claimed.len());
        for message in &claimed {
            outcomes.push(self.mailer.deliver(&self.db, message).await);
        }
        let mut tx = self.db.begin().await?;
        let now = Utc::now();
        for (message, result) in claimed.iter().zip(outcomes) {
            match result {
                Ok(()) => {
                    outbox::mark_delivered(&mut tx.conn(), message.id, now).await?;
                    if let Some(inv) = message.invitation_id {
                        invitations::mark_sent(&mut tx.conn(), inv, now).await?;
                    }
                    tracing::info!(message = %message.id, channel = %message.channel, "message delivered");
                }
                Err(e) => {
                    let error = format!("{e:#}");
                    tracing::warn!(message = %message.id, attempt = message.attempts + 1, error = %error, "delivery failed; will retry");
                    outbox::mark_attempt_failed(&mut tx.conn(), message, &error, now, self.retry_base).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(claimed.len())
    }
}
