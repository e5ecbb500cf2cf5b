//! The console: users, invitations, settings, catalog, dev mailbox. Its
//! routes, and who may use each, are in the console route table
//! (`web::routes`).

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

/// Parse a path id; anything else is a 404, not a 400.
pub fn parse_id(raw: &str) -> Result<uuid::Uuid, super::error::AppError> {
    raw.parse().map_err(|_| super::error::AppError::NotFound)
}
