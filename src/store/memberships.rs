//! What a user belongs to: roles (project-wide or within a tenant) and
//! tenant memberships. Re-exported from `users`, where callers find them.

use anyhow::Context;
use uuid::Uuid;

use super::Conn;
use super::users::PROJECT_SCOPE;
use crate::on_conn;

/// Every role name the user holds, in any scope.
pub async fn roles_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<String>> {
    let sql = "SELECT DISTINCT role FROM user_roles WHERE user_id = $1 ORDER BY role";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await).context("reading user roles")
}

/// Grant a role (project-wide with `tenant = None`); granting twice is a no-op.
pub async fn grant_role(c: &mut Conn<'_>, id: Uuid, role: &str, tenant: Option<Uuid>) -> anyhow::Result<()> {
    let sql = "INSERT INTO user_roles (user_id, role, tenant_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(role).bind(tenant.unwrap_or(PROJECT_SCOPE)).execute(c).await.map(|r| r.rows_affected()))
        .context("granting role")?;
    Ok(())
}

pub async fn add_tenant(c: &mut Conn<'_>, id: Uuid, tenant: Uuid) -> anyhow::Result<()> {
    let sql = "INSERT INTO user_tenants (user_id, tenant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(tenant).execute(c).await.map(|r| r.rows_affected()))
        .context("adding tenant")?;
    Ok(())
}

pub async fn tenant_names_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<String>> {
    let sql = "SELECT t.name FROM user_tenants ut JOIN tenants t ON t.id = ut.tenant_id WHERE ut.user_id = $1 ORDER BY t.name";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await).context("reading user tenants")
}

/// Every role assignment: (role, tenant or None for project-wide).
pub async fn role_grants_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<(String, Option<Uuid>)>> {
    let sql = "SELECT role, tenant_id FROM user_roles WHERE user_id = $1 ORDER BY role";
    let rows: Vec<(String, Uuid)> =
        on_conn!(c, c => sqlx::query_as(sql).bind(id).fetch_all(c).await).context("reading role grants")?;
    Ok(rows.into_iter().map(|(r, t)| (r, (t != PROJECT_SCOPE).then_some(t))).collect())
}

pub async fn revoke_role(c: &mut Conn<'_>, id: Uuid, role: &str, tenant: Option<Uuid>) -> anyhow::Result<()> {
    let sql = "DELETE FROM user_roles WHERE user_id = $1 AND role = $2 AND tenant_id = $3";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(role).bind(tenant.unwrap_or(PROJECT_SCOPE)).execute(c).await.map(|r| r.rows_affected()))
        .context("revoking role")?;
    Ok(())
}

pub async fn tenant_ids_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let sql = "SELECT tenant_id FROM user_tenants WHERE user_id = $1";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await).context("reading user tenants")
}

/// Leave a tenant, with the roles held in it.
pub async fn remove_tenant(c: &mut Conn<'_>, id: Uuid, tenant: Uuid) -> anyhow::Result<()> {
    let sql = "DELETE FROM user_tenants WHERE user_id = $1 AND tenant_id = $2";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(tenant).execute(c).await.map(|r| r.rows_affected()))
        .context("removing tenant")?;
    let sql = "DELETE FROM user_roles WHERE user_id = $1 AND tenant_id = $2";
    on_conn!(c, c => sqlx::query(sql).bind(id).bind(tenant).execute(c).await.map(|r| r.rows_affected()))
        .context("removing tenant roles")?;
    Ok(())
}

/// Is the user in `tenant`: a member, or invited into it?
pub async fn belongs_to_tenant(c: &mut Conn<'_>, id: Uuid, tenant: Uuid) -> anyhow::Result<bool> {
    let sql = "SELECT COUNT(*) FROM users u WHERE u.id = $1 AND (
                   EXISTS (SELECT 1 FROM user_tenants ut WHERE ut.user_id = u.id AND ut.tenant_id = $2)
                   OR EXISTS (SELECT 1 FROM invitations iv WHERE iv.user_id = u.id AND iv.tenant_id = $2
                              AND iv.status IN ('pending', 'expired')))";
    let n: i64 = on_conn!(c, c => sqlx::query_scalar(sql).bind(id).bind(tenant).fetch_one(c).await)
        .context("checking tenant")?;
    Ok(n > 0)
}

/// Every tenant the user belongs to: memberships, and tenants they have a
/// live invitation into (as [`belongs_to_tenant`] counts them).
pub async fn tenants_of(c: &mut Conn<'_>, id: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let sql = "SELECT tenant_id FROM user_tenants WHERE user_id = $1
               UNION SELECT tenant_id FROM invitations
                     WHERE user_id = $1 AND tenant_id IS NOT NULL AND status IN ('pending', 'expired')";
    on_conn!(c, c => sqlx::query_scalar(sql).bind(id).fetch_all(c).await).context("reading the tenants of a user")
}
