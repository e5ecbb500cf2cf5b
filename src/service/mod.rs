//! Use cases: each public function is one thing a person or program does,
//! run in one transaction with its audit entry and outgoing messages.

pub mod accounts;
pub mod api_keys;
pub mod bulk;
pub mod bulk_results;
mod bulk_rows;
pub mod catalog;
pub mod delivery;
pub mod events;
pub mod invitations;
pub mod invitee;
pub mod people;
pub mod quota;
pub mod resend_expired;
pub mod tenancy;
pub mod visibility;
pub mod webhooks;

use crate::domain::invitation::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input that a form should show beside its fields.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The rules say no; the message is for people.
    #[error("{0}")]
    Refused(String),
    /// Over the per-inviter quota: the message, and when the next
    /// invitation is possible (the API's `Retry-After`, counted from `now`,
    /// the time of the refusal).
    #[error("{message}")]
    OverQuota { message: String, retry_at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc> },
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    /// A stable machine-readable reason (one of [`codes`]); the API shows it.
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    /// A field error with the generic code [`codes::INVALID`].
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, code: codes::INVALID, message: message.into() }
    }

    /// True when the value is well-formed but taken or in the way (the API
    /// answers 409 Conflict, not 422).
    pub fn is_conflict(&self) -> bool {
        codes::CONFLICTS.contains(&self.code)
    }
}

/// The codes a [`FieldError`] carries. Stable: API clients branch on them.
pub mod codes {
    /// The value is not acceptable; the message says why.
    pub const INVALID: &str = "invalid";
    pub const REQUIRED: &str = "required";
    /// A number outside its allowed range.
    pub const OUT_OF_RANGE: &str = "out_of_range";
    pub const INVALID_EMAIL: &str = "invalid_email";
    pub const INVALID_PHONE: &str = "invalid_phone";
    /// Conflicts: the login ID belongs to someone else.
    pub const LOGIN_ID_TAKEN: &str = "login_id_taken";
    /// The person already has an account (active or disabled): no invitation.
    pub const ALREADY_ACTIVE: &str = "already_active";
    /// The person already has a live invitation: resend it instead.
    pub const ALREADY_INVITED: &str = "already_invited";
    pub const TENANT_SLUG_TAKEN: &str = "tenant_slug_taken";
    pub const ROLE_NAME_TAKEN: &str = "role_name_taken";
    /// The tenant's email-domain allow-list refuses this address.
    pub const DOMAIN_NOT_ALLOWED: &str = "domain_not_allowed";
    /// The codes that mean a conflict with existing data.
    pub const CONFLICTS: [&str; 5] =
        [LOGIN_ID_TAKEN, ALREADY_ACTIVE, ALREADY_INVITED, TENANT_SLUG_TAKEN, ROLE_NAME_TAKEN];
}

impl ServiceError {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// A field error with a specific code (see [`codes`]).
    pub fn field_code(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError { field, code, message: message.into() }])
    }
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r.to_string())
    }
}

/// Format a time the way messages and pages show it.
pub fn show_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}
