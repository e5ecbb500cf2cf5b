//! Managing people after they are invited: profile, login IDs, roles and
//! tenants, deletion, signing out everywhere, and the per-user actions
//! the users table offers in bulk.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ServiceError,
    accounts::{begin_change, set_active},
    events::emit,
    invitations,
    visibility::ensure_visible,
};
use crate::domain::{
    access::{Access, Change, Person},
    actor::Actor,
    event::{Event, UserOrigin},
    login_id::LoginId,
};
use crate::state::AppState;
use crate::store::{
    Conn, invitations as inv_store, is_unique_violation, sessions, users, users::Attributes, users::Profile,
    users::User,
};

pub struct ProfileInput {
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub external_id: String,
    pub custom_attributes: Attributes,
    /// Make this login ID of theirs the primary one, in the same change.
    pub primary_login_id: Option<String>,
}

/// Names and the external ID hold at most 200 characters.
fn check_lengths(fields: [(&'static str, &String); 4]) -> Result<(), ServiceError> {
    let errors: Vec<_> = fields
        .into_iter()
        .filter(|(_, value)| value.chars().count() > 200)
        .map(|(field, _)| super::FieldError::new(field, "Use at most 200 characters"))
        .collect();
    if errors.is_empty() { Ok(()) } else { Err(ServiceError::Invalid(errors)) }
}

pub async fn update_profile(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    p: ProfileInput,
) -> Result<(), ServiceError> {
    let lengths = check_lengths([
        ("given_name", &p.given_name),
        ("family_name", &p.family_name),
        ("display_name", &p.display_name),
        ("external_id", &p.external_id),
    ]);
    let mut errors = match lengths {
        Err(ServiceError::Invalid(errors)) => errors,
        _ => Vec::new(),
    };
    let primary = match p.primary_login_id.as_deref().map(parse_login_id).transpose() {
        Ok(primary) => primary,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    if let Some(login) = &primary {
        // Refused before anything is written: the change is all or nothing.
        set_primary(&mut c, actor, &user, &person, login, state.clock.now()).await?;
    }
    let external = p.external_id.trim();
    let profile = Profile {
        given_name: p.given_name.trim(),
        family_name: p.family_name.trim(),
        display_name: p.display_name.trim(),
        external_id: (!external.is_empty()).then_some(external),
        custom_attributes: &p.custom_attributes,
    };
    users::update_profile(&mut c, user_id, &profile, state.clock.now()).await?;
    emit(&mut c, actor, Event::UserUpdated { login_id: user.login_id, tenants: person.tenants }, state.clock.now())
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_login_id(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    raw: &str,
) -> Result<(), ServiceError> {
    let login = LoginId::parse(raw).map_err(|m| ServiceError::field_code("login_id", LoginId::problem_code(raw), m))?;
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    match users::add_login_id(&mut c, user_id, &login, state.clock.now()).await {
        Ok(()) => {}
        // A scoped caller is not told whether someone elsewhere has it.
        Err(e) if is_unique_violation(&e) && access.tenant_scope.is_some() => {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::LOGIN_ID_TAKEN,
                "This login ID cannot be used from your tenant",
            ));
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::LOGIN_ID_TAKEN,
                "This login ID already belongs to someone",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let event = Event::UserLoginIdAdded { login_id: user.login_id, tenants: person.tenants, added: login.to_string() };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

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
    raw: &str,
) -> Result<(), ServiceError> {
    let login = parse_login_id(raw).map_err(|e| ServiceError::Invalid(vec![e]))?;
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    set_primary(&mut tx.conn(), actor, &user, &person, &login, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

fn parse_login_id(raw: &str) -> Result<LoginId, super::FieldError> {
    LoginId::parse(raw).map_err(|m| super::FieldError {
        field: "login_id",
        code: LoginId::problem_code(raw),
        message: m,
    })
}

/// Make `login` (one of the user's login IDs) their primary one, at `now`.
async fn set_primary(
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

/// The roles and tenants a user should hold after an edit. Assignments the
/// editor may not grant are left exactly as they were.
pub struct Memberships {
    pub roles: Vec<String>,
    pub tenants: Vec<Uuid>,
    pub tenant_roles: Vec<(Uuid, String)>,
}

pub async fn set_memberships(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    want: Memberships,
) -> Result<(), ServiceError> {
    let (mut tx, user, _) = begin_change(state, actor, access, user_id, Change::Membership).await?;
    let mut c = tx.conn();
    let catalog = super::catalog::Catalog::load(&mut c).await?;
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
    let may_touch = |role: &str, tenant: Option<Uuid>| {
        access.can_grant(role)
            && tenant.is_none_or(|t| access.covers(&[t]))
            && (tenant.is_some() || access.tenant_scope.is_none())
    };
    for (role, tenant) in &current {
        if !wanted.contains(&(role.clone(), *tenant)) && may_touch(role, *tenant) {
            users::revoke_role(&mut c, user_id, role, *tenant).await?;
        }
    }
    for (role, tenant) in &wanted {
        if current.contains(&(role.clone(), *tenant)) {
            continue;
        }
        if !may_touch(role, *tenant) {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAction {
    Resend,
    Revoke,
    Deactivate,
    Delete,
}

impl BulkAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "resend" => Some(Self::Resend),
            "revoke" => Some(Self::Revoke),
            "deactivate" => Some(Self::Deactivate),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Resend => "Bulk resend",
            Self::Revoke => "Bulk revoke",
            Self::Deactivate => "Bulk deactivate",
            Self::Delete => "Bulk delete",
        }
    }

    pub fn done(self) -> &'static str {
        match self {
            Self::Resend => "resent",
            Self::Revoke => "revoked",
            Self::Deactivate => "deactivated",
            Self::Delete => "deleted",
        }
    }
}

/// One row of a bulk action's report.
pub struct ActionOutcome {
    pub login_id: String,
    pub ok: bool,
    pub message: String,
}

/// Apply `action` to each user, each in its own transaction; rows the
/// viewer may not touch are reported with the reason.
pub async fn bulk_action(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    action: BulkAction,
    ids: &[Uuid],
) -> anyhow::Result<Vec<ActionOutcome>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let login_id = {
            let mut c = state.db.acquire().await?;
            match ensure_visible(&mut c.conn(), access, *id).await {
                Ok(()) => users::find(&mut c.conn(), *id).await?.map(|u| u.login_id),
                Err(_) => None,
            }
        };
        let Some(login_id) = login_id else {
            out.push(ActionOutcome { login_id: id.to_string(), ok: false, message: "not found".into() });
            continue;
        };
        let result = match action {
            BulkAction::Resend | BulkAction::Revoke => {
                let latest = {
                    let mut c = state.db.acquire().await?;
                    inv_store::latest_for_user(&mut c.conn(), *id).await?
                };
                match latest {
                    None => Err(ServiceError::Refused("has no invitation".into())),
                    Some(inv) if action == BulkAction::Resend => {
                        invitations::resend(state, actor, access, inv.id, true).await.map(|_| ())
                    }
                    Some(inv) => invitations::revoke(state, actor, access, inv.id).await,
                }
            }
            BulkAction::Deactivate => set_active(state, actor, access, *id, false).await,
            BulkAction::Delete => delete_user(state, actor, access, *id).await.map(|_| ()),
        };
        out.push(match result {
            Ok(()) => ActionOutcome { login_id, ok: true, message: action.done().into() },
            Err(ServiceError::Forbidden(_)) => {
                ActionOutcome { login_id, ok: false, message: "your role does not allow this for this user".into() }
            }
            Err(ServiceError::Unexpected(e)) => return Err(e),
            Err(e) => ActionOutcome { login_id, ok: false, message: e.to_string() },
        });
    }
    Ok(out)
}

pub struct NewPerson {
    pub login_id: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub external_id: String,
    pub custom_attributes: Attributes,
}

/// Create an active user without an invitation (API). A tenant-scoped
/// caller's user joins their tenant.
pub async fn create_user(state: &AppState, actor: &Actor, access: &Access, p: NewPerson) -> Result<Uuid, ServiceError> {
    let login = LoginId::parse(&p.login_id)
        .map_err(|m| ServiceError::field_code("login_id", LoginId::problem_code(&p.login_id), m))?;
    check_lengths([
        ("given_name", &p.given_name),
        ("family_name", &p.family_name),
        ("display_name", &p.display_name),
        ("external_id", &p.external_id),
    ])?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    // A scoped caller's user joins their tenant: its rules apply as to an
    // invitation (enabled, email domain allowed).
    if let Some(scope) = access.tenant_scope {
        let tenant = crate::store::tenants::find(&mut c, scope).await?.ok_or(ServiceError::NotFound)?;
        if tenant.disabled {
            return Err(ServiceError::field("tenants", format!("The tenant {} is disabled", tenant.name)));
        }
        if !tenant.allows(&login) {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::DOMAIN_NOT_ALLOWED,
                format!("{}{}{}", tenant.name, super::invitations::DOMAIN_REFUSED, tenant.domains().join(", ")),
            ));
        }
    }
    let new = users::NewUser {
        login_id: &login,
        given_name: p.given_name.trim(),
        family_name: p.family_name.trim(),
        custom_attributes: &p.custom_attributes,
        status: crate::domain::user::UserStatus::Active,
        invited_by: actor.user_id,
        password_hash: None,
    };
    let id = match users::insert(&mut c, new, now).await {
        Ok(id) => id,
        // A scoped caller is not told whether someone elsewhere has it.
        Err(e) if is_unique_violation(&e) && access.tenant_scope.is_some() => {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::LOGIN_ID_TAKEN,
                "This login ID cannot be used from your tenant",
            ));
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::LOGIN_ID_TAKEN,
                "This login ID already belongs to someone",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if !p.display_name.trim().is_empty() || !p.external_id.trim().is_empty() {
        let external = p.external_id.trim();
        let profile = Profile {
            given_name: p.given_name.trim(),
            family_name: p.family_name.trim(),
            display_name: p.display_name.trim(),
            external_id: (!external.is_empty()).then_some(external),
            custom_attributes: &p.custom_attributes,
        };
        users::update_profile(&mut c, id, &profile, now).await?;
    }
    if let Some(t) = access.tenant_scope {
        users::add_tenant(&mut c, id, t).await?;
    }
    let event = Event::UserCreated {
        login_id: login.to_string(),
        tenant_id: access.tenant_scope,
        origin: UserOrigin::Added { user_id: id },
    };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// The user's current roles and tenants, as [`Memberships`] to edit.
pub async fn memberships_of(state: &AppState, user_id: Uuid) -> anyhow::Result<Memberships> {
    let mut c = state.db.acquire().await?;
    let grants = users::role_grants_of(&mut c.conn(), user_id).await?;
    let tenants = users::tenant_ids_of(&mut c.conn(), user_id).await?;
    Ok(Memberships {
        roles: grants.iter().filter(|(_, t)| t.is_none()).map(|(r, _)| r.clone()).collect(),
        tenants,
        tenant_roles: grants.into_iter().filter_map(|(r, t)| t.map(|t| (t, r))).collect(),
    })
}
