//! Delivers queued webhook events: signed the Standard Webhooks way, at
//! least once, retried with exponential backoff for up to 24 hours, every
//! attempt logged.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};

use crate::domain::signature;
use crate::service::webhooks::check_url;
use crate::state::AppState;
use crate::store::webhooks::{self, AttemptResult, Delivery};

/// Covers one delivery (5 s to resolve, 10 s for the request) with room to
/// record it. Claimed deliveries not yet started are held only for the
/// configured claim lease, as in the outbox worker.
const SEND_LEASE: Duration = Duration::minutes(1);
const BATCH: i64 = 20;
/// After this long since the event, a delivery is given up as failed.
const GIVE_UP_AFTER: Duration = Duration::hours(24);

pub struct WebhookWorker {
    pub state: Arc<AppState>,
    pub worker_id: String,
    pub client: reqwest::Client,
}

impl WebhookWorker {
    pub fn new(state: Arc<AppState>) -> anyhow::Result<Self> {
        let allow_private = state.config.webhooks_allow_private;
        let client = reqwest::Client::builder()
            .dns_resolver(std::sync::Arc::new(crate::service::webhooks::GuardedResolver { allow_private }))
            .timeout(std::time::Duration::from_secs(10))
            // A redirect could lead to a private address the guard refused.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Usher-Webhooks/1")
            .build()?;
        Ok(Self { worker_id: format!("webhooks-{}", uuid::Uuid::new_v4()), state, client })
    }

    pub async fn run(self) {
        loop {
            match self.deliver_due().await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "webhook worker pass failed"),
            }
            tokio::select! {
                _ = self.state.wake_outbox.notified() => {}
                _ = tokio::time::sleep(self.state.config.worker_interval) => {}
            }
        }
    }

    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let db = &self.state.db;
        let claimed = {
            let mut tx = db.begin().await?;
            let lease = self.state.config.claim_lease;
            let rows = webhooks::claim(&mut tx.conn(), &self.worker_id, self.state.clock.now(), lease, BATCH).await?;
            tx.commit().await?;
            rows
        };
        for d in &claimed {
            self.deliver(d).await?;
        }
        Ok(claimed.len())
    }

    async fn deliver(&self, d: &Delivery) -> anyhow::Result<()> {
        let endpoint = {
            let mut c = self.state.db.acquire().await?;
            if !webhooks::start(&mut c.conn(), d.id, &self.worker_id, self.state.clock.now(), SEND_LEASE).await? {
                // Another instance took it after our claim lease ran out.
                return Ok(());
            }
            webhooks::find_endpoint(&mut c.conn(), d.endpoint_id).await?
        };
        let Some(endpoint) = endpoint else { return Ok(()) };
        let started = Instant::now();
        // A disabled endpoint gets nothing more, not even queued retries.
        let outcome = if endpoint.enabled {
            self.post(&endpoint, d).await
        } else {
            Err(anyhow::anyhow!("the endpoint is disabled"))
        };
        let duration_ms = started.elapsed().as_millis() as i64;
        let now = self.state.clock.now();
        let (ok, status_code, error) = match &outcome {
            Ok(code) if (200..300).contains(code) => (true, Some(*code as i32), None),
            Ok(code) => (false, Some(*code as i32), Some(format!("the endpoint answered {code}"))),
            Err(e) => (false, None, Some(format!("{e:#}"))),
        };
        let retry_at = (!ok && endpoint.enabled)
            .then(|| now + crate::store::outbox::backoff(self.state.config.retry_base, d.attempts + 1))
            .filter(|at| *at - d.created_at < GIVE_UP_AFTER);
        if !ok {
            let host = crate::service::webhooks::host_of(&endpoint.url);
            tracing::warn!(delivery = %d.id, endpoint = %endpoint.id, %host, error = ?error, "webhook delivery failed");
        }
        let mut tx = self.state.db.begin().await?;
        let result = AttemptResult { status_code, duration_ms, error: error.as_deref() };
        webhooks::record_attempt(&mut tx.conn(), d, &self.worker_id, &result, ok, retry_at, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// POST the event; the HTTP status, or why there was none.
    async fn post(&self, endpoint: &webhooks::Endpoint, d: &Delivery) -> anyhow::Result<u16> {
        // Scheme and literal addresses are checked again at delivery; names
        // are checked by the client's resolver as it connects.
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            check_url(&endpoint.url, self.state.config.webhooks_allow_private),
        )
        .await
        .map_err(|_| anyhow::anyhow!("resolving the endpoint's host timed out"))?
        .map_err(|m| anyhow::anyhow!(m))?;
        // The wall clock: receivers check it against their own to refuse replays.
        let timestamp = Utc::now().timestamp();
        let signature = signature::sign(&endpoint.secret, &d.message_id, timestamp, &d.payload)?;
        let response = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(d.payload.clone())
            .send()
            .await
            // Its text would otherwise carry the URL (and any token in it).
            .map_err(reqwest::Error::without_url)?;
        Ok(response.status().as_u16())
    }
}
