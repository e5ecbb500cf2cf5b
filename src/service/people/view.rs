//! What is read about one person: the API's view and the console's page.
//! Someone a tenant-scoped viewer may not see is not found.

use uuid::Uuid;

use crate::domain::access::{Access, Person};
use crate::service::{
    ServiceError,
    accounts::{ensure_visible, person_of},
    catalog::Catalog,
};
use crate::state::AppState;
use crate::store::{invitations, invitations::Invitation, users, users::User};

/// A person as the API shows them: their roles and tenants within what the
/// viewer covers.
pub struct PersonView {
    pub user: User,
    pub login_ids: Vec<String>,
    /// (role, tenant; `None` for project-wide).
    pub roles: Vec<(String, Option<Uuid>)>,
    pub tenants: Vec<Uuid>,
}

pub async fn view(state: &AppState, access: &Access, id: Uuid) -> Result<PersonView, ServiceError> {
    read_view(state, access, id, true).await
}

/// The person as a change the caller just made left them. Not checked
/// for visibility: the change was, and it may have taken them out of the
/// caller's tenant (their roles and tenants are still only those the
/// caller covers).
pub async fn view_after_change(state: &AppState, access: &Access, id: Uuid) -> Result<PersonView, ServiceError> {
    read_view(state, access, id, false).await
}

async fn read_view(state: &AppState, access: &Access, id: Uuid, check: bool) -> Result<PersonView, ServiceError> {
    let mut pooled = state.db.acquire().await?;
    let mut c = pooled.conn();
    if check {
        ensure_visible(&mut c, access, id).await?;
    }
    let user = users::find(&mut c, id).await?.ok_or(ServiceError::NotFound)?;
    let login_ids = users::login_ids_of(&mut c, id).await?;
    let mut roles = users::role_grants_of(&mut c, id).await?;
    roles.retain(|(_, tenant)| tenant.is_none_or(|t| access.covers(&[t])));
    let mut tenants = users::tenant_ids_of(&mut c, id).await?;
    tenants.retain(|t| access.covers(&[*t]));
    Ok(PersonView { user, login_ids, roles, tenants })
}

/// Everything the console's page about a person shows.
pub struct PersonPage {
    pub user: User,
    /// Their roles and every tenant they belong to, for the access rules.
    pub person: Person,
    /// The tenants they are a member of.
    pub member_of: Vec<Uuid>,
    pub login_ids: Vec<String>,
    /// Their invitations, newest first (a tenant-scoped viewer sees those
    /// into their tenant only), each with who made it, in one query.
    pub history: Vec<Invitation>,
    pub catalog: Catalog,
}

pub async fn page(state: &AppState, access: &Access, id: Uuid) -> Result<PersonPage, ServiceError> {
    let mut pooled = state.db.acquire().await?;
    let mut c = pooled.conn();
    ensure_visible(&mut c, access, id).await?;
    let user = users::find(&mut c, id).await?.ok_or(ServiceError::NotFound)?;
    let person = person_of(&mut c, id).await?;
    let member_of = users::tenant_ids_of(&mut c, id).await?;
    let login_ids = users::login_ids_of(&mut c, id).await?;
    let mut history = invitations::list_for_user(&mut c, id).await?;
    history.retain(|inv| access.tenant_scope.is_none() || inv.tenant_id == access.tenant_scope);
    let catalog = Catalog::load(&mut c).await?;
    Ok(PersonPage { user, person, member_of, login_ids, history, catalog })
}
