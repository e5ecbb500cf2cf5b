//! `/admin/audit`: who did what to whom, when, from where — filterable and
//! exportable as CSV. Tenant-scoped viewers see their tenant's entries only.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use crate::domain::csv_export::CsvExport;
use crate::service::show_time;
use crate::state::AppState;
use crate::store::{audit, tenants};
use crate::web::{
    error::{AppError, render},
    guard::{Guard, PageContext, ViewAudit},
};

const PAGE_SIZE: i64 = 50;
const CSV_LIMIT: i64 = 100_000;

#[derive(Deserialize, Default, Clone)]
pub struct Query {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct Row {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub tenant: String,
    pub ip: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    pub page: PageContext,
    pub q: Query,
    pub rows: Vec<Row>,
    pub tenants: Vec<(String, String)>,
    pub total: i64,
    pub page_no: i64,
    pub pages: i64,
    pub prev_link: Option<String>,
    pub next_link: Option<String>,
    pub csv_link: String,
    pub date_error: bool,
}

fn day(s: &str, plus_one: bool) -> Result<Option<chrono::DateTime<Utc>>, ()> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| ())?;
    let d = if plus_one { d.succ_opt().ok_or(())? } else { d };
    Ok(Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).ok_or(())?)))
}

fn filter(g: &Guard<ViewAudit>, q: &Query) -> (audit::Filter, bool) {
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let (from, to) = (day(&q.from, false), day(&q.to, true));
    let date_error = from.is_err() || to.is_err();
    let f = audit::Filter {
        actor: text(&q.actor),
        action: text(&q.action),
        target: text(&q.target),
        // A tenant-scoped viewer sees their tenant only, whatever they ask.
        tenant: g.access.tenant_scope.or_else(|| q.tenant.parse().ok()),
        from: from.ok().flatten(),
        to: to.ok().flatten(),
    };
    (f, date_error)
}

fn link(q: &Query, path: &str, page: Option<i64>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", &q.actor),
        ("action", &q.action),
        ("target", &q.target),
        ("tenant", &q.tenant),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        s.append_pair(k, v);
    }
    if let Some(p) = page {
        s.append_pair("page", &p.to_string());
    }
    format!("{path}?{}", s.finish())
}

pub async fn audit_page(
    state: web::Data<AppState>,
    g: Guard<ViewAudit>,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let (f, date_error) = filter(&g, &q);
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut c = state.db.acquire().await?;
    let (entries, total) = audit::list(&mut c.conn(), &f, (page_no - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    let all_tenants = tenants::list(&mut c.conn()).await?;
    let name_of = |id: Option<uuid::Uuid>| {
        id.and_then(|id| all_tenants.iter().find(|t| t.id == id)).map(|t| t.name.clone()).unwrap_or_default()
    };
    let rows = entries
        .into_iter()
        .map(|e| Row {
            at: show_time(e.at),
            tenant: name_of(e.tenant_id),
            actor: e.actor,
            action: e.action,
            target: e.target,
            ip: e.ip,
            details: e.details.0.to_string(),
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let tenants =
        all_tenants.iter().filter(|t| g.access.covers(&[t.id])).map(|t| (t.id.to_string(), t.name.clone())).collect();
    render(
        StatusCode::OK,
        &AuditPage {
            page: g.page.clone(),
            prev_link: (page_no > 1).then(|| link(&q, "/admin/audit", Some(page_no - 1))),
            next_link: (page_no < pages).then(|| link(&q, "/admin/audit", Some(page_no + 1))),
            csv_link: link(&q, "/admin/audit.csv", None),
            q,
            rows,
            tenants,
            total,
            page_no,
            pages,
            date_error,
        },
    )
}

pub async fn audit_csv(
    state: web::Data<AppState>,
    g: Guard<ViewAudit>,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let (f, _) = filter(&g, &q);
    let (entries, _) = {
        let mut c = state.db.acquire().await?;
        audit::list(&mut c.conn(), &f, 0, CSV_LIMIT).await?
    };
    let mut csv = CsvExport::new(&["at", "actor", "action", "target", "tenant_id", "ip", "user_agent", "details"])?;
    for e in entries {
        let tenant = e.tenant_id.map(|t| t.to_string()).unwrap_or_default();
        csv.row([
            e.at.to_rfc3339().as_str(),
            &e.actor,
            &e.action,
            &e.target,
            &tenant,
            &e.ip,
            &e.user_agent,
            &e.details.0.to_string(),
        ])?;
    }
    let body = csv.finish()?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"usher-audit.csv\""))
        .body(body))
}
