//! Row actions on an invitation: resend, get a fresh link (shown once),
//! revoke.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::parse_id;
use crate::service::{ServiceError, invitations};
use crate::state::AppState;
use crate::web::{
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
}

fn report(g: &Guard<Invite>, result: Result<(), ServiceError>, done: &str) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => guard::flash(&g.session, "success", done),
        Err(ServiceError::Refused(m)) => guard::flash(&g.session, "error", m),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/admin/users"))
}

pub async fn resend_invitation(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = invitations::resend(&state, &g.actor, &g.access, id, true).await.map(|_| ());
    report(&g, result, "Invitation resent with a fresh link; earlier links no longer work.")
}

pub async fn revoke_invitation(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = invitations::revoke(&state, &g.actor, &g.access, id).await;
    report(&g, result, "Invitation revoked; its link no longer works.")
}

pub async fn fresh_link(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    match invitations::resend(&state, &g.actor, &g.access, id, false).await {
        Ok(Some(link)) => {
            let login_id = {
                let mut c = state.db.acquire().await?;
                crate::store::invitations::find(&mut c.conn(), id).await?.map(|i| i.login_id).unwrap_or_default()
            };
            let page = LinkOncePage { page: g.page.clone(), heading: "A fresh invitation link".into(), login_id, link };
            render(StatusCode::OK, &page)
        }
        Ok(None) => Ok(see_other("/admin/users")),
        Err(e) => report(&g, Err(e), ""),
    }
}
