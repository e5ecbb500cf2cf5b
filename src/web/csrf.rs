//! CSRF protection for every HTML form: a random token in an HttpOnly,
//! SameSite=Lax cookie must be echoed in the form's `csrf_token` field
//! (double submit), compared in constant time. One middleware checks every
//! POST, so no handler can forget. An urlencoded body is read here whole
//! and handed on; a multipart body is only started here, and read on by
//! the handler (see [`super::multipart`] for how the token is checked
//! without reading the upload twice).

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::{BoxBody, MessageBody},
    cookie::{Cookie, SameSite},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web::Bytes,
};
use futures_util::future::{Ready, ready};
use subtle::ConstantTimeEq;

use super::{error::AppError, multipart};
use crate::domain::token::Token;
use crate::telemetry::redact_path;

pub const COOKIE: &str = "usher_csrf";
pub const FIELD: &str = "csrf_token";

/// The token for forms on this page.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The token a form sent. A multipart form's parser, standing after the
/// token part, is left in the request for the handler's
/// [`Upload`](super::multipart::Upload); any other body is read whole and
/// put back for the handler's `Form` (urlencoded ones without NULs).
async fn submitted_token(req: &mut ServiceRequest) -> Result<Option<String>, AppError> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if multipart::is_form_data(&content_type) {
        let (upload, token) = multipart::open(req, FIELD).await?;
        req.extensions_mut().insert(upload);
        return Ok(token);
    }
    // Over the limit: the 413 layer outside makes its page.
    let body = req.extract::<Bytes>().await.map_err(|_| AppError::TooLarge)?;
    let token = url::form_urlencoded::parse(&body).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned());
    let body = if content_type.starts_with("application/x-www-form-urlencoded") { without_nul(body) } else { body };
    req.set_payload(bytes_payload(body));
    Ok(token)
}

/// Answer `req` with `error`'s page; the handler never runs.
fn refuse(req: ServiceRequest, error: AppError) -> ServiceResponse<BoxBody> {
    let (http_req, _) = req.into_parts();
    ServiceResponse::new(http_req, actix_web::ResponseError::error_response(&error))
}

pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // The API authenticates with bearer keys, never cookies: no CSRF there.
    if req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let existing = req.cookie(COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() == 43);
    let token = existing.clone().unwrap_or_else(|| Token::generate().as_str().to_string());
    req.extensions_mut().insert(CsrfToken(token.clone()));

    if req.method() == Method::POST {
        let sent = match submitted_token(&mut req).await {
            Ok(sent) => sent,
            Err(e) => return Ok(refuse(req, e)),
        };
        let ok = match (&existing, sent) {
            (Some(cookie), Some(sent)) => constant_time_eq(cookie, &sent),
            _ => false,
        };
        if !ok {
            // A stale form is routine, not an error; the path may hold a link token.
            tracing::info!(path = %redact_path(req.path()), "POST refused: missing or wrong CSRF token");
            return Ok(refuse(req, AppError::CsrfRejected));
        }
    }

    let secure =
        req.app_data::<actix_web::web::Data<crate::state::AppState>>().is_some_and(|s| s.config.secure_cookies);
    let mut res = next.call(req).await?.map_into_boxed_body();
    let rotate = res.request().extensions().contains::<Rotate>();
    if existing.is_none() || rotate {
        let token = if rotate { Token::generate().as_str().to_string() } else { token };
        let cookie =
            Cookie::build(COOKIE, token).path("/").http_only(true).secure(secure).same_site(SameSite::Lax).finish();
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

/// Marks a request whose response must carry a new CSRF cookie.
struct Rotate;

/// Give the browser a new CSRF token with this response (at sign-in and
/// sign-out): a token someone planted or read before is worth nothing
/// after, and forms still open from before are refused.
pub fn rotate(req: &HttpRequest) {
    req.extensions_mut().insert(Rotate);
}

/// An urlencoded form body with NUL characters (`%00`, or a raw zero byte)
/// taken out: they mean nothing to a person, and PostgreSQL refuses to
/// store them, so every form field is free of them here, in one place.
/// (`%00` can only be an escape: a literal `%` is sent as `%25`.)
fn without_nul(body: Bytes) -> Bytes {
    if !body.contains(&0) && !body.windows(3).any(|w| w == b"%00") {
        return body;
    }
    let text = String::from_utf8_lossy(&body).replace("%00", "").replace('\0', "");
    Bytes::from(text)
}

fn bytes_payload(body: Bytes) -> Payload {
    let stream = futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    Payload::from(Box::pin(stream) as std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>>)
}

impl FromRequest for CsrfToken {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req.extensions().get::<CsrfToken>().cloned();
        ready(token.ok_or_else(|| actix_web::error::ErrorInternalServerError("CSRF middleware not installed")))
    }
}
