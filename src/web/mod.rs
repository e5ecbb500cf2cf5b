//! HTTP: console pages (admin/), the invitee's pages (invitee/), sign-in
//! and setup (auth/), health checks, and the layers every request passes
//! (CSRF, sessions, role guard, security headers). Routes come from two
//! tables, [`routes::ROUTES`] and [`api::ROUTES`], each entry declaring
//! who may use it.

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
pub mod routes;
pub mod session_store;
pub mod statics;

use actix_web::web;

/// Every route: the console's table ([`routes::ROUTES`]) and the API's
/// ([`api::ROUTES`]), and a 404 for anything else.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(routes::routes).configure(api::routes).default_service(web::to(
        |req: actix_web::HttpRequest| async move {
            if req.path().starts_with("/api/") {
                actix_web::ResponseError::error_response(&api::problem::ApiError::no_route())
            } else {
                actix_web::ResponseError::error_response(&error::AppError::NotFound)
            }
        },
    ));
}
