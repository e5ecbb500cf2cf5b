//! `/admin/invitations/bulk`: invite many people at once, from a pasted
//! list or a CSV file. Always a preview first; then confirm, which
//! redirects to the import's result page (every row, downloadable as CSV).
//! The bulk page lists recent imports so a result can be found again.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::{invite::Choice, parse_id};
use crate::domain::{bulk_input, bulk_input::FileError, number::grouped};
use crate::service::bulk::{self, BulkError, BulkOptions, Kind, RowResult};
use crate::service::bulk_results::{self, ImportResult, ImportStatus};
use crate::service::show_time;
use crate::state::AppState;
use crate::store::{roles, settings, tenants};
use crate::web::{
    error::{AppError, render, see_other},
    forms::{FORM_LIMIT, FormErrors},
    guard::{Guard, Invite, PageContext},
    multipart::{Upload, UploadError},
};

/// The language and "send" choices of one of the two forms.
pub struct FormChoices {
    pub languages: Vec<Choice>,
    pub send_now: bool,
}

/// One line of the recent imports list.
pub struct RecentImport {
    pub id: String,
    pub when: String,
    pub by: String,
    pub rows: String,
    pub invited: String,
    pub resent: String,
    pub skipped: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin/bulk.html")]
pub struct BulkPage {
    pub page: PageContext,
    pub errors: FormErrors,
    pub list: String,
    pub roles: Vec<Choice>,
    pub tenants: Vec<Choice>,
    pub list_form: FormChoices,
    pub csv_form: FormChoices,
    pub recent: Vec<RecentImport>,
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
    /// None for a preview.
    pub status: Option<ImportStatus>,
    /// Who confirmed the import and when (result pages).
    pub made: String,
    pub rows: Vec<ShownRow>,
    pub counts: Vec<(&'static str, String)>,
    /// The confirm button's text; None when no row can be written.
    pub confirm: Option<String>,
}

impl RowsPage {
    fn committed(&self) -> bool {
        self.status.is_some()
    }

    fn in_progress(&self) -> bool {
        self.status == Some(ImportStatus::Committing)
    }

    fn stopped(&self) -> bool {
        self.status == Some(ImportStatus::Failed)
    }
}

/// "Confirm: invite 3 people", "Confirm: resend 1 invitation", or both —
/// exactly what confirming will do.
fn confirm_label(invites: usize, resends: usize) -> Option<String> {
    let people = |n: usize| format!("{} {}", grouped(n), if n == 1 { "person" } else { "people" });
    let invitations = |n: usize| format!("{} {}", grouped(n), if n == 1 { "invitation" } else { "invitations" });
    match (invites, resends) {
        (0, 0) => None,
        (i, 0) => Some(format!("Confirm: invite {}", people(i))),
        (0, r) => Some(format!("Confirm: resend {}", invitations(r))),
        (i, r) => Some(format!("Confirm: invite {} and resend {}", people(i), invitations(r))),
    }
}

fn rows_page(g: &Guard<Invite>, import_id: String, rows: &[RowResult], status: Option<ImportStatus>) -> RowsPage {
    let committed = status.is_some();
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for r in rows {
        let label = r.kind.label(committed);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let count = |kind: Kind| rows.iter().filter(|r| r.kind == kind).count();
    RowsPage {
        page: g.page.clone(),
        import_id,
        status,
        made: String::new(),
        confirm: confirm_label(count(Kind::Invite), count(Kind::Resend)),
        counts: counts.into_iter().map(|(label, n)| (label, grouped(n))).collect(),
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

/// What the preview form sent, kept whole so that an error page shows
/// every choice again.
struct Submitted {
    mode: String,
    list: String,
    /// The file part: its name as sent (empty when none was chosen) and bytes.
    file: Option<(String, Vec<u8>)>,
    /// The file was larger than a CSV file may be (its bytes were not kept).
    file_too_large: bool,
    options: BulkOptions,
}

impl Submitted {
    /// The bulk page as first shown.
    fn fresh() -> Self {
        Self {
            mode: String::new(),
            list: String::new(),
            file: None,
            file_too_large: false,
            options: BulkOptions::default(),
        }
    }

    /// Take one form field.
    fn set(&mut self, name: &str, value: String) -> Result<(), AppError> {
        match name {
            "mode" => self.mode = value,
            "list" => self.list = value,
            // An urlencoded form sends only the file's name.
            "file" => {
                self.mode = "csv".into();
                self.file = Some((String::new(), value.into_bytes()));
            }
            "roles" => self.options.roles.push(value),
            "tenants" => self.options.tenants.push(parse_id(&value)?),
            "lang" => self.options.lang = value,
            "send_now" => self.options.send_now = true,
            _ => {}
        }
        Ok(())
    }

    /// The text to preview, or why the input cannot be read.
    fn input(&self) -> Result<String, FileError> {
        if self.mode != "csv" {
            return Ok(self.list.clone());
        }
        if self.file_too_large {
            return Err(FileError::TooLarge);
        }
        match &self.file {
            Some((name, data)) if !(name.is_empty() && data.is_empty()) => bulk_input::file_text(data),
            _ => Err(FileError::NoFile),
        }
    }

    /// The submitted form's choices; the other form shows its defaults
    /// (send now, the account's language).
    fn choices(&self, mode: &str, default_lang: &str) -> FormChoices {
        let own = self.mode == mode;
        let lang = if own && !self.options.lang.is_empty() { self.options.lang.as_str() } else { default_lang };
        let languages = [("en", "English"), ("de", "Deutsch")]
            .into_iter()
            .map(|(code, label)| Choice { value: code.into(), label: label.into(), checked: lang == code })
            .collect();
        FormChoices { languages, send_now: if own { self.options.send_now } else { true } }
    }
}

/// The preview form: the list form arrives urlencoded, the CSV form as a
/// multipart [`Upload`] whose file is read as it arrives, up to its limit.
async fn read_form(upload: Option<Upload>, body: &[u8]) -> Result<Submitted, AppError> {
    let mut form = Submitted { mode: "list".into(), ..Submitted::fresh() };
    let Some(mut upload) = upload else {
        for (name, value) in url::form_urlencoded::parse(body) {
            form.set(&name, value.into_owned())?;
        }
        return Ok(form);
    };
    while let Some(mut part) = upload.next_part().await? {
        if part.name != "file" {
            let value = part.bytes(FORM_LIMIT).await?;
            form.set(&part.name, String::from_utf8_lossy(&value).into_owned())?;
            continue;
        }
        form.mode = "csv".into();
        // The file stays bytes until the parser checks its encoding.
        match part.bytes(bulk_input::MAX_BYTES).await {
            Ok(data) => form.file = Some((part.filename.unwrap_or_default(), data)),
            // Say so beside the field; the rest of the body is never read
            // (choices after the file show their defaults).
            Err(UploadError::PartTooLarge) => {
                form.file_too_large = true;
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(form)
}

async fn form_page(
    state: &AppState,
    g: &Guard<Invite>,
    form: &Submitted,
    errors: FormErrors,
) -> Result<BulkPage, AppError> {
    let options = &form.options;
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
    let default_lang = settings::get(&mut c.conn()).await?.default_lang;
    drop(c);
    let shown = |n: Option<i64>| n.map(|n| grouped(n.max(0) as usize)).unwrap_or_default();
    let recent = bulk_results::recent(state, &g.access)
        .await?
        .into_iter()
        .map(|i| RecentImport {
            id: i.id.to_string(),
            when: show_time(i.committed_at.unwrap_or(i.created_at)),
            by: i.created_by_label,
            rows: shown(i.row_count),
            invited: shown(i.invited_count),
            resent: shown(i.resent_count),
            skipped: shown(i.row_count.map(|n| n - i.invited_count.unwrap_or(0) - i.resent_count.unwrap_or(0))),
            status: ImportStatus::parse(&i.status).map(ImportStatus::label).unwrap_or_default(),
        })
        .collect();
    Ok(BulkPage {
        page: g.page.clone(),
        errors,
        list: form.list.clone(),
        roles,
        tenants,
        list_form: form.choices("list", &default_lang),
        csv_form: form.choices("csv", &default_lang),
        recent,
    })
}

pub async fn bulk_form(state: web::Data<AppState>, g: Guard<Invite>) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &form_page(&state, &g, &Submitted::fresh(), FormErrors::default()).await?)
}

pub async fn preview(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    upload: Option<Upload>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = read_form(upload, &body).await?;
    let outcome = match form.input() {
        Ok(input) => bulk::preview(&state, &g.actor, &g.access, &form.mode, &input, &form.options).await,
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(preview) => render(StatusCode::OK, &rows_page(&g, preview.import_id.to_string(), &preview.rows, None)),
        Err(BulkError::File(e)) => {
            let mut errors = FormErrors::default();
            errors.push(if form.mode == "csv" { "file" } else { "list" }, e.to_string());
            render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&state, &g, &form, errors).await?)
        }
        Err(BulkError::Service(e)) => Err(e.into()),
    }
}

/// Confirm: write the rows, then 303 to the result page. A second submit
/// of the same form (a double click) lands on the same result.
pub async fn commit(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    match bulk::commit(&state, &g.actor, &g.access, id).await {
        Ok(()) => Ok(see_other(&format!("/admin/invitations/bulk/{id}"))),
        Err(BulkError::File(e)) => Err(AppError::BadRequest(e.to_string())),
        Err(BulkError::Service(e)) => Err(e.into()),
    }
}

pub async fn result_page(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let ImportResult { id, status, created_by, created_at, committed_at, rows } =
        bulk_results::result(&state, &g.access, parse_id(&id)?).await?;
    let mut page = rows_page(&g, id.to_string(), &rows, Some(status));
    let when = show_time(committed_at.unwrap_or(created_at));
    page.made =
        if created_by.is_empty() { format!("Confirmed {when}") } else { format!("Confirmed by {created_by}, {when}") };
    render(StatusCode::OK, &page)
}

pub async fn result_csv(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let result = bulk_results::result(&state, &g.access, parse_id(&id)?).await?;
    if result.status == ImportStatus::Committing {
        return Err(AppError::NotFound);
    }
    let csv = bulk_results::result_csv(&result.rows)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", format!("attachment; filename=\"bulk-invite-{}.csv\"", result.id)))
        .body(csv))
}
