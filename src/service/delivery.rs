//! What people do to the delivery queue by hand: send a message that
//! failed again now.

use uuid::Uuid;

use super::ServiceError;
use crate::state::AppState;
use crate::store::outbox;

/// Queue an undelivered message for an attempt now and wake the worker.
/// `false` when it was delivered already (nothing to do).
pub async fn retry_now(state: &AppState, id: Uuid) -> Result<bool, ServiceError> {
    let retried = {
        let mut c = state.db.acquire().await?;
        outbox::retry_now(&mut c.conn(), id, state.clock.now()).await?
    };
    if retried {
        state.wake_outbox.notify_waiters();
    }
    Ok(retried)
}
