//! `/admin/users`: the people table with search, filters, sort, paging, a
//! per-row actions menu and bulk actions on selected rows.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::parse_id;
use crate::domain::{
    access::{Capability, Change},
    invitation::InvitationStatus,
    user::UserStatus,
};
use crate::service::{
    accounts, invitations, people, people::ActionOutcome, people::BulkAction, resend_expired as expired, show_time,
};
use crate::state::AppState;
use crate::store::{
    roles, tenants,
    user_list::{self, ListQuery, Listed, Sort},
};
use crate::web::{
    error::{AppError, render, see_other},
    guard::{self, Console, Guard, Invite, ManageUsers, PageContext, ViewPeople},
};

pub const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    sort: String,
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
    pub last_activity: String,
    pub invitation_id: String,
    pub invitation_note: String,
    pub can_resend: bool,
    /// Why Resend and "Get a fresh link" are not offered, if they cannot work.
    pub resend_blocked: String,
    pub can_revoke: bool,
    pub can_deactivate: bool,
    pub can_activate: bool,
    pub can_edit: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub page: PageContext,
    pub rows: Vec<Row>,
    pub q: String,
    pub status: String,
    pub tenant: String,
    pub role: String,
    pub sort: String,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub tenants: Vec<(String, String)>,
    pub roles: Vec<String>,
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub can_bulk_manage: bool,
    /// This page with its filters, for the row actions to return to.
    pub here: String,
}

impl UsersPage {
    pub fn sorts(&self) -> [(&'static str, &'static str); 3] {
        [("created", "Newest first"), ("name", "Name"), ("activity", "Last activity")]
    }
}

fn page_link(q: &UsersQuery, page: i64) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", &q.q)
        .append_pair("status", &q.status)
        .append_pair("tenant", &q.tenant)
        .append_pair("role", &q.role)
        .append_pair("sort", &q.sort)
        .append_pair("page", &page.to_string())
        .finish();
    format!("/admin/users?{query}")
}

/// One table row; `disabled` names the disabled tenants by id;
/// `can_manage`: the viewer may change this person's account.
fn to_row(
    u: Listed,
    g: &Guard<ViewPeople>,
    now: chrono::DateTime<Utc>,
    disabled: &HashMap<Uuid, String>,
    can_manage: bool,
) -> Row {
    let can_invite = g.access.can(Capability::Invite);
    let user_status = UserStatus::parse(&u.status).unwrap_or(UserStatus::Invited);
    let inv_status = match (&u.invitation_status, u.invitation_expires_at) {
        (Some(s), Some(exp)) => InvitationStatus::parse(s).map(|st| st.at(exp, now)),
        _ => None,
    };
    let invitable = matches!(user_status, UserStatus::Invited | UserStatus::InviteExpired);
    let live = matches!(inv_status, Some(InvitationStatus::Pending | InvitationStatus::Expired));
    let mut note = match (inv_status, u.invitation_expires_at) {
        (Some(InvitationStatus::Pending), Some(exp)) if invitable => format!("expires {}", show_time(exp)),
        (Some(st), _) if invitable => format!("invitation {}", st.as_str()),
        _ => String::new(),
    };
    let resend_blocked = match u.invitation_tenant_id.and_then(|t| disabled.get(&t)) {
        Some(name) if can_invite && invitable && live => invitations::tenant_disabled(name),
        _ => String::new(),
    };
    let resent = u.resent_count.unwrap_or(0);
    if resent > 0 && invitable {
        note = format!("{note} · resent {resent}×");
    }
    Row {
        id: u.id.to_string(),
        name: u.name(),
        status_label: user_status.label().to_string(),
        status: user_status.as_str(),
        invited_by: u.invited_by_login.clone().unwrap_or_default(),
        created: show_time(u.created_at),
        last_activity: u.last_login_at.map(show_time).unwrap_or_default(),
        invitation_id: u.invitation_id.map(|i| i.to_string()).unwrap_or_default(),
        invitation_note: note,
        can_resend: can_invite && invitable && live && resend_blocked.is_empty(),
        resend_blocked,
        can_revoke: can_invite && invitable && live,
        can_deactivate: can_manage && user_status == UserStatus::Active && u.id != g.user.id,
        can_activate: can_manage && user_status == UserStatus::Disabled,
        can_edit: can_manage,
        login_id: u.login_id,
    }
}

pub async fn list_users(
    state: web::Data<AppState>,
    g: Guard<ViewPeople>,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let status = UserStatus::parse(&query.status);
    let search = query.q.trim();
    let sort = Sort::parse(&query.sort);
    let page_no = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let mut c = state.db.acquire().await?;
    let all_tenants = tenants::list(&mut c.conn()).await?;
    let disabled: HashMap<Uuid, String> =
        all_tenants.iter().filter(|t| t.disabled).map(|t| (t.id, t.name.clone())).collect();
    let role_names: Vec<String> = roles::list(&mut c.conn()).await?.into_iter().map(|r| r.name).collect();
    let q = ListQuery {
        search: (!search.is_empty()).then(|| search.to_string()),
        status,
        tenant: query.tenant.parse().ok(),
        role: role_names.iter().find(|r| **r == query.role).cloned(),
        scope: g.access.tenant_scope,
        sort,
        offset: (page_no - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        after: None,
    };
    let (listed, total) = user_list::list(&mut c.conn(), &q).await?;
    // Offer Edit, Activate and Deactivate only where the one rule allows it
    // (a project-wide admin may change anyone: no need to ask per row).
    let mut may_manage = HashSet::new();
    if g.access.can(Capability::ManageUsers) {
        for u in &listed {
            let allowed = g.access.is_admin()
                || g.access.may_change(&accounts::person_of(&mut c.conn(), u.id).await?, Change::Account).is_ok();
            if allowed {
                may_manage.insert(u.id);
            }
        }
    }
    drop(c);
    let rows = listed
        .into_iter()
        .map(|u| {
            let can_manage = may_manage.contains(&u.id);
            to_row(u, &g, now, &disabled, can_manage)
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = UsersPage {
        page: g.page.clone(),
        rows,
        prev_link: (page_no > 1).then(|| page_link(&query, page_no - 1)),
        next_link: (page_no < pages).then(|| page_link(&query, page_no + 1)),
        q: search.to_string(),
        status: status.map(UserStatus::as_str).unwrap_or("").to_string(),
        tenant: q.tenant.map(|t| t.to_string()).unwrap_or_default(),
        role: q.role.clone().unwrap_or_default(),
        sort: sort.as_str().to_string(),
        statuses: UserStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        tenants: all_tenants
            .into_iter()
            .filter(|t| g.access.covers(&[t.id]))
            .map(|t| (t.id.to_string(), t.name))
            .collect(),
        roles: role_names,
        total,
        page_no,
        pages,
        can_bulk_manage: g.access.can(Capability::ManageUsers),
        here: page_link(&query, page_no),
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
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&format!("/admin/users/{id}")))
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

#[derive(Template)]
#[template(path = "admin/bulk_action_result.html")]
pub struct BulkActionPage {
    pub page: PageContext,
    pub heading: String,
    pub outcomes: Vec<ActionOutcome>,
}

impl BulkActionPage {
    pub fn done(&self) -> usize {
        self.outcomes.iter().filter(|o| o.ok).count()
    }
}

/// POST `/admin/users/bulk`: `action` on every checked `ids`. What each
/// action needs is declared in the route table (`BULK_USER_ACTIONS`).
pub async fn bulk_users(state: web::Data<AppState>, g: Console, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let mut ids = Vec::new();
    let mut action = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "ids" => ids.push(parse_id(&v)?),
            "action" => action = BulkAction::parse(&v),
            _ => {}
        }
    }
    let Some(action) = action else { return Err(AppError::BadRequest("Choose an action.".into())) };
    if ids.is_empty() {
        guard::flash(&g.session, "error", "Select at least one user first.");
        return Ok(see_other("/admin/users"));
    }
    let outcomes = people::bulk_action(&state, &g.actor, &g.access, action, &ids).await?;
    let heading = format!("{}: results", action.title());
    render(StatusCode::OK, &BulkActionPage { page: g.page.clone(), heading, outcomes })
}

/// How many of the people "Resend all expired" would reach are named on
/// its confirm page; the rest are counted.
const NAMED: usize = 50;

#[derive(Template)]
#[template(path = "admin/resend_expired.html")]
pub struct ResendExpiredPage {
    pub page: PageContext,
    pub count: usize,
    /// (login ID, name) of the first [`NAMED`] people.
    pub named: Vec<(String, String)>,
    /// Exactly the invitations shown, comma-separated: what confirming resends.
    pub ids: String,
}

impl ResendExpiredPage {
    pub fn more(&self) -> usize {
        self.count - self.named.len()
    }
}

/// GET: who "Resend all expired" would send a new invitation to.
pub async fn resend_expired_form(state: web::Data<AppState>, g: Guard<Invite>) -> Result<HttpResponse, AppError> {
    let found = expired::candidates(&state, &g.access).await?;
    let ids = found.iter().map(|e| e.id.to_string()).collect::<Vec<_>>().join(",");
    let named = found
        .iter()
        .take(NAMED)
        .map(|e| (e.login_id.clone(), format!("{} {}", e.given_name, e.family_name).trim().to_string()))
        .collect();
    render(StatusCode::OK, &ResendExpiredPage { page: g.page.clone(), count: found.len(), named, ids })
}

/// POST: resend exactly the invitations the confirm page listed.
pub async fn resend_expired(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let mut ids = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        if k == "invitation_ids" {
            for id in v.split(',').filter(|s| !s.trim().is_empty()) {
                ids.push(id.trim().parse().map_err(|_| AppError::BadRequest("Malformed invitation list.".into()))?);
            }
        }
    }
    let outcomes = expired::resend(&state, &g.actor, &g.access, &ids).await?;
    let heading = "Resend all expired: results".into();
    render(StatusCode::OK, &BulkActionPage { page: g.page.clone(), heading, outcomes })
}
