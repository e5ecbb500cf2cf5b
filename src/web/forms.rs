//! Form helpers: field errors for templates, the request body limits, and
//! a form parser that turns malformed bodies into a 400 page (a body over
//! the limit into a 413 page) instead of plain text.

use actix_web::{ResponseError, http::StatusCode, web::FormConfig};

use super::error::AppError;
use crate::domain::{bulk_input, login_id::LoginId};
use crate::service::{FieldError, ServiceError};

/// The largest urlencoded console form.
pub const FORM_LIMIT: usize = 64 * 1024;
/// The largest request body of any kind (API bodies too): a bulk CSV file
/// at its limit plus room for the multipart wrapping and the form fields.
pub const BODY_LIMIT: usize = bulk_input::MAX_BYTES + 1024 * 1024;

/// "64 KiB", "6 MiB": a limit as people read it.
pub fn size_label(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

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
        self.0.push(FieldError::new(field, message));
    }

    /// A field error with a specific code (see [`crate::service::codes`]).
    pub fn push_code(&mut self, field: &'static str, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field, code, message: message.into() });
    }

    /// The parsed value, or `None` with the message recorded against
    /// `field`: a form or JSON body becomes a command this way, with every
    /// problem reported at once.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, String>) -> Option<T> {
        parsed.map_err(|message| self.push(field, message)).ok()
    }

    /// [`FormErrors::check`] for a field people may leave blank: trimmed,
    /// and `None` when blank.
    pub fn optional<T>(
        &mut self,
        field: &'static str,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = raw.trim();
        if raw.is_empty() { None } else { self.check(field, parse(raw)) }
    }

    /// A login ID, refused with the code that says why.
    pub fn login_id(&mut self, field: &'static str, raw: &str) -> Option<LoginId> {
        LoginId::parse(raw).map_err(|message| self.push_code(field, LoginId::problem_code(raw), message)).ok()
    }

    /// Field errors from a service error, or the error itself when it is
    /// not about fields (a refusal becomes an error on `fallback_field`).
    pub fn from_service(e: ServiceError, fallback_field: &'static str) -> Result<Self, AppError> {
        match e {
            ServiceError::Invalid(errors) => Ok(Self(errors)),
            ServiceError::Refused(message) => Ok(Self(vec![FieldError::new(fallback_field, message)])),
            ServiceError::OverQuota { message, .. } => Ok(Self(vec![FieldError::new(fallback_field, message)])),
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
        e.errors.push(crate::web::api::problem::FieldProblem::new("query", "invalid", e.detail.clone()));
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
    FormConfig::default().limit(FORM_LIMIT).error_handler(|err, _req| {
        if err.status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::TooLarge.into();
        }
        AppError::BadRequest(format!("The form could not be read: {err}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_the_way_people_write_them() {
        assert_eq!(size_label(FORM_LIMIT), "64 KiB");
        assert_eq!(size_label(BODY_LIMIT), "6 MiB");
        assert_eq!(size_label(bulk_input::MAX_BYTES), "5 MiB");
    }
}
