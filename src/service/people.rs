//! Managing people after they are invited: login IDs, signing out
//! everywhere and deletion here; the profile, roles and tenants, the
//! per-user actions the users table offers in bulk, and what is read about
//! a person in the submodules.

mod bulk_action;
mod memberships;
mod profile;
mod view;

pub use bulk_action::{ActionOutcome, BulkAction, bulk_action};
pub use memberships::{MembershipChange, Memberships, set_memberships};
pub use profile::{NewPerson, UpdateProfile, create_user, update_profile};
pub use view::{PersonPage, PersonView, page, view, view_after_change};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{ServiceError, accounts::begin_change, codes, events::emit};
use crate::domain::{
    access::{Access, Change, Person},
    actor::Actor,
    event::Event,
    login_id::LoginId,
};
use crate::state::AppState;
use crate::store::{Conn, is_unique_violation, sessions, users, users::User};

/// A login ID that is already someone's. A scoped caller is not told
/// whether someone elsewhere has it.
fn login_id_taken(access: &Access) -> ServiceError {
    let message = match access.tenant_scope {
        Some(_) => "This login ID cannot be used from your tenant",
        None => "This login ID already belongs to someone",
    };
    ServiceError::field_code("login_id", codes::LOGIN_ID_TAKEN, message)
}

/// Give the person another login ID (unique across users).
pub async fn add_login_id(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    login: LoginId,
) -> Result<(), ServiceError> {
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    match users::add_login_id(&mut c, user_id, &login, state.clock.now()).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => return Err(login_id_taken(access)),
        Err(e) => return Err(e.into()),
    }
    let event = Event::UserLoginIdAdded { login_id: user.login_id, tenants: person.tenants, added: login.to_string() };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Take one of their login IDs away; the last one stays.
pub async fn remove_login_id(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    value: &str,
) -> Result<(), ServiceError> {
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    let ids = users::login_ids_of(&mut c, user_id).await?;
    if !ids.iter().any(|v| v == value) {
        return Err(ServiceError::NotFound);
    }
    if ids.len() == 1 {
        return Err(ServiceError::Refused(
            "A user needs at least one login ID; add another before removing this one.".into(),
        ));
    }
    users::remove_login_id(&mut c, user_id, value).await?;
    let event = Event::UserLoginIdRemoved { login_id: user.login_id, tenants: person.tenants, removed: value.into() };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Make one of the person's login IDs their primary one: the one their
/// page, the users table and the API name.
pub async fn make_primary(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    login: LoginId,
) -> Result<(), ServiceError> {
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    set_primary(&mut tx.conn(), actor, &user, &person, &login, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Make `login` (one of the user's login IDs) their primary one.
pub(super) async fn set_primary(
    c: &mut Conn<'_>,
    actor: &Actor,
    user: &User,
    person: &Person,
    login: &LoginId,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if user.login_id == login.as_str() {
        return Ok(());
    }
    if !users::set_primary_login_id(c, user.id, login.as_str()).await? {
        return Err(ServiceError::field("login_id", "This is not one of their login IDs"));
    }
    let event = Event::UserPrimaryLoginIdChanged {
        login_id: login.to_string(),
        was: user.login_id.clone(),
        tenants: person.tenants.clone(),
    };
    emit(c, actor, event, now).await?;
    Ok(())
}

pub async fn log_out_everywhere(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
) -> Result<u64, ServiceError> {
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    let n = sessions::delete_for_user(&mut c, user_id).await?;
    emit(
        &mut c,
        actor,
        Event::UserSessionsRevoked { login_id: user.login_id, tenants: person.tenants, sessions: n },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

/// Delete a user for good: their sessions and pending invitations go too.
/// Tenant-scoped staff delete only people who belong to no other tenant
/// (see [`super::tenancy::remove_from_tenant`] for the others).
pub async fn delete_user(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
) -> Result<String, ServiceError> {
    if actor.user_id == Some(user_id) {
        return Err(ServiceError::Refused("You cannot delete yourself.".into()));
    }
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    sessions::delete_for_user(&mut c, user_id).await?;
    users::delete(&mut c, user_id).await?;
    let event = Event::UserDeleted { user_id, login_id: user.login_id.clone(), tenants: person.tenants };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(user.login_id)
}
