//! How failures look to people: every error is a page (403, 404, 413, 429,
//! 500), never plain text; the cause chain goes to the log only.

use actix_web::{
    Error, HttpRequest, HttpResponse, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
    http::header,
    middleware::Next,
};
use askama::Template;

use super::api::problem::ApiError;
use super::forms::{BODY_LIMIT, FORM_LIMIT, size_label};
use super::guard::{Console, PageContext};
use crate::domain::bulk_input;
use crate::service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    CsrfRejected,
    #[error("too many requests")]
    TooManyRequests,
    /// The body is over a size limit; [`too_large`] gives it its page.
    #[error("request body too large")]
    TooLarge,
    #[error("login required")]
    LoginRequired(String),
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => Self::NotFound,
            ServiceError::Forbidden(_) => Self::Forbidden,
            ServiceError::Refused(m) => Self::BadRequest(m),
            ServiceError::OverQuota { message, .. } => Self::BadRequest(message),
            ServiceError::Invalid(errors) => {
                Self::BadRequest(errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))
            }
            ServiceError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

/// Render a bare page (no console navigation) with a status code.
pub fn page(status: StatusCode, title: &str, message: &str) -> HttpResponse {
    let body = ErrorPage { title, message }.render().unwrap_or_else(|_| message.to_string());
    HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body)
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::LoginRequired(_) => StatusCode::SEE_OTHER,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        match self {
            Self::NotFound => page(
                status,
                "Page not found",
                "There is nothing at this address. Check the link, or go back to the console.",
            ),
            Self::Forbidden => page(
                status,
                "Not allowed",
                "Your role does not allow this. Ask an administrator if you need it. This attempt has been recorded.",
            ),
            Self::CsrfRejected => page(
                status,
                "This form has expired",
                "For your security the form could not be accepted. Go back, reload the page and submit it again.",
            ),
            Self::TooManyRequests => page(status, "Too many attempts", "Please wait a minute and try again."),
            Self::TooLarge => {
                page(status, "That is too large", &format!("Requests can be up to {}.", size_label(BODY_LIMIT)))
            }
            Self::LoginRequired(next) => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                HttpResponse::SeeOther().insert_header((header::LOCATION, target)).finish()
            }
            Self::BadRequest(m) => page(status, "That did not work", m),
            Self::Unexpected(e) => {
                tracing::error!(error = ?e, "request failed");
                page(
                    status,
                    "Something went wrong",
                    "An unexpected error happened. It has been logged; please try again.",
                )
            }
        }
    }
}

/// 303 to `to` (redirect after POST).
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

/// Render a template as an HTML response with `status`.
pub fn render(status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
    let body = template.render().map_err(anyhow::Error::from)?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

#[derive(Template)]
#[template(path = "admin/too_large.html")]
struct TooLargePage {
    page: PageContext,
    title: &'static str,
    message: String,
    back: Option<(&'static str, &'static str)>,
}

/// Every 413, whoever refused the body (the CSRF layer, the form parser,
/// actix's body extractor), gets Usher's shape here: problem+json on the
/// API, the console page with its navigation elsewhere, saying the limit.
pub async fn too_large(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    if res.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return Ok(res);
    }
    let req = res.request().clone();
    let response = if req.path().starts_with("/api/") {
        ApiError::too_large(&size_label(BODY_LIMIT)).error_response()
    } else {
        too_large_page(&req).await
    };
    Ok(ServiceResponse::new(req, response))
}

async fn too_large_page(req: &HttpRequest) -> HttpResponse {
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    let (title, message, back) = if req.path().starts_with("/admin/invitations/bulk") {
        let message = format!(
            "CSV files up to {} can be uploaded. Split the file into smaller files and upload them one after the other.",
            size_label(bulk_input::MAX_BYTES)
        );
        ("The file is too large", message, Some(("/admin/invitations/bulk", "Back to bulk invite")))
    } else {
        let message =
            format!("Forms can send up to {}. Shorten what you entered and try again.", size_label(FORM_LIMIT));
        ("The form is too large", message, None)
    };
    // Only console pages have the navigation; asking elsewhere would
    // record a denial for a signed-in invitee.
    if req.path().starts_with("/admin/")
        && let Ok(console) = Console::sign_in(req).await
        && let Ok(response) =
            render(status, &TooLargePage { page: console.page, title, message: message.clone(), back })
    {
        return response;
    }
    page(status, title, &message)
}
