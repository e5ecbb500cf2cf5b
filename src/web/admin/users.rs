//! `/admin/users`: the people table with search, status filter, paging and
//! a per-row actions menu, plus activate/deactivate.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::parse_id;
use crate::domain::{access::Capability, invitation::InvitationStatus, user::UserStatus};
use crate::service::{accounts, show_time};
use crate::state::AppState;
use crate::store::users::{self, ListQuery};
use crate::web::{
    error::{AppError, render, see_other},
    guard::{self, Guard, ManageUsers, PageContext, ViewPeople},
};

pub const PAGE_SIZE: i64 = 25;

#[derive(Deserialize)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct Row {
    pub id: String,
    pub login_id: String,
    pub name: String,
    pub status: &'static str,
    pub status_label: String,
    pub invited_by: String,
    pub created: String,
    pub invitation_id: String,
    pub invitation_note: String,
    pub can_resend: bool,
    pub can_revoke: bool,
    pub can_deactivate: bool,
    pub can_activate: bool,
}

impl Row {
    pub fn has_actions(&self) -> bool {
        self.can_resend || self.can_revoke || self.can_deactivate || self.can_activate
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub page: PageContext,
    pub rows: Vec<Row>,
    pub q: String,
    pub status: String,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
}

fn page_link(q: &str, status: &str, page: i64) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .append_pair("status", status)
        .append_pair("page", &page.to_string())
        .finish();
    format!("/admin/users?{query}")
}

pub async fn list_users(
    state: web::Data<AppState>,
    g: Guard<ViewPeople>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let status = UserStatus::parse(&query.status);
    let search = query.q.trim();
    let page_no = query.page.unwrap_or(1).max(1);
    let (listed, total) = {
        let mut c = state.db.acquire().await?;
        let q = ListQuery {
            search: (!search.is_empty()).then_some(search),
            status,
            offset: (page_no - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        users::list(&mut c.conn(), &q).await?
    };
    let can_invite = g.access.can(Capability::Invite);
    let can_manage = g.access.can(Capability::ManageUsers);
    let rows = listed
        .into_iter()
        .map(|u| {
            let user_status = UserStatus::parse(&u.status).unwrap_or(UserStatus::Invited);
            let inv_status = match (&u.invitation_status, u.invitation_expires_at) {
                (Some(s), Some(exp)) => InvitationStatus::parse(s).map(|st| st.at(exp, now)),
                _ => None,
            };
            let invitable = matches!(user_status, UserStatus::Invited | UserStatus::InviteExpired);
            let live = matches!(
                inv_status,
                Some(InvitationStatus::Pending | InvitationStatus::Expired)
            );
            let invitation_note = match (inv_status, u.invitation_expires_at) {
                (Some(InvitationStatus::Pending), Some(exp)) if invitable => {
                    format!("expires {}", show_time(exp))
                }
                (Some(st), _) if invitable => format!("invitation {}", st.as_str()),
                _ => String::new(),
            };
            let resent = u.resent_count.unwrap_or(0);
            Row {
                id: u.id.to_string(),
                name: u.name(),
                status_label: user_status.label().to_string(),
                status: user_status.as_str(),
                invited_by: u.invited_by_login.clone().unwrap_or_default(),
                created: show_time(u.created_at),
                invitation_id: u.invitation_id.map(|i| i.to_string()).unwrap_or_default(),
                invitation_note: if resent > 0 && invitable {
                    format!("{invitation_note} · resent {resent}×")
                } else {
                    invitation_note
                },
                can_resend: can_invite && invitable && live,
                can_revoke: can_invite && invitable && live,
                can_deactivate: can_manage
                    && user_status == UserStatus::Active
                    && u.id != g.user.id,
                can_activate: can_manage && user_status == UserStatus::Disabled,
                login_id: u.login_id,
            }
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let status_str = status.map(UserStatus::as_str).unwrap_or("").to_string();
    let page = UsersPage {
        page: g.page.clone(),
        rows,
        prev_link: (page_no > 1).then(|| page_link(search, &status_str, page_no - 1)),
        next_link: (page_no < pages).then(|| page_link(search, &status_str, page_no + 1)),
        q: search.to_string(),
        status: status_str,
        statuses: UserStatus::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        total,
        page_no,
        pages,
    };
    render(StatusCode::OK, &page)
}

async fn set_active(
    state: &AppState,
    g: &Guard<ManageUsers>,
    id: &str,
    active: bool,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(id)?;
    match accounts::set_active(state, &g.actor, &g.access, id, active).await {
        Ok(()) => {
            let word = if active { "activated" } else { "deactivated" };
            guard::flash(&g.session, "success", format!("User {word}."));
        }
        Err(crate::service::ServiceError::Refused(m)) => guard::flash(&g.session, "error", m),
        Err(crate::service::ServiceError::Forbidden(_)) => {
            guard::flash(
                &g.session,
                "error",
                "You cannot change this user: secondary admins may not manage admins.",
            );
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/admin/users"))
}

pub async fn deactivate_user(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_active(&state, &g, &id, false).await
}

pub async fn activate_user(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    set_active(&state, &g, &id, true).await
}
