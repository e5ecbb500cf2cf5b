//! First-run setup, console sign-in, user activation, settings, and adding
//! tenants and roles (changing them is in [`super::catalog`]).

use uuid::Uuid;

use super::{FieldError, ServiceError, events::emit};
// The lookups live below this module (so `invitations` can use them
// without importing this one); re-exported for the pages that use them.
pub use super::visibility::{access_of, ensure_visible, person_of};
use crate::domain::{
    access::{Access, Change, Person},
    actor::Actor,
    event::{Event, UserOrigin},
    login_id::LoginId,
    password,
    person_name::PersonName,
    token::{Token, hash_token, looks_like_token},
    user::UserStatus,
};
use crate::state::AppState;
use crate::store::{
    Conn, Tx, is_unique_violation, locks, roles, secrets, sessions, settings, tenants, users, users::User,
};

/// When no admin exists, make a one-time setup link (replacing any older
/// one) and return it.
pub async fn setup_link_if_needed(state: &AppState) -> anyhow::Result<Option<String>> {
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    if users::admin_exists(&mut c).await? {
        return Ok(None);
    }
    let token = Token::generate();
    // Its own row: instances starting together each print a link that works.
    let name = format!("{}{}", secrets::SETUP_TOKEN_PREFIX, token.hash());
    secrets::set(&mut c, &name, "").await?;
    tx.commit().await?;
    Ok(Some(format!("{}/setup/{}", state.config.base_url, token.as_str())))
}

async fn setup_token_matches(c: &mut Conn<'_>, raw: &str) -> anyhow::Result<bool> {
    if !looks_like_token(raw) {
        return Ok(false);
    }
    // Looked up by the token's SHA-256: a timing difference reveals nothing
    // about a 256-bit secret.
    let name = format!("{}{}", secrets::SETUP_TOKEN_PREFIX, hash_token(raw));
    Ok(secrets::get(c, &name).await?.is_some() && !users::admin_exists(c).await?)
}

pub async fn setup_link_is_valid(state: &AppState, raw: &str) -> anyhow::Result<bool> {
    let mut c = state.db.acquire().await?;
    setup_token_matches(&mut c.conn(), raw).await
}

pub struct NewAdmin {
    pub email: String,
    pub name: String,
    pub password: String,
    pub password_confirm: String,
}

/// The admin's login ID and (given, family) name, or what is wrong.
fn check_new_admin(form: &NewAdmin) -> Result<(LoginId, PersonName, PersonName), ServiceError> {
    let mut errors = Vec::new();
    let (given, family) = form.name.trim().split_once(' ').unwrap_or((form.name.trim(), ""));
    let names = PersonName::parse(given).and_then(|g| Ok((g, PersonName::parse(family)?)));
    if let Err(m) = &names {
        errors.push(FieldError::new("name", m));
    }
    let login = match LoginId::parse(&form.email) {
        Ok(l @ LoginId::Email(_)) => Some(l),
        Ok(LoginId::Phone(_)) => {
            errors.push(FieldError::new("email", "Enter an email address"));
            None
        }
        Err(m) => {
            errors.push(FieldError::new("email", m));
            None
        }
    };
    if let Err(m) = password::check_strength(&form.password, &form.email) {
        errors.push(FieldError::new("password", m));
    } else if form.password != form.password_confirm {
        errors.push(FieldError::new("password_confirm", "The passwords do not match"));
    }
    match (login, names) {
        (Some(l), Ok((given, family))) if errors.is_empty() => Ok((l, given, family)),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Create an active admin. With `setup_token`, the first-run link must
/// still be valid and dies with this call.
pub async fn create_admin(
    state: &AppState,
    form: NewAdmin,
    setup_token: Option<&str>,
    actor: &Actor,
) -> Result<Uuid, ServiceError> {
    let (login, given, family) = check_new_admin(&form)?;
    let pw = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await.map_err(anyhow::Error::from)??;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    if let Some(raw) = setup_token {
        if !setup_token_matches(&mut c, raw).await? {
            return Err(ServiceError::Refused("This setup link has already been used.".into()));
        }
        secrets::delete_prefixed(&mut c, secrets::SETUP_TOKEN_PREFIX).await?;
    }
    let new = users::NewUser {
        login_id: &login,
        given_name: given.as_str(),
        family_name: family.as_str(),
        custom_attributes: &Default::default(),
        status: UserStatus::Active,
        invited_by: None,
        password_hash: Some(&hash),
    };
    let id = match users::insert(&mut c, new, now).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::field_code(
                "email",
                super::codes::LOGIN_ID_TAKEN,
                "A user with this email address already exists",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    users::grant_role(&mut c, id, "admin", None).await?;
    let created = Event::UserCreated { login_id: login.as_str().into(), tenant_id: None, origin: UserOrigin::Admin };
    emit(&mut c, actor, created, state.clock.now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// The same message whether the account is missing, disabled or the
/// password is wrong: sign-in never tells whether an account exists.
pub const BAD_LOGIN: &str = "The email address or password is incorrect";

pub async fn login(state: &AppState, email: &str, password_given: &str, actor: &Actor) -> Result<User, ServiceError> {
    let login = LoginId::parse(email).map(|l| l.as_str().to_string()).unwrap_or_default();
    let user = {
        let mut c = state.db.acquire().await?;
        users::find_by_login_id(&mut c.conn(), &login).await?
    };
    let stored =
        user.as_ref().and_then(|u| u.password_hash.clone()).unwrap_or_else(|| password::dummy_hash().to_string());
    let given = password_given.to_string();
    let ok =
        tokio::task::spawn_blocking(move || password::verify(&given, &stored)).await.map_err(anyhow::Error::from)?;
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let result = match user {
        Some(u) if ok && u.status == UserStatus::Active => {
            users::touch_login(&mut c, u.id, state.clock.now()).await?;
            let who = Actor { user_id: Some(u.id), label: u.login_id.clone(), ..actor.clone() };
            emit(&mut c, &who, Event::SessionLogin { login_id: u.login_id.clone() }, state.clock.now()).await?;
            Ok(u)
        }
        _ => {
            emit(&mut c, actor, Event::SessionLoginFailed { login_id: login }, state.clock.now()).await?;
            Err(ServiceError::Refused(BAD_LOGIN.into()))
        }
    };
    tx.commit().await?;
    result
}

/// Start the transaction of a `change` to a person, with the person, once
/// [`Access::may_change`] allows it. Every path that edits, activates,
/// deactivates, deletes or signs someone out begins here. A refusal is
/// recorded in the audit log (nothing else has been written yet).
pub async fn begin_change(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    change: Change,
) -> Result<(Tx, User, Person), ServiceError> {
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    // Held until the change commits: what is read below is what it changes.
    locks::user(&mut c, user_id).await?;
    ensure_visible(&mut c, access, user_id).await?;
    let user = users::find(&mut c, user_id).await?.ok_or(ServiceError::NotFound)?;
    let person = person_of(&mut c, user_id).await?;
    if let Err(denied) = access.may_change(&person, change) {
        let event = Event::AccessDenied {
            target: user.login_id.clone(),
            tenant_id: access.tenant_scope,
            capability: "manage_users".into(),
            scope: None,
            refused: Some(denied.what().into()),
        };
        emit(&mut c, actor, event, state.clock.now()).await?;
        tx.commit().await?;
        return Err(ServiceError::Forbidden(denied.what().into()));
    }
    Ok((tx, user, person))
}

/// Deactivate (`active = false`) or activate a user. Activating someone
/// still invited does what accepting would: every pending invitation and
/// link of theirs dies. The audit entry names every tenant the person
/// belongs to, so each tenant's scoped viewers see it.
pub async fn set_active(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    user_id: Uuid,
    active: bool,
) -> Result<(), ServiceError> {
    let now = state.clock.now();
    let (mut tx, user, person) = begin_change(state, actor, access, user_id, Change::Account).await?;
    let mut c = tx.conn();
    if actor.user_id == Some(user_id) && !active {
        return Err(ServiceError::Refused("You cannot deactivate yourself.".into()));
    }
    let status = if active { UserStatus::Active } else { UserStatus::Disabled };
    if user.status == status {
        return Err(ServiceError::Refused(format!("{} is already {}.", user.login_id, status.label().to_lowercase())));
    }
    users::set_status(&mut c, user_id, status, now).await?;
    // Either way, no invitation of theirs may still be used: activating is
    // what accepting would do, and a deactivated invitee must not register.
    crate::service::invitations::expire_others_of(&mut c, user_id, None, now).await?;
    if !active {
        sessions::delete_for_user(&mut c, user_id).await?;
    }
    let (login_id, tenants) = (user.login_id, person.tenants);
    let event = if active {
        Event::UserActivated { login_id, tenants, via_invitation: false }
    } else {
        Event::UserDeactivated { login_id, tenants }
    };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Save settings; the link lifetime may not exceed the invitation lifetime.
pub async fn update_settings(
    state: &AppState,
    actor: &Actor,
    new: settings::AccountSettings,
) -> Result<(), ServiceError> {
    if new.link_lifetime > new.invitation_lifetime {
        return Err(ServiceError::field(
            "link_lifetime",
            "The link lifetime cannot be longer than the invitation lifetime",
        ));
    }
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    settings::update(&mut c, &new).await?;
    let event = Event::SettingsUpdated {
        account_name: new.account_name.clone(),
        invitation_lifetime_secs: new.invitation_lifetime.num_seconds(),
        link_lifetime_secs: new.link_lifetime.num_seconds(),
        resend_cooldown_secs: new.resend_cooldown.num_seconds(),
    };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_tenant(state: &AppState, actor: &Actor, name: &str, slug: &str) -> Result<Uuid, ServiceError> {
    let name = name.trim();
    let slug = slug.trim().to_lowercase();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "Enter a name of up to 100 characters"));
    }
    let slug_ok = !slug.is_empty()
        && slug.len() <= 50
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        errors.push(FieldError::new("slug", "Use lowercase letters, digits and dashes (up to 50)"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let id = match tenants::insert(&mut c, name, &slug, state.clock.now()).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::field_code(
                "slug",
                super::codes::TENANT_SLUG_TAKEN,
                "Another tenant already uses this slug",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    emit(&mut c, actor, Event::TenantCreated { tenant_id: id, slug, name: name.into() }, state.clock.now()).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn create_role(
    state: &AppState,
    actor: &Actor,
    name: &str,
    description: &str,
    scope: &str,
) -> Result<(), ServiceError> {
    if !matches!(scope, "project" | "tenant") {
        return Err(ServiceError::field("scope", "Choose project or tenant"));
    }
    let name = name.trim();
    let ok = !name.is_empty()
        && name.len() <= 60
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if !ok {
        return Err(ServiceError::field("name", "Use letters, digits, - _ . : (up to 60)"));
    }
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    match roles::insert(&mut c, name, description.trim(), scope, state.clock.now()).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::field_code(
                "name",
                super::codes::ROLE_NAME_TAKEN,
                "A role with this name already exists",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let event = Event::RoleCreated { name: name.into(), description: description.into(), scope: scope.into() };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_role(state: &AppState, actor: &Actor, name: &str) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    match roles::find(&mut c, name).await? {
        None => return Err(ServiceError::NotFound),
        Some(r) if r.console => {
            return Err(ServiceError::Refused("The console roles are built in and cannot be deleted.".into()));
        }
        Some(_) => {}
    }
    roles::delete(&mut c, name).await?;
    emit(&mut c, actor, Event::RoleDeleted { name: name.into() }, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}
