//! Parting with someone in one tenant only: tenant-scoped staff may not
//! delete a person who also belongs to another tenant, but they may take
//! them out of their own.

use uuid::Uuid;

use super::{ServiceError, accounts::begin_change, events::emit};
use crate::domain::{
    access::{Access, Change},
    actor::Actor,
    event::Event,
    invitation::{self, Action},
};
use crate::state::AppState;
use crate::store::{invitations as inv_store, tenants, users};

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
        let event = Event::InvitationRevoked {
            invitation_id: inv.id,
            login_id: inv.login_id.clone(),
            tenant_id: inv.tenant_id,
            removed_from_tenant: true,
        };
        emit(&mut c, actor, event, state.clock.now()).await?;
    }
    if !here.is_empty() && elsewhere.is_empty() {
        users::set_status(&mut c, user_id, invitation::user_status_after(Action::Revoke, user.status), now).await?;
    }
    users::remove_tenant(&mut c, user_id, tenant).await?;
    let event = Event::UserRemovedFromTenant { login_id: user.login_id, tenant_id: tenant, tenant_name: name.clone() };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(name)
}
