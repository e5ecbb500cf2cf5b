//! Creating, revoking and checking API keys. A key holds one console role,
//! optionally for one tenant, and is held to exactly the rules a person
//! with that role is.

use chrono::Duration;
use rand::RngCore;
use uuid::Uuid;

use super::{FieldError, ServiceError, events::emit, visibility};
use crate::domain::user::UserStatus;
use crate::domain::{
    access::{Access, ConsoleRole},
    actor::Actor,
    event::Event,
    token::{Token, hash_token},
};
use crate::state::AppState;
use crate::store::{api_keys, api_keys::ApiKey, tenants, users};

pub const KEY_START: &str = "usk_";

pub struct NewKeyInput {
    pub name: String,
    pub role: String,
    pub tenant: Option<Uuid>,
    /// Days until it stops working; None: never.
    pub expires_in_days: Option<i64>,
}

/// Create a key; returns it (shown once) and its record id.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    input: NewKeyInput,
) -> Result<(String, Uuid), ServiceError> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "Enter a name of up to 100 characters"));
    }
    if ConsoleRole::parse(&input.role).is_none() {
        errors.push(FieldError::new("role", "Choose admin, secondary_admin or user_invite"));
    } else if !access.can_grant(&input.role) {
        errors.push(FieldError::new("role", format!("You cannot grant the role \"{}\"", input.role)));
    }
    if let Some(days) = input.expires_in_days
        && !(1..=3650).contains(&days)
    {
        errors.push(FieldError {
            field: "expires_in_days",
            code: super::codes::OUT_OF_RANGE,
            message: "Enter a number of days from 1 to 3650, or leave it empty".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let mut prefix_bytes = [0u8; 4];
    rand::rng().fill_bytes(&mut prefix_bytes);
    let prefix: String = prefix_bytes.iter().map(|b| format!("{b:02x}")).collect();
    let key = format!("{KEY_START}{prefix}_{}", Token::generate().as_str());
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    if let Some(t) = input.tenant
        && tenants::find(&mut c, t).await?.is_none()
    {
        return Err(ServiceError::field("tenant", "That tenant does not exist"));
    }
    let new = api_keys::NewKey {
        name,
        prefix: &prefix,
        key_hash: &hash_token(&key),
        role: &input.role,
        tenant_id: input.tenant,
        created_by: actor.user_id,
        expires_at: input.expires_in_days.map(|d| now + Duration::days(d)),
    };
    let id = api_keys::insert(&mut c, &new, now).await?;
    let event = Event::ApiKeyCreated { name: name.into(), tenant_id: input.tenant, prefix, role: input.role.clone() };
    emit(&mut c, actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok((key, id))
}

pub async fn revoke(state: &AppState, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    if !api_keys::revoke(&mut c, id, state.clock.now()).await? {
        return Err(ServiceError::NotFound);
    }
    emit(&mut c, actor, Event::ApiKeyRevoked { key_id: id }, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The key a request presents, if it is one we issued and still usable.
pub async fn authenticate(state: &AppState, presented: &str) -> anyhow::Result<Option<ApiKey>> {
    if !presented.starts_with(KEY_START) || presented.len() > 100 {
        return Ok(None);
    }
    let mut c = state.db.acquire().await?;
    let now = state.clock.now();
    let Some(key) = api_keys::find_by_hash(&mut c.conn(), &hash_token(presented)).await?.filter(|k| k.usable(now))
    else {
        return Ok(None);
    };
    // A key is worth no more than the person who made it: once they are
    // deactivated, deleted or lose the role, their keys stop working.
    // (Keys made on the command line have no creator.)
    if let Some(creator) = key.created_by {
        let active = users::find(&mut c.conn(), creator).await?.is_some_and(|u| u.status == UserStatus::Active);
        if !active || !visibility::access_of(&mut c.conn(), creator).await?.can_grant(&key.role) {
            return Ok(None);
        }
    }
    api_keys::touch(&mut c.conn(), key.id, now).await?;
    Ok(Some(key))
}

/// What a key may do: exactly what a person holding its role may.
pub fn access_of(key: &ApiKey) -> Access {
    Access::from_grants(&[(key.role.clone(), key.tenant_id)])
}

/// How a key appears in the audit log.
pub fn actor_of(key: &ApiKey, ip: String, user_agent: String) -> Actor {
    Actor {
        user_id: None,
        label: format!("api-key:{} ({})", key.name, key.prefix),
        api_key_id: Some(key.id),
        ip,
        user_agent,
    }
}
