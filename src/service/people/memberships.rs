//! A person's roles and tenants.

use uuid::Uuid;

use crate::domain::access::{Access, Change};
use crate::domain::{actor::Actor, event::Event};
use crate::service::{ServiceError, accounts::begin_change, catalog::Catalog, events::emit};
use crate::state::AppState;
use crate::store::{Conn, users};

/// The roles and tenants a user should hold after an edit. Assignments the
/// editor may not grant are left exactly as they were.
pub struct Memberships {
    pub roles: Vec<String>,
    pub tenants: Vec<Uuid>,
    pub tenant_roles: Vec<(Uuid, String)>,
}

/// How an edit changes someone's roles and tenants.
pub enum MembershipChange {
    /// Exactly these (the console's form, which shows them all).
    Replace(Memberships),
    /// These project-wide roles; tenants and the roles held in them stay.
    ProjectRoles(Vec<String>),
    /// Join `tenant` holding exactly `roles` in it; everything else stays.
    JoinTenant { tenant: Uuid, roles: Vec<String> },
}

impl MembershipChange {
    /// What the person should hold, from what they hold now.
    fn apply(self, mut current: Memberships) -> Memberships {
        match self {
            Self::Replace(want) => want,
            Self::ProjectRoles(roles) => Memberships { roles, ..current },
            Self::JoinTenant { tenant, roles } => {
                if !current.tenants.contains(&tenant) {
                    current.tenants.push(tenant);
                }
                current.tenant_roles.retain(|(t, _)| *t != tenant);
                current.tenant_roles.extend(roles.into_iter().map(|r| (tenant, r)));
                current
            }
        }
    }
}

/// Change someone's roles and tenants. What they hold now is read in the
/// same transaction that writes, with their row held: two edits at once
/// both count.
pub async fn set_memberships(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    change: MembershipChange,
) -> Result<(), ServiceError> {
    let (mut tx, user, _) = begin_change(state, actor, access, user_id, Change::Membership).await?;
    let mut c = tx.conn();
    let want = change.apply(memberships_of(&mut c, user_id).await?);
    let catalog = Catalog::load(&mut c).await?;
    for role in want.roles.iter().chain(want.tenant_roles.iter().map(|(_, r)| r)) {
        if !catalog.roles.contains_key(role) {
            return Err(ServiceError::field("roles", format!("There is no role called \"{role}\"")));
        }
    }
    let member_of = users::tenant_ids_of(&mut c, user_id).await?;
    for t in want.tenants.iter().chain(want.tenant_roles.iter().map(|(t, _)| t)) {
        if !catalog.tenants.contains_key(t) {
            return Err(ServiceError::field("tenants", "That tenant does not exist"));
        }
        // Memberships elsewhere may stay as they are; adding one may not.
        if !access.covers(&[*t]) && !member_of.contains(t) {
            return Err(ServiceError::field("tenants", "You can only manage your own tenant"));
        }
    }
    let current = users::role_grants_of(&mut c, user_id).await?;
    let wanted: Vec<(String, Option<Uuid>)> = want
        .roles
        .iter()
        .map(|r| (r.clone(), None))
        .chain(want.tenant_roles.iter().map(|(t, r)| (r.clone(), Some(*t))))
        .collect();
    // A change to a grant the editor may not make (a role they cannot grant,
    // or another tenant's) is refused; untouched ones stay.
    for (role, tenant) in &current {
        if !wanted.contains(&(role.clone(), *tenant)) && access.may_assign(role, *tenant) {
            users::revoke_role(&mut c, user_id, role, *tenant).await?;
        }
    }
    for (role, tenant) in &wanted {
        if current.contains(&(role.clone(), *tenant)) {
            continue;
        }
        if !access.may_assign(role, *tenant) {
            return Err(ServiceError::field("roles", format!("You cannot grant the role \"{role}\"")));
        }
        if let Some(t) = tenant {
            users::add_tenant(&mut c, user_id, *t).await?;
        }
        users::grant_role(&mut c, user_id, role, *tenant).await?;
    }
    let current_tenants = users::tenant_ids_of(&mut c, user_id).await?;
    let wanted_tenants: Vec<Uuid> =
        want.tenants.iter().chain(want.tenant_roles.iter().map(|(t, _)| t)).copied().collect();
    for t in &current_tenants {
        if !wanted_tenants.contains(t) && access.covers(&[*t]) {
            users::remove_tenant(&mut c, user_id, *t).await?;
        }
    }
    for t in &wanted_tenants {
        users::add_tenant(&mut c, user_id, *t).await?;
    }
    let event = Event::UserRolesUpdated {
        login_id: user.login_id,
        tenant_id: access.tenant_scope,
        roles: want.roles,
        granted_tenants: wanted_tenants,
    };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// What the person holds now, as [`Memberships`].
async fn memberships_of(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<Memberships> {
    let grants = users::role_grants_of(c, user_id).await?;
    let tenants = users::tenant_ids_of(c, user_id).await?;
    Ok(Memberships {
        roles: grants.iter().filter(|(_, t)| t.is_none()).map(|(r, _)| r.clone()).collect(),
        tenants,
        tenant_roles: grants.into_iter().filter_map(|(r, t)| t.map(|t| (t, r))).collect(),
    })
}
