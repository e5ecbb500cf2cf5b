//! The JSON management API under `/api/v1`, authenticated with API keys.
//! [`ROUTES`] is the one list of endpoints: the router is built from it
//! and so is the OpenAPI document, so neither can miss one. Each entry
//! declares the capability and tenant scope it needs, and [`route`] puts
//! it behind [`caller::guard_layer`] with them, so no handler checks.

mod caller;
mod catalog;
mod cursor;
mod invitations;
mod openapi;
pub mod problem;
mod schema;
mod users;
mod views;

use actix_web::{HttpResponse, Route, middleware::from_fn, web};

use crate::domain::access::{Capability, Scope};

pub use openapi::document;

/// One endpoint: how it is routed and how it is documented.
pub struct ApiRoute {
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// The capability the key's role needs; [`caller::guard_layer`]
    /// refuses the call without it (403).
    pub needs: Capability,
    /// How a tenant-scoped key is treated ([`Scope::Project`]: refused).
    pub scope: Scope,
    pub request: Option<&'static str>,
    pub response: Option<&'static str>,
    pub status: u16,
}

macro_rules! routes {
    ($($id:literal $method:literal $path:literal $needs:ident $scope:ident $req:expr, $resp:expr, $status:literal => $summary:literal;)*) => {
        pub const ROUTES: &[ApiRoute] = &[
            $(ApiRoute { id: $id, method: $method, path: $path, summary: $summary, needs: Capability::$needs, scope: Scope::$scope, request: $req, response: $resp, status: $status },)*
        ];
    };
}

routes! {
    "create_invitation" "POST" "/api/v1/invitations" Invite Tenant Some("InvitationIn"), Some("Invitation"), 201 => "Create (and by default send) an invitation";
    "create_invitation_batch" "POST" "/api/v1/invitations/batch" Invite Tenant Some("InvitationBatchIn"), Some("InvitationBatchResult"), 200 => "Create up to 1,000 invitations, each with its own result";
    "list_invitations" "GET" "/api/v1/invitations" ViewPeople Tenant None, Some("InvitationPage"), 200 => "List and search invitations, newest first (cursor pagination)";
    "get_invitation" "GET" "/api/v1/invitations/{id}" ViewPeople Tenant None, Some("Invitation"), 200 => "Get one invitation";
    "resend_invitation" "POST" "/api/v1/invitations/{id}/resend" Invite Tenant None, Some("Invitation"), 200 => "Resend: fresh link, old links dead, expiry restarted";
    "revoke_invitation" "POST" "/api/v1/invitations/{id}/revoke" Invite Tenant None, Some("Invitation"), 200 => "Revoke an invitation";
    "issue_invitation_link" "POST" "/api/v1/invitations/{id}/link" Invite Tenant None, Some("Invitation"), 200 => "Get a fresh link (returned once, not sent): old links dead, expiry restarted";
    "create_user" "POST" "/api/v1/users" ManageUsers Tenant Some("UserIn"), Some("User"), 201 => "Create an active user without an invitation";
    "list_users" "GET" "/api/v1/users" ViewPeople Tenant None, Some("UserPage"), 200 => "List and search users, newest first (cursor pagination)";
    "get_user" "GET" "/api/v1/users/{id}" ViewPeople Tenant None, Some("User"), 200 => "Get one user";
    "update_user" "PATCH" "/api/v1/users/{id}" ManageUsers Tenant Some("UserPatch"), Some("User"), 200 => "Update names, external ID and custom attributes";
    "delete_user" "DELETE" "/api/v1/users/{id}" ManageUsers Tenant None, None, 204 => "Delete a user, their sessions and invitations";
    "add_login_id" "POST" "/api/v1/users/{id}/login-ids" ManageUsers Tenant Some("LoginIdIn"), Some("User"), 200 => "Add a login ID (unique across users)";
    "remove_login_id" "DELETE" "/api/v1/users/{id}/login-ids/{login_id}" ManageUsers Tenant None, Some("User"), 200 => "Remove a login ID (not the last one)";
    "set_roles" "PUT" "/api/v1/users/{id}/roles" ManageUsers Tenant Some("RolesIn"), Some("User"), 200 => "Set the project-level roles";
    "add_tenant" "POST" "/api/v1/users/{id}/tenants" ManageUsers Tenant Some("TenantMembershipIn"), Some("User"), 200 => "Add to a tenant, with roles held in it";
    "remove_tenant" "DELETE" "/api/v1/users/{id}/tenants/{tenant_id}" ManageUsers Tenant None, Some("User"), 200 => "Remove from a tenant and its roles";
    "activate_user" "POST" "/api/v1/users/{id}/activate" ManageUsers Tenant None, Some("User"), 200 => "Activate (pending invitations expire)";
    "deactivate_user" "POST" "/api/v1/users/{id}/deactivate" ManageUsers Tenant None, Some("User"), 200 => "Deactivate (sessions end, links die)";
    "log_out_user" "POST" "/api/v1/users/{id}/logout" ManageUsers Tenant None, Some("SessionsEnded"), 200 => "End all of a user's sessions";
    "list_tenants" "GET" "/api/v1/tenants" ViewPeople Tenant None, Some("TenantList"), 200 => "List tenants";
    "create_tenant" "POST" "/api/v1/tenants" ManageSettings Project Some("TenantIn"), Some("Tenant"), 201 => "Create a tenant";
    "update_tenant" "PATCH" "/api/v1/tenants/{id}" ManageSettings Project Some("TenantPatch"), Some("Tenant"), 200 => "Rename, disable or set the email-domain allow-list";
    "list_roles" "GET" "/api/v1/roles" ViewPeople Shared None, Some("RoleList"), 200 => "List the roles catalog";
    "create_role" "POST" "/api/v1/roles" ManageSettings Project Some("RoleIn"), Some("Role"), 201 => "Create a project or tenant role";
    "update_role" "PATCH" "/api/v1/roles/{name}" ManageSettings Project Some("RolePatch"), Some("Role"), 200 => "Change a role's description";
    "delete_role" "DELETE" "/api/v1/roles/{name}" ManageSettings Project None, None, 204 => "Delete a catalog role (not a console role)";
}

/// The route for one entry of the table: its handler behind the guard
/// that checks the key and what the entry needs ([`caller::guard_layer`]),
/// and for every POST the idempotency layer outside it
/// ([`caller::idempotency_layer`], which keeps a refusal like any 4xx),
/// here and nowhere else, so no route can be added without them.
fn route(r: &'static ApiRoute) -> Route {
    let route = handler(r).wrap(from_fn(move |req, next| caller::guard_layer(r.needs, r.scope, req, next)));
    if r.method == "POST" { route.wrap(from_fn(caller::idempotency_layer)) } else { route }
}

fn handler(r: &ApiRoute) -> Route {
    let route = match r.method {
        "GET" => web::get(),
        "POST" => web::post(),
        "PUT" => web::put(),
        "PATCH" => web::patch(),
        "DELETE" => web::delete(),
        other => panic!("unsupported method {other} for {}", r.id),
    };
    match r.id {
        "create_invitation" => route.to(invitations::create),
        "create_invitation_batch" => route.to(invitations::create_batch),
        "list_invitations" => route.to(invitations::list),
        "get_invitation" => route.to(invitations::get),
        "resend_invitation" => route.to(invitations::resend),
        "revoke_invitation" => route.to(invitations::revoke),
        "issue_invitation_link" => route.to(invitations::issue_link),
        "create_user" => route.to(users::create),
        "list_users" => route.to(users::list),
        "get_user" => route.to(users::get),
        "update_user" => route.to(users::update),
        "delete_user" => route.to(users::delete),
        "add_login_id" => route.to(users::add_login_id),
        "remove_login_id" => route.to(users::remove_login_id),
        "set_roles" => route.to(users::set_roles),
        "add_tenant" => route.to(users::add_tenant),
        "remove_tenant" => route.to(users::remove_tenant),
        "activate_user" => route.to(users::activate),
        "deactivate_user" => route.to(users::deactivate),
        "log_out_user" => route.to(users::log_out),
        "list_tenants" => route.to(catalog::list_tenants),
        "create_tenant" => route.to(catalog::create_tenant),
        "update_tenant" => route.to(catalog::update_tenant),
        "list_roles" => route.to(catalog::list_roles),
        "create_role" => route.to(catalog::create_role),
        "update_role" => route.to(catalog::update_role),
        "delete_role" => route.to(catalog::delete_role),
        other => panic!("API route {other} has no handler"),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Paths with a literal segment first, so `/invitations/batch` is not
    // taken for `/invitations/{id}`.
    let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
    paths.sort_by_key(|p| p.matches('{').count());
    paths.dedup();
    for path in paths {
        let allow = ROUTES.iter().filter(|r| r.path == path).map(|r| r.method).collect::<Vec<_>>().join(", ");
        let mut resource = web::resource(path).default_service(web::to(move || {
            let allow = allow.clone();
            async move {
                let mut response = actix_web::ResponseError::error_response(&problem::ApiError::new(
                    actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                    "method-not-allowed",
                    "Method not allowed",
                    format!("This path accepts {allow}."),
                ));
                if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
                    response.headers_mut().insert(actix_web::http::header::ALLOW, value);
                }
                response
            }
        }));
        for r in ROUTES.iter().filter(|r| r.path == path) {
            resource = resource.route(route(r));
        }
        cfg.service(resource);
    }
}

/// `GET /api/openapi.json` (public; in the console route table).
pub async fn openapi_json(state: web::Data<crate::state::AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document(&state.config.base_url).to_string())
}
