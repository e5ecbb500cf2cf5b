//! `/api/v1/users`: create without invitation, get, list, update
//! attributes, login IDs, roles and tenants, activate, deactivate, delete,
//! log out everywhere.

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::{ApiCaller, json_response, optional_param, parse_json};
use super::cursor::PageRequest;
use super::problem::ApiError;
use super::{schema, views};
use crate::domain::user::UserStatus;
use crate::service::{accounts, people, tenancy};
use crate::state::AppState;
use crate::store::{user_list, users};

/// The API's view of a user; a tenant-scoped caller sees only their
/// tenant's memberships and roles.
async fn user_json(state: &AppState, access: &crate::domain::access::Access, id: Uuid) -> Result<Value, ApiError> {
    let mut c = state.db.acquire().await?;
    let u = users::find(&mut c.conn(), id).await?.ok_or_else(ApiError::not_found)?;
    let login_ids = users::login_ids_of(&mut c.conn(), id).await?;
    let roles: Vec<views::RoleGrant> = users::role_grants_of(&mut c.conn(), id)
        .await?
        .into_iter()
        .filter(|(_, tenant)| tenant.is_none_or(|t| access.covers(&[t])))
        .map(|(role, tenant_id)| views::RoleGrant { role, tenant_id })
        .collect();
    let tenants: Vec<Uuid> =
        users::tenant_ids_of(&mut c.conn(), id).await?.into_iter().filter(|t| access.covers(&[*t])).collect();
    Ok(json!(views::User {
        id: u.id,
        login_id: u.login_id,
        login_ids,
        given_name: u.given_name,
        family_name: u.family_name,
        display_name: u.display_name,
        external_id: u.external_id,
        custom_attributes: u.custom_attributes,
        status: u.status.as_str(),
        roles,
        tenants,
        created_at: u.created_at,
        last_login_at: u.last_login_at,
    }))
}

/// The user id, if this caller may see the user (another tenant's is 404).
async fn visible(state: &AppState, caller: &ApiCaller, id: &str) -> Result<Uuid, ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::not_found())?;
    let mut c = state.db.acquire().await?;
    users::find(&mut c.conn(), id).await?.ok_or_else(ApiError::not_found)?;
    accounts::ensure_visible(&mut c.conn(), &caller.access, id).await?;
    Ok(id)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    #[schema(schema_with = schema::login_id)]
    login_id: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    given_name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    family_name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    display_name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    external_id: String,
    #[serde(default)]
    #[schema(value_type = Object)]
    custom_attributes: serde_json::Map<String, Value>,
}

pub async fn create(state: web::Data<AppState>, caller: ApiCaller, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let u: UserIn = parse_json(&body)?;
    let person = people::NewPerson {
        login_id: u.login_id,
        given_name: u.given_name,
        family_name: u.family_name,
        display_name: u.display_name,
        external_id: u.external_id,
        custom_attributes: u.custom_attributes,
    };
    let id = people::create_user(&state, &caller.actor, &caller.access, person).await?;
    Ok(json_response(StatusCode::CREATED, &user_json(&state, &caller.access, id).await?))
}

pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    q: Option<String>,
    #[param(schema_with = schema::user_status_filter)]
    status: Option<String>,
    tenant: Option<Uuid>,
    role: Option<String>,
    // Text, so that any value is a 422 naming `limit`.
    #[param(schema_with = schema::page_limit)]
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = optional_param(
        q.status.as_deref(),
        "status",
        UserStatus::parse,
        "invited, invite_expired, active or disabled",
    )?;
    let page = PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    let query = user_list::ListQuery {
        search: q.q.clone().filter(|s| !s.trim().is_empty()),
        status,
        tenant: q.tenant,
        role: q.role.clone().filter(|r| !r.is_empty()),
        scope: caller.access.tenant_scope,
        sort: user_list::Sort::Created,
        offset: 0,
        limit: page.fetch(),
        after: page.after,
    };
    let (mut rows, total) = {
        let mut c = state.db.acquire().await?;
        user_list::list(&mut c.conn(), &query).await?
    };
    let next = page.finish(&mut rows, |u| (u.created_at, u.id));
    let data: Vec<Value> = rows
        .iter()
        .map(|u| json!({ "id": u.id, "login_id": u.login_id, "name": u.name(), "status": u.status, "created_at": u.created_at, "last_login_at": u.last_login_at }))
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data, "total": total, "next_cursor": next })))
}

/// Fields left out or null stay as they are.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The primary login ID: one of the user's login IDs.
    #[schema(schema_with = schema::primary_login_id)]
    login_id: Option<String>,
    #[schema(max_length = 200)]
    given_name: Option<String>,
    #[schema(max_length = 200)]
    family_name: Option<String>,
    #[schema(max_length = 200)]
    display_name: Option<String>,
    #[schema(max_length = 200)]
    external_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    custom_attributes: Option<serde_json::Map<String, Value>>,
}

pub async fn update(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    let patch: UserPatch = parse_json(&body)?;
    let current = {
        let mut c = state.db.acquire().await?;
        users::find(&mut c.conn(), id).await?.ok_or_else(ApiError::not_found)?
    };
    let only_primary = patch.login_id.is_some()
        && patch.given_name.is_none()
        && patch.family_name.is_none()
        && patch.display_name.is_none()
        && patch.external_id.is_none()
        && patch.custom_attributes.is_none();
    if let (true, Some(primary)) = (only_primary, &patch.login_id) {
        people::make_primary(&state, &caller.actor, &caller.access, id, primary).await?;
    } else {
        // One change: the profile and the primary login ID, or neither.
        let input = people::ProfileInput {
            given_name: patch.given_name.unwrap_or(current.given_name),
            family_name: patch.family_name.unwrap_or(current.family_name),
            display_name: patch.display_name.unwrap_or(current.display_name),
            external_id: patch.external_id.unwrap_or(current.external_id.unwrap_or_default()),
            custom_attributes: patch.custom_attributes.unwrap_or(current.custom_attributes),
            primary_login_id: patch.login_id,
        };
        people::update_profile(&state, &caller.actor, &caller.access, id, input).await?;
    }
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIdIn {
    #[schema(schema_with = schema::login_id)]
    login_id: String,
}

pub async fn add_login_id(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    let input: LoginIdIn = parse_json(&body)?;
    people::add_login_id(&state, &caller.actor, &caller.access, id, &input.login_id).await?;
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

pub async fn remove_login_id(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, login_id) = path.into_inner();
    let id = visible(&state, &caller, &id).await?;
    people::remove_login_id(&state, &caller.actor, &caller.access, id, &login_id).await?;
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesIn {
    #[schema(schema_with = schema::role_names)]
    roles: Vec<String>,
}

/// Set the project-level roles (tenant memberships and roles stay).
pub async fn set_roles(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    let input: RolesIn = parse_json(&body)?;
    let mut m = people::memberships_of(&state, id).await?;
    m.roles = input.roles;
    people::set_memberships(&state, &caller.actor, &caller.access, id, m).await?;
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TenantMembershipIn)]
pub struct TenantIn {
    tenant_id: Uuid,
    #[serde(default)]
    #[schema(schema_with = schema::role_names)]
    roles: Vec<String>,
}

/// Add the user to a tenant, with roles held in it.
pub async fn add_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    let input: TenantIn = parse_json(&body)?;
    let mut m = people::memberships_of(&state, id).await?;
    if !m.tenants.contains(&input.tenant_id) {
        m.tenants.push(input.tenant_id);
    }
    m.tenant_roles.retain(|(t, _)| *t != input.tenant_id);
    m.tenant_roles.extend(input.roles.into_iter().map(|r| (input.tenant_id, r)));
    people::set_memberships(&state, &caller.actor, &caller.access, id, m).await?;
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

pub async fn remove_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, tenant) = path.into_inner();
    let tenant: Uuid = tenant.parse().map_err(|_| ApiError::not_found())?;
    let id = visible(&state, &caller, &id).await?;
    tenancy::remove_from_tenant(&state, &caller.actor, &caller.access, id, tenant).await?;
    Ok(json_response(StatusCode::OK, &user_json(&state, &caller.access, id).await?))
}

async fn set_active(state: &AppState, caller: &ApiCaller, id: &str, active: bool) -> Result<HttpResponse, ApiError> {
    let id = visible(state, caller, id).await?;
    accounts::set_active(state, &caller.actor, &caller.access, id, active).await?;
    Ok(json_response(StatusCode::OK, &user_json(state, &caller.access, id).await?))
}

pub async fn activate(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(&state, &caller, &id, true).await
}

pub async fn deactivate(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(&state, &caller, &id, false).await
}

pub async fn delete(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    people::delete_user(&state, &caller.actor, &caller.access, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn log_out(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = visible(&state, &caller, &id).await?;
    let n = people::log_out_everywhere(&state, &caller.actor, &caller.access, id).await?;
    Ok(json_response(StatusCode::OK, &json!({ "sessions_ended": n })))
}
