//! Form helpers: field errors for templates, and a form parser that turns
//! malformed bodies into a 400 page instead of plain text.

use actix_web::web::FormConfig;

use super::error::AppError;
use crate::service::{FieldError, ServiceError};

/// Field errors for a form; templates ask `errors.get("field")`.
#[derive(Clone, Debug, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    pub fn push(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field, message: message.into() });
    }

    /// Field errors from a service error, or the error itself when it is
    /// not about fields (a refusal becomes an error on `fallback_field`).
    pub fn from_service(e: ServiceError, fallback_field: &'static str) -> Result<Self, AppError> {
        match e {
            ServiceError::Invalid(errors) => Ok(Self(errors)),
            ServiceError::Refused(message) => Ok(Self(vec![FieldError { field: fallback_field, message }])),
            ServiceError::OverQuota { message, .. } => Ok(Self(vec![FieldError { field: fallback_field, message }])),
            other => Err(other.into()),
        }
    }
}

/// Malformed query strings and paths: problem+json under /api, a page
/// elsewhere (never actix's plain-text default).
fn extractor_error(message: String, req: &actix_web::HttpRequest) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        let mut e = crate::web::api::problem::ApiError::new(
            actix_web::http::StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            message,
        );
        e.errors.push(crate::web::api::problem::FieldProblem { field: "query".into(), message: e.detail.clone() });
        e.into()
    } else {
        AppError::BadRequest(message).into()
    }
}

pub fn query_config() -> actix_web::web::QueryConfig {
    actix_web::web::QueryConfig::default()
        .error_handler(|err, req| extractor_error(format!("The address could not be read: {err}"), req))
}

pub fn path_config() -> actix_web::web::PathConfig {
    actix_web::web::PathConfig::default()
        .error_handler(|err, req| extractor_error(format!("The address could not be read: {err}"), req))
}

pub fn form_config() -> FormConfig {
    FormConfig::default()
        .limit(64 * 1024)
        .error_handler(|err, _req| AppError::BadRequest(format!("The form could not be read: {err}")).into())
}
