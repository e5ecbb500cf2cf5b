//! What accepting an invitation grants: project roles, tenants, and roles
//! held within a tenant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What accepting the invitation grants.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Grants {
    /// Project-level roles.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub tenants: Vec<Uuid>,
    /// Roles held within one tenant.
    #[serde(default)]
    pub tenant_roles: Vec<TenantRole>,
}

/// A role held within one tenant.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TenantRole {
    pub tenant: Uuid,
    pub role: String,
}
