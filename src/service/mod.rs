//! Use cases: each public function is one thing a person or program does,
//! run in one transaction with its audit entry and outgoing messages.

pub mod accounts;
pub mod api_keys;
pub mod bulk;
pub mod catalog;
pub mod invitations;
pub mod invitee;
pub mod people;
pub mod quota;
pub mod resend_expired;
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
    /// invitation is possible (the API's `Retry-After`).
    #[error("{message}")]
    OverQuota { message: String, retry_at: chrono::DateTime<chrono::Utc> },
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
    pub message: String,
}

impl ServiceError {
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError { field, message: message.into() }])
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
