//! The tenants catalog.

use anyhow::Context;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Conn;
use crate::domain::login_id::LoginId;
use crate::on_conn;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tenant {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub disabled: bool,
    /// Comma-separated email domains; empty means any.
    pub allowed_domains: String,
}

impl Tenant {
    pub fn domains(&self) -> Vec<&str> {
        self.allowed_domains.split(',').map(str::trim).filter(|d| !d.is_empty()).collect()
    }

    /// May this login ID be invited into the tenant?
    pub fn allows(&self, login_id: &LoginId) -> bool {
        let domains = self.domains();
        if domains.is_empty() {
            return true;
        }
        match login_id {
            LoginId::Email(e) => {
                e.rsplit_once('@').is_some_and(|(_, d)| domains.iter().any(|allowed| allowed.eq_ignore_ascii_case(d)))
            }
            LoginId::Phone(_) => false,
        }
    }
}

pub async fn list(c: &mut Conn<'_>) -> anyhow::Result<Vec<Tenant>> {
    let sql = "SELECT id, name, slug, disabled, allowed_domains FROM tenants ORDER BY name";
    on_conn!(c, c => sqlx::query_as(sql).fetch_all(c).await).context("listing tenants")
}

pub async fn find(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Option<Tenant>> {
    let sql = "SELECT id, name, slug, disabled, allowed_domains FROM tenants WHERE id = $1";
    on_conn!(c, c => sqlx::query_as(sql).bind(id).fetch_optional(c).await).context("finding tenant")
}

/// A taken slug is a unique-key violation.
pub async fn insert(c: &mut Conn<'_>, name: &str, slug: &str, now: DateTime<Utc>) -> anyhow::Result<Uuid> {
    let id = Uuid::new_v4();
    let sql = "INSERT INTO tenants (id, name, slug, disabled, created_at) VALUES ($1, $2, $3, FALSE, $4)";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(name).bind(slug).bind(now).execute(c).await.map(|r| r.rows_affected())).context("inserting tenant")?;
    Ok(id)
}

pub async fn update(
    c: &mut Conn<'_>,
    id: Uuid,
    name: &str,
    disabled: bool,
    allowed_domains: &str,
) -> anyhow::Result<bool> {
    let sql = "UPDATE tenants SET name = $1, disabled = $2, allowed_domains = $3 WHERE id = $4";
    let n = on_conn!(c, c => sqlx::query(sql).bind(name).bind(disabled).bind(allowed_domains).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .context("updating tenant")?;
    Ok(n == 1)
}
