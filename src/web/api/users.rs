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
use crate::domain::{attributes::CustomAttributes, external_id::ExternalId, person_name::PersonName, user::UserStatus};
use crate::service::{accounts, people, people::PersonView, tenancy, visibility};
use crate::state::AppState;
use crate::store::user_list;
use crate::web::forms::FormErrors;

/// The API's view of a user; a tenant-scoped caller sees only their
/// tenant's memberships and roles.
fn user_json(view: &PersonView) -> Value {
    let u = &view.user;
    let roles: Vec<views::RoleGrant> = view
        .roles
        .iter()
        .map(|(role, tenant_id)| views::RoleGrant { role: role.clone(), tenant_id: *tenant_id })
        .collect();
    json!(views::User {
        id: u.id,
        login_id: u.login_id.clone(),
        login_ids: view.login_ids.clone(),
        given_name: u.given_name.clone(),
        family_name: u.family_name.clone(),
        display_name: u.display_name.clone(),
        external_id: u.external_id.clone(),
        custom_attributes: u.custom_attributes.clone(),
        status: u.status.as_str(),
        roles,
        tenants: view.tenants.clone(),
        created_at: u.created_at,
        last_login_at: u.last_login_at,
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

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    #[schema(schema_with = schema::login_id)]
    login_id: String,
    #[serde(default)]
    #[schema(schema_with = schema::profile_text)]
    given_name: String,
    #[serde(default)]
    #[schema(schema_with = schema::profile_text)]
    family_name: String,
    #[serde(default)]
    #[schema(schema_with = schema::profile_text)]
    display_name: String,
    #[serde(default)]
    #[schema(schema_with = schema::profile_text)]
    external_id: String,
    #[serde(default)]
    #[schema(schema_with = schema::custom_attributes)]
    custom_attributes: serde_json::Map<String, Value>,
}

pub async fn create(state: web::Data<AppState>, caller: ApiCaller, body: web::Bytes) -> Result<HttpResponse, ApiError> {
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
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = people::view(&state, &caller.access, user_id(&id)?).await?;
    Ok(json_response(StatusCode::OK, &user_json(&view)))
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
    #[schema(schema_with = schema::optional_profile_text)]
    given_name: Option<String>,
    #[schema(schema_with = schema::optional_profile_text)]
    family_name: Option<String>,
    #[schema(schema_with = schema::optional_profile_text)]
    display_name: Option<String>,
    #[schema(schema_with = schema::optional_profile_text)]
    external_id: Option<String>,
    #[schema(schema_with = schema::optional_custom_attributes)]
    custom_attributes: Option<serde_json::Map<String, Value>>,
}

/// Change what the body names; what it leaves out stays. Read and written
/// in one transaction, so two changes at once both count.
pub async fn update(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    // Another tenant's person is "not found" before the body is looked at.
    visibility::check_visible(&state, &caller.access, id).await?;
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
    let id = user_id(&id)?;
    visibility::check_visible(&state, &caller.access, id).await?;
    let input: LoginIdIn = parse_json(&body)?;
    let mut errors = FormErrors::default();
    let Some(login_id) = errors.login_id("login_id", &input.login_id) else {
        return Err(ApiError::invalid(errors.0));
    };
    people::add_login_id(&state, &caller.actor, &caller.access, id, login_id).await?;
    current(&state, &caller, id).await
}

pub async fn remove_login_id(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, login_id) = path.into_inner();
    let id = user_id(&id)?;
    people::remove_login_id(&state, &caller.actor, &caller.access, id, &login_id).await?;
    current(&state, &caller, id).await
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
    let id = user_id(&id)?;
    visibility::check_visible(&state, &caller.access, id).await?;
    let input: RolesIn = parse_json(&body)?;
    let change = people::MembershipChange::ProjectRoles(input.roles);
    people::set_memberships(&state, &caller.actor, &caller.access, id, change).await?;
    current(&state, &caller, id).await
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
    let id = user_id(&id)?;
    visibility::check_visible(&state, &caller.access, id).await?;
    let input: TenantIn = parse_json(&body)?;
    let change = people::MembershipChange::JoinTenant { tenant: input.tenant_id, roles: input.roles };
    people::set_memberships(&state, &caller.actor, &caller.access, id, change).await?;
    current(&state, &caller, id).await
}

pub async fn remove_tenant(
    state: web::Data<AppState>,
    caller: ApiCaller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
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
    let id = user_id(&id)?;
    people::delete_user(&state, &caller.actor, &caller.access, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn log_out(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = user_id(&id)?;
    let n = people::log_out_everywhere(&state, &caller.actor, &caller.access, id).await?;
    Ok(json_response(StatusCode::OK, &json!({ "sessions_ended": n })))
}
