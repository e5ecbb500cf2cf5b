//! The invitee's pages: the prefilled registration form (GET never uses
//! the link up), register, decline, ask for a fresh link, and a friendly
//! page for every dead link.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::service::{
    ServiceError,
    invitee::{self, LinkView, Registration},
    show_time,
};
use crate::state::AppState;
use crate::web::{
    csrf::CsrfToken,
    error::{AppError, render, see_other},
    forms::FormErrors,
    guard::actor_of,
    headers::allow_form_redirect,
};
use crate::words::{Msg, Words, words_for};

#[derive(Template)]
#[template(path = "invitee/register.html")]
pub struct RegisterPage {
    pub w: &'static Words,
    pub lang: String,
    pub csrf: String,
    pub token: String,
    pub account_name: String,
    pub login_id: String,
    pub given_name: String,
    pub family_name: String,
    pub attributes: Vec<(String, String)>,
    pub expires: String,
    pub errors: FormErrors,
    /// Where registering sends the person (another site, or none).
    pub redirect_url: Option<String>,
}

impl RegisterPage {
    /// The page, whose form may be redirected to the invitation's redirect URL.
    fn respond(self, status: StatusCode) -> Result<HttpResponse, AppError> {
        let mut res = render(status, &self)?;
        if let Some(url) = &self.redirect_url {
            allow_form_redirect(&mut res, url);
        }
        Ok(res)
    }
}

#[derive(Template)]
#[template(path = "invitee/message.html")]
pub struct MessagePage {
    pub w: &'static Words,
    pub lang: String,
    pub title: String,
    pub message: String,
    pub csrf: String,
    /// Offer "send me a fresh link" for this token.
    pub refresh_token: Option<String>,
}

fn message(status: StatusCode, lang: &str, title: &str, message: &str) -> Result<HttpResponse, AppError> {
    let page = MessagePage {
        w: words_for(lang),
        lang: lang.into(),
        title: title.into(),
        message: message.into(),
        csrf: String::new(),
        refresh_token: None,
    };
    render(status, &page)
}

fn check_rate(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    let ip = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    state.limits.invite_link.check_key(&ip).map_err(|_| AppError::TooManyRequests)
}

/// The language for pages: Accept-Language when it names one we have.
fn browser_lang(req: &HttpRequest) -> &'static str {
    let header = req.headers().get("accept-language").and_then(|v| v.to_str().ok()).unwrap_or("");
    if header.trim_start().to_lowercase().starts_with("de") { "de" } else { "en" }
}

/// The page for a link that cannot be used (410 Gone, 404 when unknown).
fn dead_link_page(view: &LinkView, lang: &str, csrf: &str, token: &str) -> Result<HttpResponse, AppError> {
    let w = words_for(lang);
    let (status, title, text, refresh) = match view {
        // Still usable (e.g. "send me a fresh link" on a live link): back to it.
        LinkView::Open { .. } => return Ok(see_other(&format!("/invite/{token}"))),
        LinkView::LinkExpired => (StatusCode::GONE, w.get(Msg::LinkExpiredTitle), w.get(Msg::LinkExpired), true),
        LinkView::Superseded => (StatusCode::GONE, w.get(Msg::SupersededTitle), w.get(Msg::Superseded), false),
        LinkView::Accepted => (StatusCode::GONE, w.get(Msg::AcceptedTitle), w.get(Msg::Accepted), false),
        LinkView::Declined => (StatusCode::GONE, w.get(Msg::DeclinedTitle), w.get(Msg::Declined), false),
        LinkView::Revoked => (StatusCode::GONE, w.get(Msg::RevokedTitle), w.get(Msg::Revoked), false),
        LinkView::Expired => (StatusCode::GONE, w.get(Msg::ExpiredTitle), w.get(Msg::Expired), false),
        LinkView::TenantDisabled => {
            (StatusCode::GONE, w.get(Msg::TenantDisabledTitle), w.get(Msg::TenantDisabled), false)
        }
        LinkView::Unknown => (StatusCode::NOT_FOUND, w.get(Msg::UnknownTitle), w.get(Msg::Unknown), false),
    };
    let page = MessagePage {
        w,
        lang: lang.into(),
        title: title.into(),
        message: text.into(),
        csrf: csrf.into(),
        refresh_token: refresh.then(|| token.to_string()),
    };
    render(status, &page)
}

fn register_page(
    view: LinkView,
    csrf: &str,
    token: &str,
    given: Option<String>,
    family: Option<String>,
    errors: FormErrors,
) -> RegisterPage {
    let LinkView::Open { invitation, user, account_name } = view else { unreachable!("only open links register") };
    RegisterPage {
        w: words_for(&invitation.lang),
        lang: invitation.lang.clone(),
        csrf: csrf.into(),
        token: token.into(),
        account_name,
        login_id: user.login_id.clone(),
        given_name: given.unwrap_or(user.given_name),
        family_name: family.unwrap_or(user.family_name),
        attributes: user
            .custom_attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect(),
        expires: show_time(invitation.expires_at),
        errors,
        redirect_url: invitation.redirect_url.clone(),
    }
}

pub async fn registration_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    check_rate(&state, &req)?;
    let view = invitee::open(&state, &token).await?;
    if !matches!(view, LinkView::Open { .. }) {
        return dead_link_page(&view, browser_lang(&req), &csrf.0, &token);
    }
    register_page(view, &csrf.0, &token, None, None, FormErrors::default()).respond(StatusCode::OK)
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn register(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    csrf: CsrfToken,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    check_rate(&state, &req)?;
    let f = form.into_inner();
    let (given, family) = (f.given_name.clone(), f.family_name.clone());
    let registration = Registration {
        given_name: f.given_name,
        family_name: f.family_name,
        password: f.password,
        password_confirm: f.password_confirm,
    };
    match invitee::accept(&state, &token, registration, &actor_of(&req, None)).await {
        Ok(Some(redirect)) => Ok(see_other(&redirect)),
        Ok(None) => Ok(see_other("/welcome")),
        Err(ServiceError::Invalid(errors)) => {
            let view = invitee::open(&state, &token).await?;
            if !matches!(view, LinkView::Open { .. }) {
                return dead_link_page(&view, browser_lang(&req), &csrf.0, &token);
            }
            let mut page = register_page(view, &csrf.0, &token, Some(given), Some(family), FormErrors(errors));
            for e in &mut page.errors.0 {
                e.message = words_for(&page.lang).translate(&e.message);
            }
            page.respond(StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(ServiceError::Refused(_)) => {
            let view = invitee::open(&state, &token).await?;
            dead_link_page(&view, browser_lang(&req), &csrf.0, &token)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decline(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    check_rate(&state, &req)?;
    let lang = browser_lang(&req);
    match invitee::decline(&state, &token, &actor_of(&req, None)).await {
        Ok(()) => {
            let w = words_for(lang);
            message(StatusCode::OK, lang, w.get(Msg::DeclinedDoneTitle), w.get(Msg::DeclinedDone))
        }
        Err(ServiceError::Refused(_)) => dead_link_page(&invitee::open(&state, &token).await?, lang, &csrf.0, &token),
        Err(e) => Err(e.into()),
    }
}

pub async fn request_fresh_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    check_rate(&state, &req)?;
    if state.limits.fresh_link.check_key(&token.to_string()).is_err() {
        return Err(AppError::TooManyRequests);
    }
    let lang = browser_lang(&req);
    match invitee::send_fresh_link(&state, &token, &actor_of(&req, None)).await {
        Ok(()) => {
            let w = words_for(lang);
            message(StatusCode::OK, lang, w.get(Msg::FreshSentTitle), w.get(Msg::FreshSent))
        }
        Err(ServiceError::Refused(_)) => dead_link_page(&invitee::open(&state, &token).await?, lang, &csrf.0, &token),
        Err(e) => Err(e.into()),
    }
}

pub async fn welcome(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let lang = browser_lang(&req);
    let w = words_for(lang);
    message(StatusCode::OK, lang, w.get(Msg::WelcomeTitle), w.get(Msg::Welcome))
}
