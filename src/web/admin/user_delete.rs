//! Parting with a person: deleting them for good (asked first), or —
//! for tenant-scoped staff and someone who also belongs elsewhere — taking
//! them out of one tenant.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::parse_id;
use crate::domain::access::Change;
use crate::service::{ServiceError, accounts, people, tenancy};
use crate::state::AppState;
use crate::store::users;
use crate::web::{
    error::{AppError, render, see_other},
    guard::{self, Guard, ManageUsers, PageContext},
};

#[derive(Template)]
#[template(path = "admin/user_delete.html")]
pub struct DeletePage {
    pub page: PageContext,
    pub id: String,
    pub login_id: String,
}

pub async fn delete_form(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let mut c = state.db.acquire().await?;
    accounts::ensure_visible(&mut c.conn(), &g.access, id).await?;
    let user = users::find(&mut c.conn(), id).await?.ok_or(AppError::NotFound)?;
    // Not offered to whoever may not delete this person; asked anyway, no.
    if g.access.may_change(&accounts::person_of(&mut c.conn(), id).await?, Change::Account).is_err() {
        return Err(AppError::Forbidden);
    }
    render(StatusCode::OK, &DeletePage { page: g.page.clone(), id: id.to_string(), login_id: user.login_id })
}

pub async fn delete_user(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    match people::delete_user(&state, &g.actor, &g.access, id).await {
        Ok(login_id) => guard::flash(&g.session, "success", format!("{login_id} was deleted.")),
        Err(ServiceError::Refused(m)) => guard::flash(&g.session, "error", m),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/admin/users"))
}

#[derive(Deserialize)]
pub struct TenantForm {
    tenant_id: String,
}

/// POST: take the person out of one tenant (what tenant-scoped staff do
/// instead of deleting someone who also belongs elsewhere).
pub async fn remove_from_tenant(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
    form: web::Form<TenantForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let tenant = parse_id(&form.tenant_id)?;
    match tenancy::remove_from_tenant(&state, &g.actor, &g.access, id, tenant).await {
        Ok(name) => {
            guard::flash(&g.session, "success", format!("Removed from {name}."));
            Ok(see_other("/admin/users"))
        }
        Err(ServiceError::Refused(m)) => {
            guard::flash(&g.session, "error", m);
            Ok(see_other(&format!("/admin/users/{id}")))
        }
        Err(e) => Err(e.into()),
    }
}
