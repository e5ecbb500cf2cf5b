//! `/api/v1/users`: create without invitation, get, list, update
//! attributes, login IDs, roles and tenants, activate, deactivate, delete,
//! log out everywhere.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::{ApiCaller, json_response, optional_param, parse_json};
use super::invitations::{decode_cursor, encode_cursor, page_limit};
use super::problem::ApiError;
use crate::domain::{
    access::Capability, attributes::CustomAttributes, external_id::ExternalId, person_name::PersonName,
    user::UserStatus,
};
use crate::service::{accounts, people, people::PersonView, tenancy};
use crate::state::AppState;
use crate::store::user_list;
use crate::web::forms::FormErrors;

/// The API's view of a user; a tenant-scoped caller sees only their
/// tenant's memberships and roles.
fn user_json(view: &PersonView) -> Value {
    let u = &view.user;
    let roles: Vec<Value> =
        view.roles.iter().map(|(role, tenant)| json!({ "role": role, "tenant_id": tenant })).collect();
    json!({
        "id": u.id,
        "login_id": u.login_id,
        "login_ids": view.login_ids,
        "given_name": u.given_name,
        "family_name": u.family_name,
        "display_name": u.display_name,
        "external_id": u.external_id,
        "custom_attributes": u.custom_attributes,
        "status": u.status.as_str(),
        "roles": roles,
        "tenants": view.tenants,
        "created_at": u.created_at,
        "last_login_at": u.last_login_at,
    })
}

/// The user as a change this caller just made left them.
async fn current(state: &AppState, caller: &ApiCaller, id: Uuid) -> Result<HttpResponse, ApiError> {
    Ok(json_response(StatusCode::OK, &user_json(&people::view_after_change(state, &caller.access, id).await?)))
}

/// A user id from the path; anything else names no user.
fn user_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    login_id: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    custom_attributes: serde_json::Map<String, Value>,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let u: UserIn = parse_json(&body)?;
    let id = people::create_user(&state, &caller.actor, &caller.access, new_person(u)?).await?;
    let view = people::view_after_change(&state, &caller.access, id).await?;
    Ok(json_response(StatusCode::CREATED, &user_json(&view)))
}

/// The body as the command to add someone.
fn new_person(u: UserIn) -> Result<people::NewPerson, ApiError> {
    let mut errors = FormErrors::default();
    let login_id = errors.login_id("login_id", &u.login_id);
    let mut name = |field, raw: &str| errors.check(field, PersonName::parse(raw)).unwrap_or_default();
    let (given_name, family_name, display_name) =
        (name("given_name", &u.given_name), name("family_name", &u.family_name), name("display_name", &u.display_name));
    let external_id = errors.check("external_id", ExternalId::parse(&u.external_id)).flatten();
    let attributes = CustomAttributes::from_json(u.custom_attributes);
    let custom_attributes = errors.check("custom_attributes", attributes).unwrap_or_default();
    match login_id {
        Some(login_id) if !errors.any() => {
            Ok(people::NewPerson { login_id, given_name, family_name, display_name, external_id, custom_attributes })
        }
        _ => Err(ApiError::invalid(errors.0)),
    }
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ViewPeople, req.path()).await?;
    let view = people::view(&state, &caller.access, user_id(&id)?).await?;
    Ok(json_response(StatusCode::OK, &user_json(&view)))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    tenant: Option<Uuid>,
    role: Option<String>,
    /// Text, so that any value is a 422 naming `limit`.
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ViewPeople, req.path()).await?;
    let status = optional_param(
        q.status.as_deref(),
        "status",
        UserStatus::parse,
        "invited, invite_expired, active or disabled",
    )?;
    let limit = page_limit(q.limit.as_deref())?;
    let query = user_list::ListQuery {
        search: q.q.clone().filter(|s| !s.trim().is_empty()),
        status,
        tenant: q.tenant,
        role: q.role.clone().filter(|r| !r.is_empty()),
        scope: caller.access.tenant_scope,
        sort: user_list::Sort::Created,
        offset: 0,
        limit: limit + 1,
        after: q.cursor.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?,
    };
    let (mut rows, total) = {
        let mut c = state.db.acquire().await?;
        user_list::list(&mut c.conn(), &query).await?
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|u| encode_cursor(u.created_at, u.id)) } else { None };
    let data: Vec<Value> = rows
        .iter()
        .map(|u| json!({ "id": u.id, "login_id": u.login_id, "name": u.name(), "status": u.status, "created_at": u.created_at, "last_login_at": u.last_login_at }))
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data, "total": total, "next_cursor": next })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The primary login ID: one of the user's login IDs.
    login_id: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    external_id: Option<String>,
    custom_attributes: Option<serde_json::Map<String, Value>>,
}

/// Change what the body names; what it leaves out stays. Read and written
/// in one transaction, so two changes at once both count.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let id = user_id(&id)?;
    let patch: UserPatch = parse_json(&body)?;
    people::update_profile(&state, &caller.actor, &caller.access, id, profile_change(patch)?).await?;
    current(&state, &caller, id).await
}

/// The body as the profile change: each field given is checked, each left
/// out (or null) stays as it is.
fn profile_change(patch: UserPatch) -> Result<people::UpdateProfile, ApiError> {
    let mut errors = FormErrors::default();
    let mut name = |field, raw: Option<String>| raw.and_then(|raw| errors.check(field, PersonName::parse(&raw)));
    let change = people::UpdateProfile {
        given_name: name("given_name", patch.given_name),
        family_name: name("family_name", patch.family_name),
        display_name: name("display_name", patch.display_name),
        external_id: patch.external_id.and_then(|raw| errors.check("external_id", ExternalId::parse(&raw))),
        custom_attributes: patch
            .custom_attributes
            .and_then(|map| errors.check("custom_attributes", CustomAttributes::from_json(map))),
        primary_login_id: patch.login_id.and_then(|raw| errors.login_id("login_id", &raw)),
    };
    if errors.any() { Err(ApiError::invalid(errors.0)) } else { Ok(change) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginIdIn {
    login_id: String,
}

pub async fn add_login_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let id = user_id(&id)?;
    let input: LoginIdIn = parse_json(&body)?;
    let mut errors = FormErrors::default();
    let Some(login_id) = errors.login_id("login_id", &input.login_id) else {
        return Err(ApiError::invalid(errors.0));
    };
    people::add_login_id(&state, &caller.actor, &caller.access, id, login_id).await?;
    current(&state, &caller, id).await
}

pub async fn remove_login_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let (id, login_id) = path.into_inner();
    let id = user_id(&id)?;
    people::remove_login_id(&state, &caller.actor, &caller.access, id, &login_id).await?;
    current(&state, &caller, id).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesIn {
    roles: Vec<String>,
}

/// Set the project-level roles (tenant memberships and roles stay).
pub async fn set_roles(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let id = user_id(&id)?;
    let input: RolesIn = parse_json(&body)?;
    let change = people::MembershipChange::ProjectRoles(input.roles);
    people::set_memberships(&state, &caller.actor, &caller.access, id, change).await?;
    current(&state, &caller, id).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantIn {
    tenant_id: Uuid,
    #[serde(default)]
    roles: Vec<String>,
}

/// Add the user to a tenant, with roles held in it.
pub async fn add_tenant(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let id = user_id(&id)?;
    let input: TenantIn = parse_json(&body)?;
    let change = people::MembershipChange::JoinTenant { tenant: input.tenant_id, roles: input.roles };
    people::set_memberships(&state, &caller.actor, &caller.access, id, change).await?;
    current(&state, &caller, id).await
}

pub async fn remove_tenant(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let (id, tenant) = path.into_inner();
    let tenant: Uuid = tenant.parse().map_err(|_| ApiError::not_found())?;
    let id = user_id(&id)?;
    tenancy::remove_from_tenant(&state, &caller.actor, &caller.access, id, tenant).await?;
    current(&state, &caller, id).await
}

async fn set_active(state: &AppState, caller: &ApiCaller, id: &str, active: bool) -> Result<HttpResponse, ApiError> {
    let id = user_id(id)?;
    accounts::set_active(state, &caller.actor, &caller.access, id, active).await?;
    current(state, caller, id).await
}

pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    set_active(&state, &caller, &id, true).await
}

pub async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    set_active(&state, &caller, &id, false).await
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let id = user_id(&id)?;
    people::delete_user(&state, &caller.actor, &caller.access, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn log_out(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ManageUsers, req.path()).await?;
    let id = user_id(&id)?;
    let n = people::log_out_everywhere(&state, &caller.actor, &caller.access, id).await?;
    Ok(json_response(StatusCode::OK, &json!({ "sessions_ended": n })))
}
