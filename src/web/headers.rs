//! Security headers on every response.

use actix_web::{
    Error, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{CONTENT_SECURITY_POLICY, HeaderName, HeaderValue},
    middleware::Next,
};

/// Forms post to this site only. `form-action` comes last so that
/// [`allow_form_redirect`] can name one more origin after it.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// One more origin a page's forms may end up at (see [`allow_form_redirect`]).
#[derive(Clone)]
struct FormTarget(String);

/// Let the forms of this one response be redirected to `url`'s origin.
///
/// Browsers apply `form-action` to every redirect that follows a form's
/// submission, with the policy of the page that held the form. The
/// registration page's POST ends in a 303 to the invitation's redirect URL,
/// another site: only that page, and only for that exact origin, may allow it.
pub fn allow_form_redirect(res: &mut HttpResponse, url: &str) {
    if let Ok(url) = url::Url::parse(url)
        && matches!(url.scheme(), "http" | "https")
    {
        res.extensions_mut().insert(FormTarget(url.origin().ascii_serialization()));
    }
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    let csp = match res.response().extensions().get::<FormTarget>() {
        Some(FormTarget(origin)) => HeaderValue::from_str(&format!("{CSP} {origin}")).ok(),
        None => None,
    };
    let headers = res.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, csp.unwrap_or_else(|| HeaderValue::from_static(CSP)));
    for (name, value) in
        [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "no-referrer")]
    {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    Ok(res)
}
