//! The console: users, invitations, settings, catalog, dev mailbox.

pub mod audit;
pub mod bulk;
pub mod catalog;
pub mod integrations;
pub mod invitation_actions;
pub mod invitations_list;
pub mod invite;
pub mod mailbox;
pub mod settings;
pub mod user_delete;
pub mod user_detail;
pub mod users;

use actix_web::web;

use super::error::see_other;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(|| async { see_other("/admin/users") }))
        .route("/admin/users", web::get().to(users::list_users))
        .route("/admin/users/bulk", web::post().to(users::bulk_users))
        .route("/admin/users/resend-expired", web::get().to(users::resend_expired_form))
        .route("/admin/users/resend-expired", web::post().to(users::resend_expired))
        .route("/admin/users/{id}", web::get().to(user_detail::user_page))
        .route("/admin/users/{id}/profile", web::post().to(user_detail::save_profile))
        .route("/admin/users/{id}/login-ids", web::post().to(user_detail::add_login_id))
        .route("/admin/users/{id}/login-ids/remove", web::post().to(user_detail::remove_login_id))
        .route("/admin/users/{id}/roles", web::post().to(user_detail::save_roles))
        .route("/admin/users/{id}/logout-all", web::post().to(user_detail::log_out_everywhere))
        .route("/admin/users/{id}/login-ids/primary", web::post().to(user_detail::make_primary))
        .route("/admin/users/{id}/delete", web::get().to(user_delete::delete_form))
        .route("/admin/users/{id}/delete", web::post().to(user_delete::delete_user))
        .route("/admin/users/{id}/remove-from-tenant", web::post().to(user_delete::remove_from_tenant))
        .route("/admin/users/{id}/deactivate", web::post().to(users::deactivate_user))
        .route("/admin/users/{id}/activate", web::post().to(users::activate_user))
        .route("/admin/invitations", web::get().to(invitations_list::list_invitations))
        .route("/admin/invitations/bulk", web::get().to(bulk::bulk_form))
        .route("/admin/invitations/bulk/preview", web::post().to(bulk::preview))
        .route("/admin/invitations/bulk/{id}", web::get().to(bulk::result_page))
        .route("/admin/invitations/bulk/{id}/commit", web::post().to(bulk::commit))
        .route("/admin/invitations/bulk/{id}/result.csv", web::get().to(bulk::result_csv))
        .route("/admin/invitations/new", web::get().to(invite::invite_form))
        .route("/admin/invitations", web::post().to(invite::send_invite))
        .route("/admin/invitations/{id}/resend", web::post().to(invitation_actions::resend_invitation))
        .route("/admin/invitations/{id}/link", web::post().to(invitation_actions::fresh_link))
        .route("/admin/invitations/{id}/revoke", web::post().to(invitation_actions::revoke_invitation))
        .route("/admin/audit", web::get().to(audit::audit_page))
        .route("/admin/audit.csv", web::get().to(audit::audit_csv))
        .route("/admin/settings", web::get().to(settings::settings_form))
        .route("/admin/settings", web::post().to(settings::save_settings))
        .route("/admin/tenants", web::get().to(catalog::tenants_page))
        .route("/admin/tenants", web::post().to(catalog::create_tenant))
        .route("/admin/tenants/{id}", web::post().to(catalog::update_tenant))
        .route("/admin/roles", web::get().to(catalog::roles_page))
        .route("/admin/roles", web::post().to(catalog::create_role))
        .route("/admin/roles/{name}/delete", web::post().to(catalog::delete_role))
        .route("/admin/api-keys", web::get().to(integrations::api_keys_page))
        .route("/admin/api-keys", web::post().to(integrations::create_api_key))
        .route("/admin/api-keys/{id}/revoke", web::post().to(integrations::revoke_api_key))
        .route("/admin/api", web::get().to(integrations::api_reference))
        .route("/admin/webhooks", web::get().to(integrations::webhooks_list))
        .route("/admin/webhooks", web::post().to(integrations::create_webhook))
        .route("/admin/webhooks/{id}", web::get().to(integrations::webhook_detail))
        .route("/admin/webhooks/{id}/enabled", web::post().to(integrations::webhook_toggle))
        .route("/admin/webhooks/{id}/delete", web::post().to(integrations::webhook_delete))
        .route("/admin/webhooks/{id}/test", web::post().to(integrations::webhook_test))
        .route("/admin/webhooks/{id}/deliveries/{delivery}/redeliver", web::post().to(integrations::webhook_redeliver))
        .route("/admin/mailbox", web::get().to(mailbox::mailbox_page))
        .route("/admin/outbox/{id}/retry", web::post().to(mailbox::retry_message));
}

/// Parse a path id; anything else is a 404, not a 400.
pub fn parse_id(raw: &str) -> Result<uuid::Uuid, super::error::AppError> {
    raw.parse().map_err(|_| super::error::AppError::NotFound)
}
