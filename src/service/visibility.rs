//! Who may see and change whom: the access lookups every use case on
//! people and invitations starts from. Its own module, below both
//! `accounts` and `invitations`, so neither has to import the other for it.

use uuid::Uuid;

use super::ServiceError;
use crate::domain::access::{Access, Person};
use crate::store::{Conn, users};

/// The console access of an active user.
pub async fn access_of(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<Access> {
    let grants = users::role_grants_of(c, user_id).await?;
    Ok(Access::from_grants(&grants))
}

/// A tenant-scoped viewer may only see people in their tenant; anyone else
/// is "not found", so nothing about other tenants leaks.
pub async fn ensure_visible(c: &mut Conn<'_>, access: &Access, user_id: Uuid) -> Result<(), ServiceError> {
    match access.tenant_scope {
        None => Ok(()),
        Some(t) if users::belongs_to_tenant(c, user_id, t).await? => Ok(()),
        Some(_) => Err(ServiceError::NotFound),
    }
}

/// [`ensure_visible`] on its own connection: a handler asks it first, so
/// another tenant's person is "not found" whatever the request holds.
pub async fn check_visible(state: &crate::state::AppState, access: &Access, user_id: Uuid) -> Result<(), ServiceError> {
    let mut c = state.db.acquire().await?;
    ensure_visible(&mut c.conn(), access, user_id).await
}

/// What the access rules need to know about a person: their roles and
/// every tenant they belong to.
pub async fn person_of(c: &mut Conn<'_>, user_id: Uuid) -> anyhow::Result<Person> {
    Ok(Person { grants: users::role_grants_of(c, user_id).await?, tenants: users::tenants_of(c, user_id).await? })
}
