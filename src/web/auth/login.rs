//! `/login` and `/logout`. Rate-limited per address and login ID; one
//! message for every failure so nobody learns which accounts exist.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::service::{ServiceError, accounts};
use crate::state::AppState;
use crate::web::{
    csrf::{self, CsrfToken},
    error::{AppError, see_other},
    guard::{USER_ID_KEY, actor_of, flash},
};

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    pub csrf: String,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Is `path` a path on this site (one leading `/`, not `//` or `/\`)?
/// Browsers drop tabs and new lines and read `\` as `/`, so
/// `/\t/evil.example` would leave the site: refuse them all.
pub fn is_same_site_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !path.chars().any(|c| c.is_control() || c == '\\')
}

/// Only same-site paths, so `next` cannot send people elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_same_site_path(n) => n.to_string(),
        _ => "/admin/users".into(),
    }
}

pub async fn login_form(csrf: CsrfToken, query: web::Query<NextQuery>, session: Session) -> LoginPage {
    let notice = crate::web::guard::take_flash(&session).map(|f| f.message);
    LoginPage { csrf: csrf.0, email: String::new(), next: safe_next(query.next.as_deref()), error: None, notice }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn log_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    csrf: CsrfToken,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let ip = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let key = format!("{ip}|{}", form.email.trim().to_lowercase());
    let page = |error: &str| LoginPage {
        csrf: csrf.0.clone(),
        email: form.email.clone(),
        next: next.clone(),
        error: Some(error.into()),
        notice: None,
    };
    if state.limits.login.check_key(&key).is_err() || state.limits.login_ip.check_key(&ip).is_err() {
        let body =
            page("Too many sign-in attempts. Wait a minute and try again.").render().map_err(anyhow::Error::from)?;
        return Ok(HttpResponse::TooManyRequests().content_type("text/html; charset=utf-8").body(body));
    }
    match accounts::login(&state, &form.email, &form.password, &actor_of(&req, None)).await {
        Ok(user) => {
            // A new session id and CSRF token on sign-in: no session fixation,
            // and a token planted before sign-in is useless after it.
            session.renew();
            csrf::rotate(&req);
            session.insert(USER_ID_KEY, user.id).map_err(|e| anyhow::anyhow!("session insert failed: {e}"))?;
            Ok(see_other(&next))
        }
        Err(ServiceError::Refused(message)) => {
            let body = page(&message).render().map_err(anyhow::Error::from)?;
            Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn log_out(req: HttpRequest, session: Session) -> HttpResponse {
    session.purge();
    csrf::rotate(&req);
    flash(&session, "success", "You have signed out.");
    see_other("/login")
}
