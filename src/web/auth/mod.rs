//! Signing in and out, and the first-run setup page.

pub mod login;
pub mod setup;

use actix_session::Session;
use actix_web::HttpResponse;

use super::{error::see_other, guard::USER_ID_KEY};

/// `/`: the console for signed-in people, the sign-in page for others.
pub async fn home(session: Session) -> HttpResponse {
    match session.get::<uuid::Uuid>(USER_ID_KEY) {
        Ok(Some(_)) => see_other("/admin/users"),
        _ => see_other("/login"),
    }
}
