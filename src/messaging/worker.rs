//! The outbox worker: claims due messages with a lease, delivers them one
//! by one, and records each outcome (success, or a retry with exponential
//! backoff) as soon as it is known.
//!
//! Several instances may run it against one database. A claimed message
//! that no delivery has started is held only for the short claim lease, so
//! a crashed instance's untouched work moves on quickly. Before sending, the
//! worker takes the message for one delivery's worst-case time
//! ([`SEND_LEASE`]); if another instance took it in the meantime, it skips
//! it. Outcomes are recorded only by the lease holder. So a message is sent
//! twice only if an instance dies between handing it to SMTP and recording
//! that (at least once, never a batch at a time).

use std::sync::Arc;

use chrono::Duration;
use tokio::sync::Notify;

use super::mailer::{Mailer, SEND_TIMEOUT};
use crate::clock::Clock;
use crate::store::{Db, invitations, outbox, outbox::Message};

pub struct OutboxWorker {
    pub db: Db,
    pub mailer: Mailer,
    pub worker_id: String,
    pub interval: std::time::Duration,
    pub retry_base: Duration,
    /// How long claimed, not yet started messages stay with this worker.
    pub claim_lease: Duration,
    /// Poked when a message is enqueued, so mail leaves at once.
    pub wake: Arc<Notify>,
    /// Leases, backoff and delivery times follow the application's clock.
    pub clock: Arc<dyn Clock>,
}

/// Covers one delivery: the send's own time limit plus room to record it.
pub const SEND_LEASE: Duration = Duration::seconds(SEND_TIMEOUT.as_secs() as i64 + 60);
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

    /// One pass: claim, then deliver and record one message at a time.
    /// Returns how many were claimed.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let claimed = {
            let mut tx = self.db.begin().await?;
            let rows =
                outbox::claim(&mut tx.conn(), &self.worker_id, self.clock.now(), self.claim_lease, BATCH).await?;
            tx.commit().await?;
            rows
        };
        for message in &claimed {
            self.deliver_one(message).await?;
        }
        Ok(claimed.len())
    }

    async fn deliver_one(&self, message: &Message) -> anyhow::Result<()> {
        let started = {
            let mut c = self.db.acquire().await?;
            outbox::start(&mut c.conn(), message.id, &self.worker_id, self.clock.now(), SEND_LEASE).await?
        };
        if !started {
            // Another instance took it after our claim lease ran out.
            return Ok(());
        }
        let result = self.mailer.deliver(&self.db, message, self.clock.now()).await;
        let mut tx = self.db.begin().await?;
        let now = self.clock.now();
        let recorded = match &result {
            Ok(()) => {
                let held = outbox::mark_delivered(&mut tx.conn(), message.id, &self.worker_id, now).await?;
                if held && let Some(inv) = message.invitation_id {
                    invitations::mark_sent(&mut tx.conn(), inv, now).await?;
                }
                held
            }
            Err(e) => {
                let error = format!("{e:#}");
                tracing::warn!(message = %message.id, attempt = message.attempts + 1, error = %error, "delivery failed; will retry");
                outbox::mark_attempt_failed(&mut tx.conn(), message, &self.worker_id, &error, now, self.retry_base)
                    .await?
            }
        };
        tx.commit().await?;
        if !recorded {
            tracing::warn!(message = %message.id, "delivery outlived its lease; another instance holds the message");
        } else if result.is_ok() {
            tracing::info!(message = %message.id, channel = %message.channel, "message delivered");
        }
        Ok(())
    }
}
