//! `/admin/invitations`: every invitation, apart from the users, with its
//! status, expiry, resend count and inviter, and its row actions (resend,
//! fresh link, revoke) that return to this page.

use std::collections::HashMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{access::Capability, invitation::InvitationStatus};
use crate::service::{self, show_time};
use crate::state::AppState;
use crate::store::{
    invitations::{self, InvitationQuery},
    tenants,
};
use crate::web::{
    error::{AppError, render},
    guard::{Guard, PageContext, ViewPeople},
};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub struct Query {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct Row {
    pub id: String,
    pub user_id: String,
    pub login_id: String,
    pub status: &'static str,
    pub created: String,
    pub sent: String,
    pub expires: String,
    pub resent_count: i64,
    pub invited_by: String,
    pub tenant: String,
    /// Pending or expired, for someone who never activated: revocable.
    pub live: bool,
    /// Why Resend and "Get a fresh link" are not offered, if they cannot work.
    pub resend_blocked: String,
}

#[derive(Template)]
#[template(path = "admin/invitations.html")]
pub struct InvitationsPage {
    pub page: PageContext,
    pub rows: Vec<Row>,
    pub status: String,
    pub q: String,
    pub statuses: [&'static str; 5],
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    /// This page with its filters, for the row actions to return to.
    pub here: String,
}

fn link(status: &str, q: &str, page: i64) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("status", status)
        .append_pair("q", q)
        .append_pair("page", &page.to_string())
        .finish();
    format!("/admin/invitations?{query}")
}

pub async fn list_invitations(
    state: web::Data<AppState>,
    g: Guard<ViewPeople>,
    query: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let status = InvitationStatus::parse(&query.status);
    let search = query.q.trim();
    let page_no = query.page.unwrap_or(1).clamp(1, 1_000_000);
    let q = InvitationQuery {
        status,
        search: (!search.is_empty()).then(|| search.to_string()),
        scope: g.access.tenant_scope,
        now,
        offset: (page_no - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let (listed, total, disabled) = {
        let mut c = state.db.acquire().await?;
        let (listed, total) = invitations::list(&mut c.conn(), &q).await?;
        let disabled: HashMap<Uuid, String> =
            tenants::list(&mut c.conn()).await?.into_iter().filter(|t| t.disabled).map(|t| (t.id, t.name)).collect();
        (listed, total, disabled)
    };
    let can_invite = g.access.can(Capability::Invite);
    let rows = listed
        .into_iter()
        .map(|i| {
            let status = InvitationStatus::parse(&i.status).map(|s| s.at(i.expires_at, now));
            let invitable = matches!(i.user_status.as_deref(), Some("invited" | "invite_expired"));
            let live = can_invite
                && invitable
                && matches!(status, Some(InvitationStatus::Pending | InvitationStatus::Expired));
            let resend_blocked = match i.tenant_id.and_then(|t| disabled.get(&t)) {
                Some(name) if live => service::invitations::tenant_disabled(name),
                _ => String::new(),
            };
            Row {
                id: i.id.to_string(),
                user_id: i.user_id.to_string(),
                status: status.map(InvitationStatus::as_str).unwrap_or("pending"),
                live,
                resend_blocked,
                login_id: i.login_id,
                created: show_time(i.created_at),
                sent: i.sent_at.map(show_time).unwrap_or_else(|| "not sent".into()),
                expires: show_time(i.expires_at),
                resent_count: i.resent_count,
                invited_by: i.invited_by_login.unwrap_or_default(),
                tenant: i.tenant_name.unwrap_or_default(),
            }
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let status_str = status.map(InvitationStatus::as_str).unwrap_or("").to_string();
    render(
        StatusCode::OK,
        &InvitationsPage {
            page: g.page.clone(),
            rows,
            prev_link: (page_no > 1).then(|| link(&status_str, search, page_no - 1)),
            next_link: (page_no < pages).then(|| link(&status_str, search, page_no + 1)),
            here: link(&status_str, search, page_no),
            status: status_str,
            q: search.to_string(),
            statuses: InvitationStatus::ALL.map(InvitationStatus::as_str),
            total,
            page_no,
            pages,
        },
    )
}
