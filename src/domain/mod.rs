//! Domain rules, no I/O.

pub mod access;
pub mod actor;
pub mod attributes;
pub mod bulk_input;
pub mod csv_export;
pub mod event;
pub mod event_payload;
pub mod external_id;
pub mod grants;
pub mod invitation;
pub mod language;
pub mod lifetime;
pub mod limits;
pub mod login_id;
pub mod number;
pub mod password;
pub mod person_name;
pub mod redirect_url;
pub mod signature;
pub mod template_key;
pub mod text;
pub mod token;
pub mod user;
