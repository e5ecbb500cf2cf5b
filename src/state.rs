//! What every request handler and service shares.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::rate_limit::RateLimits;
use crate::store::Db;

pub struct AppState {
    pub db: Db,
    pub config: Settings,
    /// Wakes the delivery workers (outbox, webhooks) after something is queued.
    pub wake_outbox: Arc<Notify>,
    pub limits: RateLimits,
    /// The time everything that depends on it asks (tests move it).
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    /// Connect to the database and apply migrations; real time.
    pub async fn connect(config: Settings) -> anyhow::Result<Self> {
        Self::connect_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`connect`](Self::connect) with the time taken from `clock`.
    pub async fn connect_with_clock(config: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        Ok(Self { db, config, wake_outbox: Arc::new(Notify::new()), limits: RateLimits::new(clock.clone()), clock })
    }

    /// The public link for an invitation token.
    pub fn invite_link(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.config.base_url)
    }
}
