//! Marks pending invitations expired once their time is up, purges expired
//! sessions and audit entries past their retention, and trims rate-limit
//! state. Reads never wait for it: every read
//! checks the clock itself.

use std::sync::Arc;

use crate::service::invitations;
use crate::state::AppState;
use crate::store::{audit, idempotency, sessions, settings};

pub async fn run(state: Arc<AppState>, interval: std::time::Duration) {
    loop {
        if let Err(e) = pass(&state).await {
            tracing::error!(error = ?e, "sweeper pass failed");
        }
        tokio::time::sleep(interval).await;
    }
}

pub async fn pass(state: &AppState) -> anyhow::Result<()> {
    let expired = invitations::expire_due(state).await?;
    if expired > 0 {
        tracing::info!(expired, "invitations expired");
    }
    let mut c = state.db.acquire().await?;
    let now = state.clock.now();
    sessions::purge_expired(&mut c.conn(), now).await?;
    // Audit retention.
    let days = settings::get(&mut c.conn()).await?.audit_retention_days;
    let purged = audit::purge_before(&mut c.conn(), now - chrono::Duration::days(days)).await?;
    if purged > 0 {
        tracing::info!(purged, days, "old audit entries removed");
    }
    // Idempotency keys protect retries for a day.
    idempotency::purge_before(&mut c.conn(), now - chrono::Duration::hours(24)).await?;
    state.limits.shrink();
    Ok(())
}
