//! The roles and tenants catalog: read once per request or import, so that
//! checking 10,000 rows does not ask the database 10,000 times; and
//! changing a tenant or a role (adding one is in [`super::accounts`]).

use std::collections::HashMap;

use uuid::Uuid;

use super::{ServiceError, events::emit};
use crate::domain::{actor::Actor, event::Event};
use crate::state::AppState;
use crate::store::{Conn, locks, roles, roles::Role, tenants, tenants::Tenant};

pub struct Catalog {
    pub roles: HashMap<String, Role>,
    pub tenants: HashMap<Uuid, Tenant>,
}

impl Catalog {
    pub async fn load(c: &mut Conn<'_>) -> anyhow::Result<Self> {
        let roles = roles::list(c).await?.into_iter().map(|r| (r.name.clone(), r)).collect();
        let tenants = tenants::list(c).await?.into_iter().map(|t| (t.id, t)).collect();
        Ok(Self { roles, tenants })
    }

    /// A tenant named by id, slug or name (case-insensitive).
    pub fn tenant_by_ref(&self, reference: &str) -> Option<&Tenant> {
        if let Ok(id) = reference.parse::<Uuid>() {
            return self.tenants.get(&id);
        }
        let r = reference.to_lowercase();
        self.tenants
            .values()
            .find(|t| t.slug == r)
            .or_else(|| self.tenants.values().find(|t| t.name.to_lowercase() == r))
    }
}

/// One tenant.
pub async fn tenant(state: &AppState, id: Uuid) -> Result<Tenant, ServiceError> {
    let mut c = state.db.acquire().await?;
    tenants::find(&mut c.conn(), id).await?.ok_or(ServiceError::NotFound)
}

/// One role.
pub async fn role(state: &AppState, name: &str) -> Result<Role, ServiceError> {
    let mut c = state.db.acquire().await?;
    roles::find(&mut c.conn(), name).await?.ok_or(ServiceError::NotFound)
}

/// One email domain as the allow-list keeps it: two or more dot-separated
/// labels of ASCII letters, digits and dashes, at most 253 characters
/// (the API document's pattern says the same).
fn is_domain(d: &str) -> bool {
    d.len() <= 253
        && d.split('.').count() >= 2
        && d.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// The allow-list as the API sends it: one domain per item, exactly (an
/// empty item or one holding several domains is refused, not dropped).
pub fn domain_list(items: &[String]) -> Result<String, ServiceError> {
    if let Some(bad) = items.iter().find(|d| !is_domain(d)) {
        return Err(ServiceError::field("allowed_domains", format!("\"{bad}\" is not a domain like example.com")));
    }
    parse_domains(&items.join(","))
}

/// Normalize an allow-list typed as "example.com, example.org".
pub fn parse_domains(raw: &str) -> Result<String, ServiceError> {
    let mut domains = Vec::new();
    for d in raw
        .split([',', ' ', '\n', ';'])
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .filter(|d| !d.is_empty())
    {
        if !is_domain(&d) {
            return Err(ServiceError::field("allowed_domains", format!("\"{d}\" is not a domain like example.com")));
        }
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    Ok(domains.join(","))
}

/// Change a tenant; a field left out (`None`) stays as it is. The
/// console's form sends every field, the API's PATCH what changes.
#[derive(Debug, Default)]
pub struct UpdateTenant {
    pub name: Option<String>,
    pub disabled: Option<bool>,
    /// The email domains it accepts, as [`parse_domains`] reads them
    /// (empty: any).
    pub allowed_domains: Option<String>,
}

/// Apply `change` to the tenant as it is now (read and written in one
/// transaction holding its row, so two changes at once both stay).
pub async fn update_tenant(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    change: UpdateTenant,
) -> Result<Tenant, ServiceError> {
    if let Some(name) = &change.name {
        check_tenant_name(name)?;
    }
    let domains = change.allowed_domains.as_deref().map(parse_domains).transpose()?;
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    locks::tenant(&mut c, id).await?;
    let before = tenants::find(&mut c, id).await?.ok_or(ServiceError::NotFound)?;
    let name = change.name.as_deref().map_or(before.name.as_str(), str::trim);
    let disabled = change.disabled.unwrap_or(before.disabled);
    let domains = domains.unwrap_or_else(|| before.allowed_domains.clone());
    tenants::update(&mut c, id, name, disabled, &domains).await?;
    let (tenant_id, slug, name, allowed_domains) = (id, before.slug.clone(), name.to_string(), domains.clone());
    let event = match (before.disabled, disabled) {
        (false, true) => Event::TenantDisabled { tenant_id, slug, name, allowed_domains },
        (true, false) => Event::TenantEnabled { tenant_id, slug, name, allowed_domains },
        _ => Event::TenantUpdated { tenant_id, slug, name, allowed_domains },
    };
    emit(&mut c, actor, event, state.clock.now()).await?;
    let after = tenants::find(&mut c, id).await?.ok_or(ServiceError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}

/// A tenant's name: 1 to 100 characters once trimmed.
pub fn check_tenant_name(name: &str) -> Result<(), ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::field("name", "Enter a name of up to 100 characters"));
    }
    Ok(())
}

/// Change a role's description (left out: unchanged); the role as it is
/// afterwards.
pub async fn update_role(
    state: &AppState,
    actor: &Actor,
    name: &str,
    description: Option<String>,
) -> Result<Role, ServiceError> {
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    if let Some(description) = description {
        if !roles::update_description(&mut c, name, description.trim()).await? {
            return Err(ServiceError::NotFound);
        }
        emit(&mut c, actor, Event::RoleUpdated { name: name.to_string(), description }, state.clock.now()).await?;
    }
    let role = roles::find(&mut c, name).await?.ok_or(ServiceError::NotFound)?;
    tx.commit().await?;
    Ok(role)
}
