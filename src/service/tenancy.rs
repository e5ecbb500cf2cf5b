//! Parting with someone in one tenant only: tenant-scoped staff may not
//! delete a person who also belongs to another tenant, but they may take
//! them out of their own.

use serde_json::json;
use uuid::Uuid;

use super::{ServiceError, accounts::begin_change};
use crate::domain::{
    access::{Access, Change},
    invitation::{self, Action},
};
use crate::state::AppState;
use crate::store::{audit, audit::Actor, invitations as inv_store, tenants, users};

/// Take a person out of one tenant: their membership and roles in it go,
/// and their live invitations into it are revoked; what they have in other
/// tenants stays. This is how tenant-scoped staff part with someone who
/// also belongs elsewhere. Returns the tenant's name.
pub async fn remove_from_tenant(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    tenant: Uuid,
) -> Result<String, ServiceError> {
    if !access.covers(&[tenant]) {
        return Err(ServiceError::NotFound);
    }
    let now = state.clock.now();
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Membership).await?;
    let mut c = tx.conn();
    let name = tenants::find(&mut c, tenant).await?.ok_or(ServiceError::NotFound)?.name;
    if !person.tenants.contains(&tenant) {
        // Already out: removing again changes nothing.
        return Ok(name);
    }
    // Only this tenant's invitations are revoked; a live one into another
    // tenant keeps its link, and keeps the person invited.
    let (here, elsewhere): (Vec<_>, Vec<_>) = inv_store::list_for_user(&mut c, user_id)
        .await?
        .into_iter()
        .filter(|inv| !inv.status_at(now).is_final())
        .partition(|inv| inv.tenant_id == Some(tenant));
    for inv in &here {
        let next = invitation::transition(inv.status_at(now), Action::Revoke)?;
        inv_store::set_status(&mut c, inv.id, next, now).await?;
        let details = json!({ "invitation_id": inv.id, "reason": "removed from the tenant" });
        audit::record(&mut c, actor, "invitation.revoked", &inv.login_id, inv.tenant_id, details, now).await?;
    }
    if !here.is_empty() && elsewhere.is_empty() {
        users::set_status(&mut c, user_id, invitation::user_status_after(Action::Revoke, user.status), now).await?;
    }
    users::remove_tenant(&mut c, user_id, tenant).await?;
    audit::record(
        &mut c,
        actor,
        "user.removed_from_tenant",
        &user.login_id,
        Some(tenant),
        json!({ "tenant": name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(name)
}
