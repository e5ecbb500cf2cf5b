//! The webhooks lane of the outbox: events POSTed signed the Standard
//! Webhooks way, at least once, retried with exponential backoff for up to
//! 24 hours, every attempt logged. Claiming, leases and retries are the
//! outbox's (`messaging::worker`); this is only the transport.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

use crate::domain::signature;
use crate::messaging::worker::{Courier, Outcome, Worker};
use crate::service::webhooks::{GuardedResolver, check_url, host_of};
use crate::state::AppState;
use crate::store::{
    Conn, outbox,
    outbox::Message,
    webhooks::{self, AttemptResult, Delivery, Endpoint},
};

pub struct WebhookCourier {
    pub state: Arc<AppState>,
    pub client: reqwest::Client,
}

/// The webhook delivery worker.
pub fn worker(state: Arc<AppState>) -> anyhow::Result<Worker<WebhookCourier>> {
    let allow_private = state.config.webhooks_allow_private;
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .timeout(std::time::Duration::from_secs(10))
        // A redirect could lead to a private address the guard refused.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Usher-Webhooks/1")
        .build()?;
    Ok(Worker::new(&state, WebhookCourier { state: state.clone(), client }))
}

/// What one attempt got back, for the delivery log.
pub struct Report {
    /// None when the delivery has no event row (never queued that way).
    delivery: Option<uuid::Uuid>,
    status_code: Option<i32>,
    duration_ms: i64,
}

impl Courier for WebhookCourier {
    const LANE: outbox::Lane = outbox::Lane::Webhooks;
    /// Covers one delivery (5 s to resolve, 10 s for the request) with room
    /// to record it.
    const SEND_LEASE: Duration = Duration::minutes(1);
    const BATCH: i64 = 20;
    /// After a day since the event, a delivery is given up as failed.
    const GIVE_UP: outbox::GiveUp = outbox::GiveUp { after_attempts: None, after_age: Some(Duration::hours(24)) };
    type Report = Report;

    async fn send(&self, m: &Message) -> anyhow::Result<(Outcome, Report)> {
        let found = {
            let mut c = self.state.db.acquire().await?;
            match m.webhook_delivery_id {
                Some(id) => webhooks::find_delivery(&mut c.conn(), id).await?,
                None => None,
            }
        };
        let mut report = Report { delivery: found.as_ref().map(|d| d.id), status_code: None, duration_ms: 0 };
        let Some(d) = found else {
            return Ok((Outcome::Failed { error: "no such webhook delivery".into(), give_up: true }, report));
        };
        let endpoint = {
            let mut c = self.state.db.acquire().await?;
            webhooks::find_endpoint(&mut c.conn(), d.endpoint_id).await?
        };
        // Deleting an endpoint deletes its deliveries; this one raced it.
        let Some(endpoint) = endpoint else {
            return Ok((Outcome::Failed { error: "the endpoint was deleted".into(), give_up: true }, report));
        };
        tracing::Span::current().record("to", host_of(&endpoint.url));
        // A disabled endpoint gets nothing more, not even queued retries.
        if !endpoint.enabled {
            return Ok((Outcome::Failed { error: "the endpoint is disabled".into(), give_up: true }, report));
        }
        let started = Instant::now();
        let answer = self.post(&endpoint, &d).await;
        report.duration_ms = started.elapsed().as_millis() as i64;
        let outcome = match answer {
            Ok(code) => {
                report.status_code = Some(code as i32);
                if (200..300).contains(&code) {
                    Outcome::Delivered
                } else {
                    Outcome::failed(format!("the endpoint answered {code}"))
                }
            }
            Err(e) => Outcome::failed(format!("{e:#}")),
        };
        Ok((outcome, report))
    }

    async fn record(
        &self,
        c: &mut Conn<'_>,
        _: &Message,
        outcome: &Outcome,
        report: &Report,
        _held: bool,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let Some(delivery) = report.delivery else { return Ok(()) };
        let error = match outcome {
            Outcome::Delivered => None,
            Outcome::Failed { error, .. } => Some(error.as_str()),
        };
        let attempt = AttemptResult { status_code: report.status_code, duration_ms: report.duration_ms, error };
        webhooks::log_attempt(c, delivery, &attempt, now).await
    }
}

impl WebhookCourier {
    /// POST the event; the HTTP status, or why there was none.
    async fn post(&self, endpoint: &Endpoint, d: &Delivery) -> anyhow::Result<u16> {
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
