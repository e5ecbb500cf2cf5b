//! The roles and tenants catalog, read once per request or import, so that
//! checking 10,000 rows does not ask the database 10,000 times.

use std::collections::HashMap;

use uuid::Uuid;

use crate::store::{Conn, roles, roles::Role, tenants, tenants::Tenant};

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
