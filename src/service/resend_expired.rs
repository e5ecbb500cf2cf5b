//! "Resend all expired": the confirm page lists exactly who will get a new
//! invitation, and confirming resends exactly those — never one that
//! expired after the page was shown; any that changed since are skipped
//! and reported.

use uuid::Uuid;

use super::{
    ServiceError, accounts::ensure_visible, invitations, invitations::ensure_invitation_in_scope, people::ActionOutcome,
};
use crate::domain::{access::Access, invitation::InvitationStatus};
use crate::state::AppState;
use crate::store::{Conn, audit::Actor, invitations as inv_store, user_list};

/// Who would get a new invitation now, by login ID.
pub async fn candidates(state: &AppState, access: &Access) -> anyhow::Result<Vec<user_list::Expired>> {
    let mut c = state.db.acquire().await?;
    user_list::with_expired_invitations(&mut c.conn(), access.tenant_scope, state.clock.now()).await
}

/// Resend each of the confirmed invitations that is still expired, each
/// in its own transaction; the rest are reported with why they were not.
pub async fn resend(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    confirmed: &[Uuid],
) -> anyhow::Result<Vec<ActionOutcome>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(confirmed.len());
    for &id in confirmed.iter().filter(|id| seen.insert(**id)) {
        let mut tx = state.db.begin().await?;
        let outcome = resend_one(&mut tx.conn(), state, actor, access, id).await?;
        tx.commit().await?;
        out.push(outcome);
    }
    if out.iter().any(|o| o.ok) {
        state.wake_outbox.notify_waiters();
    }
    Ok(out)
}

async fn resend_one(
    c: &mut Conn<'_>,
    state: &AppState,
    actor: &Actor,
    access: &Access,
    id: Uuid,
) -> anyhow::Result<ActionOutcome> {
    let now = state.clock.now();
    inv_store::lock(c, id).await?;
    let found = inv_store::find(c, id).await?;
    // Someone else's invitation reads exactly like one that does not exist.
    let visible = match &found {
        Some(inv) => match ensure_visible(c, access, inv.user_id).await {
            Ok(()) => ensure_invitation_in_scope(access, inv).is_ok(),
            Err(ServiceError::Unexpected(e)) => return Err(e),
            Err(_) => false,
        },
        None => false,
    };
    let Some(inv) = found.filter(|_| visible) else {
        return Ok(ActionOutcome { login_id: id.to_string(), ok: false, message: "not found".into() });
    };
    let skipped = |why: String| Ok(ActionOutcome { login_id: inv.login_id.clone(), ok: false, message: why });
    let status = inv.status_at(now);
    if status != InvitationStatus::Expired {
        return skipped(format!(
            "skipped: no longer expired (now {}); it changed after you confirmed",
            status.as_str()
        ));
    }
    if inv_store::latest_for_user(c, inv.user_id).await?.is_some_and(|latest| latest.id != inv.id) {
        return skipped("skipped: a newer invitation was sent after you confirmed".into());
    }
    match invitations::resend_in(c, state, actor, access, id, true, now).await {
        Ok(_) => Ok(ActionOutcome { login_id: inv.login_id, ok: true, message: "resent".into() }),
        Err(ServiceError::Unexpected(e)) => Err(e),
        Err(e) => skipped(format!("skipped: {e}")),
    }
}
