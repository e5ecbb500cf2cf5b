//! A person's profile (names, external ID, custom attributes), and adding
//! someone without an invitation.

use uuid::Uuid;

use crate::domain::{
    access::{Access, Change},
    attributes::CustomAttributes,
    external_id::ExternalId,
    login_id::LoginId,
    person_name::PersonName,
    user::UserStatus,
};
use crate::domain::{
    actor::Actor,
    event::{Event, UserOrigin},
};
use crate::service::{ServiceError, accounts::begin_change, codes, events::emit, invitations::DOMAIN_REFUSED};
use crate::state::AppState;
use crate::store::{is_unique_violation, tenants, users, users::Profile};

/// Change a person's profile; a field left out (`None`) stays as it is.
/// The console's form (every field) and the API's PATCH (the fields that
/// change) both become one of these.
#[derive(Debug, Default)]
pub struct UpdateProfile {
    pub given_name: Option<PersonName>,
    pub family_name: Option<PersonName>,
    pub display_name: Option<PersonName>,
    /// `Some(None)` removes it.
    pub external_id: Option<Option<ExternalId>>,
    pub custom_attributes: Option<CustomAttributes>,
    /// Make this login ID of theirs the primary one, in the same change.
    pub primary_login_id: Option<LoginId>,
}

impl UpdateProfile {
    /// Only a new primary login ID: the profile itself is not touched.
    fn only_primary(&self) -> bool {
        self.primary_login_id.is_some()
            && self.given_name.is_none()
            && self.family_name.is_none()
            && self.display_name.is_none()
            && self.external_id.is_none()
            && self.custom_attributes.is_none()
    }
}

/// Apply `change` to the person as they are now. It is read and written in
/// one transaction holding their row, so two changes made at once to
/// different fields both stay. With a new primary login ID it is all or
/// nothing.
pub async fn update_profile(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    change: UpdateProfile,
) -> Result<(), ServiceError> {
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    if let Some(login) = &change.primary_login_id {
        // Refused before anything is written: the change is all or nothing.
        super::set_primary(&mut c, actor, &user, &person, login, state.clock.now()).await?;
    }
    if !change.only_primary() {
        let profile = Profile {
            given_name: or_kept(&change.given_name, &user.given_name),
            family_name: or_kept(&change.family_name, &user.family_name),
            display_name: or_kept(&change.display_name, &user.display_name),
            external_id: match &change.external_id {
                Some(new) => new.as_ref().map(ExternalId::as_str),
                None => user.external_id.as_deref(),
            },
            custom_attributes: change.custom_attributes.as_ref().map_or(&user.custom_attributes, |a| a.as_map()),
        };
        users::update_profile(&mut c, user_id, &profile, state.clock.now()).await?;
        emit(
            &mut c,
            actor,
            Event::UserUpdated { login_id: user.login_id.clone(), tenants: person.tenants.clone() },
            state.clock.now(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The new name, or the one they have.
fn or_kept<'a>(new: &'a Option<PersonName>, old: &'a str) -> &'a str {
    new.as_ref().map_or(old, PersonName::as_str)
}

/// Add someone active, without an invitation (API).
pub struct NewPerson {
    pub login_id: LoginId,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub display_name: PersonName,
    pub external_id: Option<ExternalId>,
    pub custom_attributes: CustomAttributes,
}

/// Create an active user without an invitation (API). A tenant-scoped
/// caller's user joins their tenant.
pub async fn create_user(state: &AppState, actor: &Actor, access: &Access, p: NewPerson) -> Result<Uuid, ServiceError> {
    let login = &p.login_id;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    // A scoped caller's user joins their tenant: its rules apply as to an
    // invitation (enabled, email domain allowed).
    if let Some(scope) = access.tenant_scope {
        let tenant = tenants::find(&mut c, scope).await?.ok_or(ServiceError::NotFound)?;
        if tenant.disabled {
            return Err(ServiceError::field("tenants", format!("The tenant {} is disabled", tenant.name)));
        }
        if !tenant.allows(login) {
            return Err(ServiceError::field_code(
                "login_id",
                codes::DOMAIN_NOT_ALLOWED,
                format!("{}{}{}", tenant.name, DOMAIN_REFUSED, tenant.domains().join(", ")),
            ));
        }
    }
    let new = users::NewUser {
        login_id: login,
        given_name: p.given_name.as_str(),
        family_name: p.family_name.as_str(),
        custom_attributes: p.custom_attributes.as_map(),
        status: UserStatus::Active,
        invited_by: actor.user_id,
        password_hash: None,
    };
    let id = match users::insert(&mut c, new, now).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Err(super::login_id_taken(access)),
        Err(e) => return Err(e.into()),
    };
    if !p.display_name.is_empty() || p.external_id.is_some() {
        let profile = Profile {
            given_name: p.given_name.as_str(),
            family_name: p.family_name.as_str(),
            display_name: p.display_name.as_str(),
            external_id: p.external_id.as_ref().map(ExternalId::as_str),
            custom_attributes: p.custom_attributes.as_map(),
        };
        users::update_profile(&mut c, id, &profile, now).await?;
    }
    if let Some(t) = access.tenant_scope {
        users::add_tenant(&mut c, id, t).await?;
    }
    let origin = UserOrigin::Added { user_id: id };
    emit(
        &mut c,
        actor,
        Event::UserCreated { login_id: login.to_string(), tenant_id: access.tenant_scope, origin },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
