//! `/api/v1/tenants` and `/api/v1/roles`: list, create, update, disable
//! (tenants) or delete (roles).

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::{ApiCaller, json_response, parse_json};
use super::problem::ApiError;
use super::{schema, views};
use crate::service::{accounts, catalog};
use crate::state::AppState;
use crate::store::{roles, tenants, tenants::Tenant};

fn tenant_json(t: &Tenant) -> Value {
    json!(views::Tenant::from(t))
}

pub async fn list_tenants(state: web::Data<AppState>, caller: ApiCaller) -> Result<HttpResponse, ApiError> {
    let mut c = state.db.acquire().await?;
    let all = tenants::list(&mut c.conn()).await?;
    let data: Vec<Value> = all.iter().filter(|t| caller.access.covers(&[t.id])).map(tenant_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantIn {
    // More than spaces (names are stored trimmed).
    // Something besides whitespace as Rust's `trim` sees it (Unicode
    // White_Space; `\S` would let U+0085 through).
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    name: String,
    #[schema(pattern = "^[a-z0-9-]{1,50}$")]
    slug: String,
}

pub async fn create_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let t: TenantIn = parse_json(&body)?;
    let id = accounts::create_tenant(&state, &caller.actor, &t.name, &t.slug).await?;
    let tenant = catalog::tenant(&state, id).await?;
    Ok(json_response(StatusCode::CREATED, &tenant_json(&tenant)))
}

/// Fields left out or null stay as they are.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"[^\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    )]
    name: Option<String>,
    disabled: Option<bool>,
    #[schema(schema_with = schema::allowed_domains)]
    allowed_domains: Option<Vec<String>>,
}

pub async fn update_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::not_found())?;
    let patch: TenantPatch = parse_json(&body)?;
    let change = catalog::UpdateTenant {
        name: patch.name,
        disabled: patch.disabled,
        allowed_domains: patch.allowed_domains.as_deref().map(catalog::domain_list).transpose()?,
    };
    let tenant = catalog::update_tenant(&state, &caller.actor, id, change).await?;
    Ok(json_response(StatusCode::OK, &tenant_json(&tenant)))
}

fn role_json(r: &roles::Role) -> Value {
    json!(views::Role::from(r))
}

pub async fn list_roles(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut c = state.db.acquire().await?;
    let data: Vec<Value> = roles::list(&mut c.conn()).await?.iter().map(role_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleIn {
    #[schema(schema_with = schema::role_name)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "project")]
    #[schema(schema_with = schema::role_scope_in)]
    scope: String,
}

fn project() -> String {
    "project".into()
}

pub async fn create_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let r: RoleIn = parse_json(&body)?;
    accounts::create_role(&state, &caller.actor, &r.name, &r.description, &r.scope).await?;
    let role = catalog::role(&state, r.name.trim()).await?;
    Ok(json_response(StatusCode::CREATED, &role_json(&role)))
}

/// Left out or null: unchanged (an empty body changes nothing).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    description: Option<String>,
}

pub async fn update_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    name: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let patch: RolePatch = parse_json(&body)?;
    let role = catalog::update_role(&state, &caller.actor, &name, patch.description).await?;
    Ok(json_response(StatusCode::OK, &role_json(&role)))
}

pub async fn delete_role(
    state: web::Data<AppState>,
    caller: ApiCaller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    accounts::delete_role(&state, &caller.actor, &name).await?;
    Ok(HttpResponse::NoContent().finish())
}
