//! Domain rules, no I/O.

pub mod access;
pub mod actor;
pub mod bulk_input;
pub mod csv_export;
pub mod event;
pub mod event_payload;
pub mod grants;
pub mod invitation;
pub mod lifetime;
pub mod limits;
pub mod login_id;
pub mod number;
pub mod password;
pub mod signature;
pub mod token;
pub mod user;
