//! API errors as `application/problem+json` (RFC 9457), with a field-level
//! `errors` list for validation failures.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::Serialize;

use crate::service::{FieldError, ServiceError};

#[derive(Debug, Serialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, kind, title, detail: detail.into(), errors: vec![] }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Unauthorized",
            "Send a valid API key as `Authorization: Bearer <key>`.",
        )
    }

    /// A bearer token was presented but is unknown, expired or revoked
    /// (RFC 6750 `invalid_token`).
    pub fn invalid_token() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid-token",
            "Unauthorized",
            "This API key is unknown, expired or revoked.",
        )
    }

    pub fn forbidden(what: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Forbidden",
            format!("This API key's role does not allow {what}."),
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            "There is no such resource, or this key may not see it.",
        )
    }

    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "no-such-endpoint",
            "No such endpoint",
            "See /api/openapi.json for the endpoints.",
        )
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid request", detail);
        e.errors =
            errors.into_iter().map(|f| FieldProblem { field: f.field.to_string(), message: f.message }).collect();
        e
    }

    pub fn bad_json(err: &serde_json::Error) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "bad-json",
            "The body is not valid JSON for this endpoint",
            err.to_string(),
        );
        e.errors.push(FieldProblem { field: "body".into(), message: err.to_string() });
        e
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Refused", detail)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.title, self.detail)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errors) => Self::invalid(errors),
            ServiceError::Refused(m) => Self::conflict(m),
            ServiceError::NotFound => Self::not_found(),
            ServiceError::Forbidden(what) => Self::forbidden(&what),
            ServiceError::Unexpected(e) => e.into(),
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = ?e, "API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "An unexpected error happened; it has been logged.",
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::json!({
            "type": format!("https://usher.dev/problems/{}", self.kind),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "errors": self.errors,
        });
        let mut response = HttpResponse::build(self.status);
        response.content_type("application/problem+json");
        // RFC 9110: every 401 names the scheme to use; RFC 6750 adds the
        // error code when a token was presented.
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.kind == "invalid-token" { r#"Bearer error="invalid_token""# } else { "Bearer" };
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, challenge));
        }
        response.body(body.to_string())
    }
}
