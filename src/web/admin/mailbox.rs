//! `/admin/mailbox`: the dev mailbox (messages stored when no SMTP server
//! is configured) and every message not yet delivered, with Retry.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::parse_id;
use crate::service::{delivery, show_time};
use crate::state::AppState;
use crate::store::{mailbox, outbox};
use crate::web::{
    error::{AppError, render, see_other},
    guard::{self, Guard, ManageSettings, PageContext},
};

pub struct MailView {
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub at: String,
    /// The text body split around links, so links render clickable
    /// without trusting any HTML.
    pub parts: Vec<(bool, String)>,
}

pub struct PendingView {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt: String,
    pub last_error: String,
}

#[derive(Template)]
#[template(path = "admin/mailbox.html")]
pub struct MailboxPage {
    pub page: PageContext,
    pub dev_mode: bool,
    pub mails: Vec<MailView>,
    pub pending: Vec<PendingView>,
}

/// Split text into (is_link, piece) runs.
pub fn linkify(text: &str) -> Vec<(bool, String)> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("http://").into_iter().chain(rest.find("https://")).min() {
        if start > 0 {
            parts.push((false, rest[..start].to_string()));
        }
        let end = rest[start..].find(char::is_whitespace).map(|e| start + e).unwrap_or(rest.len());
        parts.push((true, rest[start..end].to_string()));
        rest = &rest[end..];
    }
    if !rest.is_empty() {
        parts.push((false, rest.to_string()));
    }
    parts
}

pub async fn mailbox_page(state: web::Data<AppState>, g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    let mut c = state.db.acquire().await?;
    let mails = mailbox::list(&mut c.conn(), 100)
        .await?
        .into_iter()
        .map(|m| MailView {
            parts: linkify(&m.body_text),
            channel: m.channel,
            recipient: m.recipient,
            subject: m.subject,
            at: show_time(m.created_at),
        })
        .collect();
    let now = state.clock.now();
    let pending = outbox::undelivered(&mut c.conn(), 200)
        .await?
        .into_iter()
        .map(|m| PendingView {
            id: m.id.to_string(),
            recipient: m.recipient,
            subject: m.subject,
            status: if m.status == "failed" {
                "failed — gave up".into()
            } else if m.attempts > 0 {
                "retrying".into()
            } else {
                "waiting".into()
            },
            attempts: m.attempts,
            next_attempt: if m.status == "failed" {
                "—".into()
            } else if m.next_attempt_at <= now {
                "now".into()
            } else {
                show_time(m.next_attempt_at)
            },
            last_error: m.last_error.unwrap_or_default(),
        })
        .collect();
    let dev_mode = matches!(state.config.mail, crate::config::MailSettings::DevMailbox);
    render(StatusCode::OK, &MailboxPage { page: g.page.clone(), dev_mode, mails, pending })
}

pub async fn retry_message(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    if delivery::retry_now(&state, id).await? {
        guard::flash(&g.session, "success", "The message will be sent again now.");
    } else {
        guard::flash(&g.session, "error", "That message was already delivered.");
    }
    Ok(see_other("/admin/mailbox"))
}

#[cfg(test)]
mod tests {
    use super::linkify;

    #[test]
    fn links_in_text_are_found() {
        let parts = linkify("Open http://x/invite/abc now.\nOr https://y");
        assert_eq!(parts[1], (true, "http://x/invite/abc".to_string()));
        assert_eq!(parts[3], (true, "https://y".to_string()));
    }
}
