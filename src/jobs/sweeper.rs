//! Marks pending invitations expired once their time is up, purges expired
//! sessions and trims rate-limit state. Reads never wait for it: every read
//! checks the clock itself.

use std::sync::Arc;

use chrono::Utc;

use crate::service::invitations;
use crate::state::AppState;
use crate::store::sessions;

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
    sessions::purge_expired(&mut c.conn(), Utc::now()).await?;
    state.limits.shrink();
    Ok(())
}
