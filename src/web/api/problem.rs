//! API errors as `application/problem+json` (RFC 9457), with a stable
//! machine-readable `code` on every problem and on each field-level error.
//! The codes are listed in [`CODES`] and in the OpenAPI document.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::{ObjectBuilder, Type, schema::Schema};

use crate::service::{FieldError, ServiceError};

/// Every problem `code` the API answers with (besides `conflict.<field
/// code>` for each conflict in [`crate::service::codes::CONFLICTS`]).
pub const CODES: [&str; 14] = [
    "invalid_json",
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "no_such_endpoint",
    "method_not_allowed",
    "conflict.refused",
    "idempotency_in_progress",
    "payload_too_large",
    "validation_failed",
    "idempotency_key_reused",
    "quota_exceeded",
    "internal",
];

/// One field's error: which field, a stable code, a message for people.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// Stable machine-readable reason for this field.
    #[schema(schema_with = field_codes)]
    pub code: &'static str,
    pub message: String,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }
}

/// RFC 9457 problem details, with a stable machine-readable `code`: the
/// body of every error the API answers with.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// A URL naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: &'static str,
    pub status: u16,
    /// Stable machine-readable reason; branch on this, not on the text (new
    /// codes may be added).
    #[schema(schema_with = problem_codes)]
    pub code: String,
    pub detail: String,
    #[schema(inline)]
    pub errors: Vec<FieldProblem>,
}

/// The problem codes as an enum: [`CODES`] and a `conflict.<code>` for
/// each conflict.
fn problem_codes() -> Schema {
    let conflicts = crate::service::codes::CONFLICTS.iter().map(|c| format!("conflict.{c}"));
    let mut codes: Vec<String> = CODES.iter().map(|c| c.to_string()).chain(conflicts).collect();
    codes.sort();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Stable machine-readable reason; branch on this, not on the text (new codes may be added)"))
        .enum_values(Some(codes))
        .into()
}

/// The field codes as an enum: every code a [`crate::service::FieldError`]
/// may carry, and `invalid_json`.
fn field_codes() -> Schema {
    use crate::service::codes;
    let all = [
        codes::INVALID,
        codes::REQUIRED,
        codes::OUT_OF_RANGE,
        codes::INVALID_EMAIL,
        codes::INVALID_PHONE,
        codes::DOMAIN_NOT_ALLOWED,
    ]
    .into_iter()
    .chain(codes::CONFLICTS)
    .chain(["invalid_json"]);
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("Stable machine-readable reason for this field"))
        .enum_values(Some(all))
        .into()
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// The last segment of the problem's `type` URL.
    pub kind: &'static str,
    /// The stable machine-readable code (see [`CODES`]).
    pub code: String,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldProblem>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u32>,
}

impl ApiError {
    /// A problem whose code is its kind in snake case (`not-found` →
    /// `not_found`).
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            code: kind.replace('-', "_"),
            title,
            detail: detail.into(),
            errors: vec![],
            retry_after: None,
        }
    }

    /// The same problem with another code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// 429 with `Retry-After`: the inviter's daily quota is used up until
    /// `retry_at` (it is `now`).
    pub fn over_quota(
        detail: String,
        retry_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let mut e =
            Self::new(StatusCode::TOO_MANY_REQUESTS, "quota-exceeded", "Daily invitation quota reached", detail);
        let millis = u64::try_from((retry_at - now).num_milliseconds()).unwrap_or(0);
        e.retry_after = Some(u32::try_from(millis.div_ceil(1000).max(1)).unwrap_or(u32::MAX));
        e
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
        // One code for every 401; the challenge header tells them apart.
        .with_code("unauthorized")
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

    /// Field errors: 422 `validation_failed`, or 409 `conflict.<code>`
    /// when every value is well-formed but one is taken (see
    /// [`crate::service::codes::CONFLICTS`]); a malformed value anywhere
    /// makes it a 422.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
        let all_conflicts = errors.iter().all(FieldError::is_conflict);
        let mut e = match errors.iter().find(|e| e.is_conflict()).filter(|_| all_conflicts) {
            Some(conflict) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
                .with_code(format!("conflict.{}", conflict.code)),
            None => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid request", detail)
                .with_code("validation_failed"),
        };
        e.errors = errors.into_iter().map(|f| FieldProblem::new(f.field, f.code, f.message)).collect();
        e
    }

    /// One field error (a shorthand for [`ApiError::invalid`]).
    pub fn field(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError { field, code, message: message.into() }])
    }

    pub fn bad_json(err: &serde_json::Error) -> Self {
        let mut e = Self::new(
            StatusCode::BAD_REQUEST,
            "bad-json",
            "The body is not valid JSON for this endpoint",
            err.to_string(),
        )
        .with_code("invalid_json");
        e.errors.push(FieldProblem::new("body", "invalid_json", err.to_string()));
        e
    }

    /// A body over the size limit (`limit` as people read it, "6 MiB").
    pub fn too_large(limit: &str) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
            format!("Request bodies can be up to {limit}; send fewer or smaller items per request."),
        )
    }

    /// The rules refuse this in the current state (final status, cooldown,
    /// quota, already in that state).
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Refused", detail).with_code("conflict.refused")
    }

    /// The problem document.
    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: format!("https://usher.dev/problems/{}", self.kind),
            title: self.title,
            status: self.status.as_u16(),
            code: self.code.clone(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }

    /// The problem document as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.to_problem()).unwrap_or_default()
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
            ServiceError::OverQuota { message, retry_at, now } => Self::over_quota(message, retry_at, now),
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
        let mut response = HttpResponse::build(self.status);
        // RFC 9110: every 401 names the scheme to use; RFC 6750 adds the
        // error code when a token was presented.
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.kind == "invalid-token" { r#"Bearer error="invalid_token""# } else { "Bearer" };
            response.insert_header((actix_web::http::header::WWW_AUTHENTICATE, challenge));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
        }
        response.content_type("application/problem+json").body(self.to_json().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_value_is_a_409_conflict_with_its_code() {
        let e = ApiError::invalid(vec![FieldError {
            field: "login_id",
            code: crate::service::codes::LOGIN_ID_TAKEN,
            message: "This login ID already belongs to someone".into(),
        }]);
        assert_eq!((e.status, e.code.as_str()), (StatusCode::CONFLICT, "conflict.login_id_taken"));
        assert_eq!(e.to_json()["errors"][0]["code"], "login_id_taken");
    }

    #[test]
    fn a_conflict_beside_a_malformed_value_is_a_422() {
        let e = ApiError::invalid(vec![
            FieldError { field: "login_id", code: crate::service::codes::LOGIN_ID_TAKEN, message: "taken".into() },
            FieldError::new("lang", "Choose a language from the list"),
        ]);
        assert_eq!((e.status, e.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    }

    #[test]
    fn a_malformed_value_is_a_422_with_field_codes() {
        let e = ApiError::invalid(vec![FieldError::new("lang", "Choose a language from the list")]);
        assert_eq!((e.status, e.code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        assert_eq!(
            e.to_json()["errors"][0],
            serde_json::json!({ "field": "lang", "code": "invalid", "message": "Choose a language from the list" })
        );
    }

    #[test]
    fn every_problem_code_is_listed() {
        for e in [
            ApiError::unauthorized(),
            ApiError::forbidden("x"),
            ApiError::not_found(),
            ApiError::no_route(),
            ApiError::conflict("x"),
            ApiError::too_large("6 MiB"),
            ApiError::over_quota("x".into(), chrono::Utc::now(), chrono::Utc::now()),
        ] {
            assert!(CODES.contains(&e.code.as_str()), "{} is listed", e.code);
        }
    }
}
