//! The console's route table: every page and form outside the JSON API,
//! each with the [`Rule`] that lets a request in (a capability and the
//! tenant scope it applies in, or an explicit `Public` or `SignedIn`).
//! [`routes`] registers these entries and nothing else, each behind
//! [`guard::guarded`], so no page can be added without saying who may use
//! it. The API's table is `api::ROUTES`.

use actix_web::{Route, web};

use super::guard::{self, Rule, Rule::*};
use super::{admin, api, auth, error::see_other, health, invitee, statics};
use crate::domain::access::{Capability, Capability::*, Scope::*};

/// One console route: how it is matched and who may use it.
pub struct ConsoleRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub rule: Rule,
}

/// The bulk bar of the users table: what each of its buttons needs.
pub const BULK_USER_ACTIONS: &[(&str, Capability)] =
    &[("resend", Invite), ("revoke", Invite), ("deactivate", ManageUsers), ("delete", ManageUsers)];

macro_rules! console_routes {
    ($($method:literal $path:literal $rule:expr => $handler:expr;)*) => {
        /// Every console route, in the order they are matched.
        pub const ROUTES: &[ConsoleRoute] = &[$(ConsoleRoute { method: $method, path: $path, rule: $rule },)*];

        /// Register every entry of [`ROUTES`] with its handler, behind its rule.
        pub fn routes(cfg: &mut web::ServiceConfig) {
            let mut table = ROUTES.iter();
            $(
                let r = table.next().expect("one table entry per handler");
                cfg.route(r.path, guard::guarded(r.rule, method(r).to($handler)));
            )*
        }
    };
}

console_routes! {
    "GET" "/" Public => auth::home;
    "GET" "/healthz" Public => health::healthz;
    "GET" "/readyz" Public => health::readyz;
    // Its own bearer token (USHER_METRICS_TOKEN), or off.
    "GET" "/metrics" Public => health::metrics;
    "GET" "/static/{file}" Public => statics::serve;
    "GET" "/api/openapi.json" Public => api::openapi_json;
    "GET" "/setup/{token}" Public => auth::setup::setup_form;
    "POST" "/setup/{token}" Public => auth::setup::create_first_admin;
    "GET" "/login" Public => auth::login::login_form;
    "POST" "/login" Public => auth::login::log_in;
    "POST" "/logout" Public => auth::login::log_out;
    "GET" "/invite/{token}" Public => invitee::registration_form;
    "POST" "/invite/{token}" Public => invitee::register;
    "POST" "/invite/{token}/decline" Public => invitee::decline;
    "POST" "/invite/{token}/refresh" Public => invitee::request_fresh_link;
    "GET" "/welcome" Public => invitee::welcome;
    "GET" "/admin" SignedIn => || async { see_other("/admin/users") };
    "GET" "/admin/users" Needs(ViewPeople, Tenant) => admin::users::list_users;
    "POST" "/admin/users/bulk" Action { field: "action", actions: BULK_USER_ACTIONS, scope: Tenant } => admin::users::bulk_users;
    "GET" "/admin/users/resend-expired" Needs(Invite, Tenant) => admin::users::resend_expired_form;
    "POST" "/admin/users/resend-expired" Needs(Invite, Tenant) => admin::users::resend_expired;
    "GET" "/admin/users/{id}" Needs(ViewPeople, Tenant) => admin::user_detail::user_page;
    "POST" "/admin/users/{id}/profile" Needs(ManageUsers, Tenant) => admin::user_detail::save_profile;
    "POST" "/admin/users/{id}/login-ids" Needs(ManageUsers, Tenant) => admin::user_detail::add_login_id;
    "POST" "/admin/users/{id}/login-ids/remove" Needs(ManageUsers, Tenant) => admin::user_detail::remove_login_id;
    "POST" "/admin/users/{id}/roles" Needs(ManageUsers, Tenant) => admin::user_detail::save_roles;
    "POST" "/admin/users/{id}/logout-all" Needs(ManageUsers, Tenant) => admin::user_detail::log_out_everywhere;
    "POST" "/admin/users/{id}/login-ids/primary" Needs(ManageUsers, Tenant) => admin::user_detail::make_primary;
    "GET" "/admin/users/{id}/delete" Needs(ManageUsers, Tenant) => admin::user_delete::delete_form;
    "POST" "/admin/users/{id}/delete" Needs(ManageUsers, Tenant) => admin::user_delete::delete_user;
    "POST" "/admin/users/{id}/remove-from-tenant" Needs(ManageUsers, Tenant) => admin::user_delete::remove_from_tenant;
    "POST" "/admin/users/{id}/deactivate" Needs(ManageUsers, Tenant) => admin::users::deactivate_user;
    "POST" "/admin/users/{id}/activate" Needs(ManageUsers, Tenant) => admin::users::activate_user;
    "GET" "/admin/invitations" Needs(ViewPeople, Tenant) => admin::invitations_list::list_invitations;
    "GET" "/admin/invitations/bulk" Needs(Invite, Tenant) => admin::bulk::bulk_form;
    "POST" "/admin/invitations/bulk/preview" Needs(Invite, Tenant) => admin::bulk::preview;
    "GET" "/admin/invitations/bulk/{id}" Needs(Invite, Tenant) => admin::bulk::result_page;
    "POST" "/admin/invitations/bulk/{id}/commit" Needs(Invite, Tenant) => admin::bulk::commit;
    "GET" "/admin/invitations/bulk/{id}/result.csv" Needs(Invite, Tenant) => admin::bulk::result_csv;
    "GET" "/admin/invitations/new" Needs(Invite, Tenant) => admin::invite::invite_form;
    "POST" "/admin/invitations" Needs(Invite, Tenant) => admin::invite::send_invite;
    "POST" "/admin/invitations/{id}/resend" Needs(Invite, Tenant) => admin::invitation_actions::resend_invitation;
    "POST" "/admin/invitations/{id}/link" Needs(Invite, Tenant) => admin::invitation_actions::fresh_link;
    "POST" "/admin/invitations/{id}/revoke" Needs(Invite, Tenant) => admin::invitation_actions::revoke_invitation;
    // A tenant-scoped reader sees the entries of their tenant.
    "GET" "/admin/audit" Needs(ViewAudit, Tenant) => admin::audit::audit_page;
    "GET" "/admin/audit.csv" Needs(ViewAudit, Tenant) => admin::audit::audit_csv;
    "GET" "/admin/settings" Needs(ManageSettings, Project) => admin::settings::settings_form;
    "POST" "/admin/settings" Needs(ManageSettings, Project) => admin::settings::save_settings;
    "GET" "/admin/tenants" Needs(ManageSettings, Project) => admin::catalog::tenants_page;
    "POST" "/admin/tenants" Needs(ManageSettings, Project) => admin::catalog::create_tenant;
    "POST" "/admin/tenants/{id}" Needs(ManageSettings, Project) => admin::catalog::update_tenant;
    "GET" "/admin/roles" Needs(ManageSettings, Project) => admin::catalog::roles_page;
    "POST" "/admin/roles" Needs(ManageSettings, Project) => admin::catalog::create_role;
    "POST" "/admin/roles/{name}/delete" Needs(ManageSettings, Project) => admin::catalog::delete_role;
    "GET" "/admin/api-keys" Needs(ManageSettings, Project) => admin::integrations::api_keys_page;
    "POST" "/admin/api-keys" Needs(ManageSettings, Project) => admin::integrations::create_api_key;
    "POST" "/admin/api-keys/{id}/revoke" Needs(ManageSettings, Project) => admin::integrations::revoke_api_key;
    "GET" "/admin/api" Needs(ManageSettings, Project) => admin::integrations::api_reference;
    "GET" "/admin/webhooks" Needs(ManageSettings, Project) => admin::integrations::webhooks_list;
    "POST" "/admin/webhooks" Needs(ManageSettings, Project) => admin::integrations::create_webhook;
    "GET" "/admin/webhooks/{id}" Needs(ManageSettings, Project) => admin::integrations::webhook_detail;
    "POST" "/admin/webhooks/{id}/enabled" Needs(ManageSettings, Project) => admin::integrations::webhook_toggle;
    "POST" "/admin/webhooks/{id}/delete" Needs(ManageSettings, Project) => admin::integrations::webhook_delete;
    "POST" "/admin/webhooks/{id}/test" Needs(ManageSettings, Project) => admin::integrations::webhook_test;
    "POST" "/admin/webhooks/{id}/deliveries/{delivery}/redeliver" Needs(ManageSettings, Project) => admin::integrations::webhook_redeliver;
    "GET" "/admin/mailbox" Needs(ManageSettings, Project) => admin::mailbox::mailbox_page;
    "POST" "/admin/outbox/{id}/retry" Needs(ManageSettings, Project) => admin::mailbox::retry_message;
}

fn method(r: &ConsoleRoute) -> Route {
    match r.method {
        "GET" => web::get(),
        "POST" => web::post(),
        other => panic!("unsupported method {other} for {}", r.path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::people::BulkAction;

    #[test]
    fn every_console_route_is_listed_once_and_every_admin_page_needs_a_signed_in_user() {
        for (i, r) in ROUTES.iter().enumerate() {
            let twice = ROUTES[..i].iter().any(|o| (o.method, o.path) == (r.method, r.path));
            assert!(!twice, "{} {} is listed twice", r.method, r.path);
            if r.path.starts_with("/admin") {
                assert!(!matches!(r.rule, Public), "{} {} is a console page open to anyone", r.method, r.path);
            }
        }
    }

    #[test]
    fn every_bulk_user_action_is_one_the_handler_knows() {
        for (name, _) in BULK_USER_ACTIONS {
            assert!(BulkAction::parse(name).is_some(), "{name}");
        }
    }

    /// Routes are registered from the two tables and nowhere else: a route
    /// added with `.route(` or `web::resource(` elsewhere would bypass them.
    #[test]
    fn no_route_is_registered_outside_the_route_tables() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let name = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
                if matches!(name.as_str(), "web/routes.rs" | "web/api/mod.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for needle in [".route(", "web::resource(", ".service(", "web::scope("] {
                    assert!(!text.contains(needle), "src/{name} registers a route ({needle}) outside the route tables");
                }
            }
        }
    }
}
