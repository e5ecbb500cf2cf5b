//! Row actions on an invitation: resend, get a fresh link (shown once),
//! revoke. Each returns to the page it was taken on.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, web};
use askama::Template;

use super::parse_id;
use crate::service::{ServiceError, invitations};
use crate::state::AppState;
use crate::web::{
    auth::login::is_same_site_path,
    error::{AppError, render, see_other},
    guard::{self, Guard, Invite, PageContext},
};

/// A link shown exactly once, after it was issued without sending.
#[derive(Template)]
#[template(path = "admin/link_once.html")]
pub struct LinkOncePage {
    pub page: PageContext,
    pub heading: String,
    pub login_id: String,
    pub link: String,
    /// The page the person came from.
    pub back: String,
}

/// Where to go after an action: the page it was taken on — the form's
/// `return_to` field, else the Referer — when that is a path on this site;
/// the users table otherwise.
pub fn back_to(req: &HttpRequest, form: &[u8]) -> String {
    let field = url::form_urlencoded::parse(form).find(|(k, _)| k == "return_to").map(|(_, v)| v.into_owned());
    field.filter(|p| is_same_site_path(p)).or_else(|| referer_path(req)).unwrap_or_else(|| "/admin/users".into())
}

/// The Referer's path and query, when it is a page of this site.
fn referer_path(req: &HttpRequest) -> Option<String> {
    let url = url::Url::parse(req.headers().get(header::REFERER)?.to_str().ok()?).ok()?;
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_string(),
    };
    if !host.eq_ignore_ascii_case(req.connection_info().host()) {
        return None;
    }
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    is_same_site_path(&path).then_some(path)
}

fn report(
    g: &Guard<Invite>,
    result: Result<(), ServiceError>,
    done: &str,
    back: &str,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => guard::flash(&g.session, "success", done),
        Err(ServiceError::Refused(m)) => guard::flash(&g.session, "error", m),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(back))
}

pub async fn resend_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = invitations::resend(&state, &g.actor, &g.access, id, true).await.map(|_| ());
    report(&g, result, "Invitation resent with a fresh link; earlier links no longer work.", &back_to(&req, &body))
}

pub async fn revoke_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = invitations::revoke(&state, &g.actor, &g.access, id).await;
    report(&g, result, "Invitation revoked; its link no longer works.", &back_to(&req, &body))
}

pub async fn fresh_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let back = back_to(&req, &body);
    match invitations::resend(&state, &g.actor, &g.access, id, false).await {
        Ok(Some(link)) => {
            let login_id = {
                let mut c = state.db.acquire().await?;
                crate::store::invitations::find(&mut c.conn(), id).await?.map(|i| i.login_id).unwrap_or_default()
            };
            let heading = "A fresh invitation link".into();
            render(StatusCode::OK, &LinkOncePage { page: g.page.clone(), heading, login_id, link, back })
        }
        Ok(None) => Ok(see_other(&back)),
        Err(e) => report(&g, Err(e), "", &back),
    }
}
