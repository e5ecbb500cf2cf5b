//! HTTP: console pages (admin/), the invitee's pages (invitee/), sign-in
//! and setup (auth/), health checks, and the layers every request passes
//! (CSRF, sessions, role guard, security headers).

pub mod admin;
pub mod api;
pub mod auth;
pub mod csrf;
pub mod error;
pub mod forms;
pub mod guard;
pub mod headers;
pub mod health;
pub mod invitee;
pub mod multipart;
pub mod session_store;
pub mod statics;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(auth::home))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/static/{file}", web::get().to(statics::serve))
        .route("/setup/{token}", web::get().to(auth::setup::setup_form))
        .route("/setup/{token}", web::post().to(auth::setup::create_first_admin))
        .route("/login", web::get().to(auth::login::login_form))
        .route("/login", web::post().to(auth::login::log_in))
        .route("/logout", web::post().to(auth::login::log_out))
        .route("/invite/{token}", web::get().to(invitee::registration_form))
        .route("/invite/{token}", web::post().to(invitee::register))
        .route("/invite/{token}/decline", web::post().to(invitee::decline))
        .route("/invite/{token}/refresh", web::post().to(invitee::request_fresh_link))
        .route("/welcome", web::get().to(invitee::welcome))
        .configure(admin::routes)
        .configure(api::routes)
        .default_service(web::to(|req: actix_web::HttpRequest| async move {
            if req.path().starts_with("/api/") {
                actix_web::ResponseError::error_response(&api::problem::ApiError::no_route())
            } else {
                actix_web::ResponseError::error_response(&error::AppError::NotFound)
            }
        }));
}
