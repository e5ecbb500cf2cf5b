//! `/admin/invitations/bulk`: invite many people at once, from a pasted
//! list or a CSV file. Always a preview first; then confirm; then a result
//! page listing every row, downloadable as CSV.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;

use super::{invite::Choice, parse_id};
use crate::service::bulk::{self, BulkError, BulkOptions, RowResult};
use crate::state::AppState;
use crate::store::{bulk_imports, roles, settings, tenants};
use crate::web::{
    error::{AppError, render},
    forms::FormErrors,
    guard::{Guard, Invite, PageContext},
    multipart,
};

#[derive(Template)]
#[template(path = "admin/bulk.html")]
pub struct BulkPage {
    pub page: PageContext,
    pub errors: FormErrors,
    pub list: String,
    pub roles: Vec<Choice>,
    pub tenants: Vec<Choice>,
    pub languages: Vec<Choice>,
    pub send_now: bool,
}

pub struct ShownRow {
    pub line: usize,
    pub login_id: String,
    pub name: String,
    pub verdict: &'static str,
    pub detail: String,
    pub good: bool,
}

#[derive(Template)]
#[template(path = "admin/bulk_rows.html")]
pub struct RowsPage {
    pub page: PageContext,
    pub import_id: String,
    pub committed: bool,
    pub rows: Vec<ShownRow>,
    pub counts: Vec<(&'static str, usize)>,
    pub writes: usize,
}

fn rows_page(g: &Guard<Invite>, import_id: String, rows: &[RowResult], committed: bool) -> RowsPage {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for r in rows {
        let label = r.kind.label(committed);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    RowsPage {
        page: g.page.clone(),
        import_id,
        committed,
        writes: rows.iter().filter(|r| r.kind.writes()).count(),
        counts,
        rows: rows
            .iter()
            .map(|r| ShownRow {
                line: r.line,
                login_id: r.login_id.clone(),
                name: r.name.clone(),
                verdict: r.kind.label(committed),
                detail: r.detail.clone(),
                good: r.kind.writes(),
            })
            .collect(),
    }
}

async fn form_page(
    state: &AppState,
    g: &Guard<Invite>,
    list: String,
    options: &BulkOptions,
    errors: FormErrors,
) -> Result<BulkPage, AppError> {
    let mut c = state.db.acquire().await?;
    let roles = roles::list(&mut c.conn())
        .await?
        .into_iter()
        .filter(|r| r.scope == "project" && g.access.can_grant(&r.name))
        .map(|r| Choice { checked: options.roles.contains(&r.name), label: r.name.clone(), value: r.name })
        .collect();
    let tenants = tenants::list(&mut c.conn())
        .await?
        .into_iter()
        .filter(|t| !t.disabled && g.access.covers(&[t.id]))
        .map(|t| Choice { checked: options.tenants.contains(&t.id), value: t.id.to_string(), label: t.name })
        .collect();
    let lang =
        if options.lang.is_empty() { settings::get(&mut c.conn()).await?.default_lang } else { options.lang.clone() };
    let languages = [("en", "English"), ("de", "Deutsch")]
        .into_iter()
        .map(|(code, label)| Choice { value: code.into(), label: label.into(), checked: lang == code })
        .collect();
    Ok(BulkPage { page: g.page.clone(), errors, list, roles, tenants, languages, send_now: options.send_now })
}

pub async fn bulk_form(state: web::Data<AppState>, g: Guard<Invite>) -> Result<HttpResponse, AppError> {
    let options = BulkOptions { send_now: true, ..BulkOptions::default() };
    render(StatusCode::OK, &form_page(&state, &g, String::new(), &options, FormErrors::default()).await?)
}

/// What the preview form sent: the mode, its input and the shared options.
fn read_form(req: &HttpRequest, body: &[u8]) -> Result<(String, String, BulkOptions), AppError> {
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut options = BulkOptions::default();
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    match multipart::parse(content_type, body) {
        Some(parts) => fields.extend(parts.into_iter().map(|p| (p.name, p.data))),
        None => {
            fields.extend(url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned().into_bytes())))
        }
    }
    let (mut mode, mut input) = (String::from("list"), String::new());
    for (name, data) in fields {
        let text = || String::from_utf8_lossy(&data).into_owned();
        match name.as_str() {
            "mode" => mode = text(),
            "list" => input = text(),
            // The CSV file stays bytes until the parser checks its encoding.
            "file" => {
                mode = "csv".into();
                input = match String::from_utf8(data.clone()) {
                    Ok(s) => s,
                    Err(_) => {
                        return Err(AppError::BadRequest(crate::domain::bulk_input::FileError::NotUtf8.to_string()));
                    }
                };
            }
            "roles" => options.roles.push(text()),
            "tenants" => options.tenants.push(parse_id(&text())?),
            "lang" => options.lang = text(),
            "send_now" => options.send_now = true,
            _ => {}
        }
    }
    Ok((mode, input, options))
}

pub async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    g: Guard<Invite>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (mode, input, options) = match read_form(&req, &body) {
        Ok(v) => v,
        Err(AppError::BadRequest(message)) => {
            let mut errors = FormErrors::default();
            errors.push("file", message);
            let page =
                form_page(&state, &g, String::new(), &BulkOptions { send_now: true, ..Default::default() }, errors)
                    .await?;
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e),
    };
    match bulk::preview(&state, &g.actor, &g.access, &mode, &input, &options).await {
        Ok(preview) => render(StatusCode::OK, &rows_page(&g, preview.import_id.to_string(), &preview.rows, false)),
        Err(BulkError::File(e)) => {
            let mut errors = FormErrors::default();
            errors.push(if mode == "csv" { "file" } else { "list" }, e.to_string());
            let list = if mode == "csv" { String::new() } else { input };
            render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&state, &g, list, &options, errors).await?)
        }
        Err(BulkError::Service(e)) => Err(e.into()),
    }
}

pub async fn commit(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    match bulk::commit(&state, &g.actor, &g.access, id).await {
        Ok(rows) => render(StatusCode::OK, &rows_page(&g, id.to_string(), &rows, true)),
        Err(BulkError::File(e)) => Err(AppError::BadRequest(e.to_string())),
        Err(BulkError::Service(e)) => Err(e.into()),
    }
}

async fn committed_rows(
    state: &AppState,
    g: &Guard<Invite>,
    id: &str,
) -> Result<(uuid::Uuid, Vec<RowResult>), AppError> {
    let id = parse_id(id)?;
    let import = {
        let mut c = state.db.acquire().await?;
        bulk_imports::find(&mut c.conn(), id).await?
    };
    let import = import
        .filter(|i| Some(i.created_by) == g.actor.user_id && i.status == "committed")
        .ok_or(AppError::NotFound)?;
    let rows = import
        .result
        .map(|r| serde_json::from_value(r.0))
        .transpose()
        .map_err(anyhow::Error::from)?
        .unwrap_or_default();
    Ok((id, rows))
}

pub async fn result_page(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, rows) = committed_rows(&state, &g, &id).await?;
    render(StatusCode::OK, &rows_page(&g, id.to_string(), &rows, true))
}

pub async fn result_csv(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (id, rows) = committed_rows(&state, &g, &id).await?;
    let csv = bulk::result_csv(&rows)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", format!("attachment; filename=\"bulk-invite-{id}.csv\"")))
        .body(csv))
}
