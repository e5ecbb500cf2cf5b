//! `/api/v1/tenants` and `/api/v1/roles`: list, create, update, disable
//! (tenants) or delete (roles).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::{ApiCaller, json_response, parse_json};
use super::problem::ApiError;
use crate::domain::access::Capability;
use crate::service::{accounts, catalog};
use crate::state::AppState;
use crate::store::{roles, tenants, tenants::Tenant};

fn tenant_json(t: &Tenant) -> Value {
    json!({ "id": t.id, "name": t.name, "slug": t.slug, "disabled": t.disabled, "allowed_domains": t.domains() })
}

pub async fn list_tenants(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ViewPeople, req.path()).await?;
    let mut c = state.db.acquire().await?;
    let all = tenants::list(&mut c.conn()).await?;
    let data: Vec<Value> = all.iter().filter(|t| caller.access.covers(&[t.id])).map(tenant_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantIn {
    name: String,
    slug: String,
}

pub async fn create_tenant(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageSettings, req.path()).await?;
    let t: TenantIn = parse_json(&body)?;
    let id = accounts::create_tenant(&state, &caller.actor, &t.name, &t.slug).await?;
    let tenant = catalog::tenant(&state, id).await?;
    Ok(json_response(StatusCode::CREATED, &tenant_json(&tenant)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    name: Option<String>,
    disabled: Option<bool>,
    allowed_domains: Option<Vec<String>>,
}

pub async fn update_tenant(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageSettings, req.path()).await?;
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
    json!({ "name": r.name, "description": r.description, "console": r.console, "scope": r.scope })
}

pub async fn list_roles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ViewPeople, req.path()).await?;
    let mut c = state.db.acquire().await?;
    let data: Vec<Value> = roles::list(&mut c.conn()).await?.iter().map(role_json).collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleIn {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "project")]
    scope: String,
}

fn project() -> String {
    "project".into()
}

pub async fn create_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageSettings, req.path()).await?;
    let r: RoleIn = parse_json(&body)?;
    accounts::create_role(&state, &caller.actor, &r.name, &r.description, &r.scope).await?;
    let role = catalog::role(&state, r.name.trim()).await?;
    Ok(json_response(StatusCode::CREATED, &role_json(&role)))
}

/// Left out or null: unchanged (an empty body changes nothing).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    description: Option<String>,
}

pub async fn update_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    name: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageSettings, req.path()).await?;
    let patch: RolePatch = parse_json(&body)?;
    let role = catalog::update_role(&state, &caller.actor, &name, patch.description).await?;
    Ok(json_response(StatusCode::OK, &role_json(&role)))
}

pub async fn delete_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageSettings, req.path()).await?;
    accounts::delete_role(&state, &caller.actor, &name).await?;
    Ok(HttpResponse::NoContent().finish())
}
