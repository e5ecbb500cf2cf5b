//! The delivery machine: one worker per outbox lane (messages, webhooks),
//! both this same loop. It claims due rows with a lease, delivers them one
//! by one through the lane's [`Courier`], and records each outcome (success,
//! a retry with exponential backoff, or giving up) as soon as it is known.
//!
//! Several instances may run it against one database. A claimed row that no
//! delivery has started is held only for the short claim lease, so a crashed
//! instance's untouched work moves on quickly. Before sending, the worker
//! takes the row for one delivery's worst-case time ([`Courier::SEND_LEASE`]);
//! if another instance took it in the meantime, it skips it. Outcomes are
//! recorded only by the lease holder. So a row is sent twice only if an
//! instance dies between handing it over and recording that (at least once,
//! never a batch at a time).

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;
use tracing::Instrument;

use crate::clock::Clock;
use crate::state::AppState;
use crate::store::{Conn, Db, outbox, outbox::GiveUp, outbox::Lane, outbox::Message};

/// What one attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Not delivered; `give_up` stops retrying now, whatever the lane's
    /// [`GiveUp`] would allow (a webhook endpoint that was disabled).
    Failed {
        error: String,
        give_up: bool,
    },
}

impl Outcome {
    /// A failure that may be retried.
    pub fn failed(error: impl Into<String>) -> Self {
        Self::Failed { error: error.into(), give_up: false }
    }
}

/// How one lane's rows are carried: the transport, and what the lane writes
/// beyond the outbox row when an attempt ends.
pub trait Courier: Send + Sync + 'static {
    /// The rows this courier carries.
    const LANE: Lane;
    /// Covers one delivery's worst case, with room to record it.
    const SEND_LEASE: Duration;
    /// Rows claimed at a time.
    const BATCH: i64;
    /// When the lane stops retrying.
    const GIVE_UP: GiveUp;
    /// What an attempt tells [`Courier::record`] beyond its outcome.
    type Report: Send + Sync;

    /// Make one attempt. An error (the database, not the recipient) ends
    /// the pass; the row is tried again once its lease runs out.
    fn send(&self, m: &Message) -> impl Future<Output = anyhow::Result<(Outcome, Self::Report)>> + Send;

    /// Write what the attempt means beyond the outbox row, in the same
    /// transaction. `held`: this worker still held the row, so its outcome
    /// was recorded (a late worker's was not).
    fn record(
        &self,
        c: &mut Conn<'_>,
        m: &Message,
        outcome: &Outcome,
        report: &Self::Report,
        held: bool,
        now: DateTime<Utc>,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

pub struct Worker<C> {
    pub db: Db,
    pub courier: C,
    pub worker_id: String,
    pub interval: std::time::Duration,
    pub retry_base: Duration,
    /// How long claimed, not yet started rows stay with this worker.
    pub claim_lease: Duration,
    /// Poked when something is queued, so it leaves at once.
    pub wake: Arc<Notify>,
    /// Leases, backoff and delivery times follow the application's clock.
    pub clock: Arc<dyn Clock>,
}

impl<C: Courier> Worker<C> {
    /// A worker for `courier` with the configured timings.
    pub fn new(state: &AppState, courier: C) -> Self {
        Self {
            db: state.db.clone(),
            courier,
            worker_id: format!("{:?}-{}-{}", C::LANE, std::process::id(), uuid::Uuid::new_v4()),
            interval: state.config.worker_interval,
            retry_base: state.config.retry_base,
            claim_lease: state.config.claim_lease,
            wake: state.wake_outbox.clone(),
            clock: state.clock.clone(),
        }
    }

    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(n) if n as i64 == C::BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, lane = ?C::LANE, "delivery worker pass failed"),
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.interval) => {}
            }
        }
    }

    /// One pass: claim, then deliver and record one row at a time.
    /// Returns how many were claimed.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let claimed = {
            let mut tx = self.db.begin().await?;
            let rows =
                outbox::claim(&mut tx.conn(), C::LANE, &self.worker_id, self.clock.now(), self.claim_lease, C::BATCH)
                    .await?;
            tx.commit().await?;
            rows
        };
        for m in &claimed {
            // Couriers may add `to` (a webhook's host) for the log lines.
            let span =
                tracing::info_span!("deliver", message = %m.id, channel = %m.channel, to = tracing::field::Empty);
            self.deliver_one(m).instrument(span).await?;
        }
        Ok(claimed.len())
    }

    async fn deliver_one(&self, m: &Message) -> anyhow::Result<()> {
        let started = {
            let mut c = self.db.acquire().await?;
            outbox::start(&mut c.conn(), m.id, &self.worker_id, self.clock.now(), C::SEND_LEASE).await?
        };
        if !started {
            // Another instance took it after our claim lease ran out.
            return Ok(());
        }
        let (outcome, report) = self.courier.send(m).await?;
        let mut tx = self.db.begin().await?;
        let now = self.clock.now();
        let held = match &outcome {
            Outcome::Delivered => outbox::mark_delivered(&mut tx.conn(), m.id, &self.worker_id, now).await?,
            Outcome::Failed { error, give_up } => {
                let retry_at = if *give_up { None } else { C::GIVE_UP.next_attempt(m, now, self.retry_base) };
                let attempt = m.attempts + 1;
                tracing::warn!(attempt, error = %error, retry = retry_at.is_some(), "delivery failed");
                outbox::mark_attempt_failed(&mut tx.conn(), m.id, &self.worker_id, error, retry_at, now).await?
            }
        };
        self.courier.record(&mut tx.conn(), m, &outcome, &report, held, now).await?;
        tx.commit().await?;
        if !held {
            tracing::warn!("delivery outlived its lease; another instance holds it");
        } else if outcome == Outcome::Delivered {
            tracing::info!("delivered");
        }
        Ok(())
    }
}
