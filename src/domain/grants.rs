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
// The API takes these as they are (`tenant_roles`), hence the schema.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct TenantRole {
    pub tenant: Uuid,
    // The pattern of `web::api::schema::ROLE_NAME` (a test compares them).
    #[schema(pattern = "^[A-Za-z0-9_.:-]{1,60}$")]
    pub role: String,
}
