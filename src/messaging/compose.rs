//! Rendering invitation messages: subject, text and HTML, in the
//! invitation's language (English and German ship built in).

use askama::Template;

use crate::store::outbox::NewMessage;
use crate::words::{Msg, Words, words_for};

/// The variables a message template may use.
#[derive(Clone, Debug)]
pub struct InviteVars {
    pub name: String,
    pub invite_link: String,
    pub invited_by: String,
    pub account_name: String,
    pub expires_at: String,
    pub tenant_name: Option<String>,
}

/// The languages a message can be written in.
pub use crate::words::LANGUAGES;

#[derive(Template)]
#[template(path = "email/invite.txt")]
struct InviteText<'a> {
    w: &'a Words,
    v: &'a InviteVars,
}

#[derive(Template)]
#[template(path = "email/invite.html")]
struct InviteHtml<'a> {
    w: &'a Words,
    v: &'a InviteVars,
    lang: &'a str,
}

/// The invitation message for `recipient` over `channel` (`email`/`sms`).
pub fn invitation(
    channel: &'static str,
    recipient: &str,
    lang: &str,
    vars: &InviteVars,
    invitation_id: uuid::Uuid,
) -> anyhow::Result<NewMessage> {
    let w = words_for(lang);
    let target = vars.tenant_name.as_deref().unwrap_or(&vars.account_name);
    let subject = format!("{} {}", w.get(Msg::InviteSubject), target);
    let (body_text, body_html) = if channel == "sms" {
        (
            format!(
                "{} {} {} {}: {}",
                vars.invited_by,
                w.get(Msg::InvitedYou),
                w.get(Msg::ToJoin),
                target,
                vars.invite_link
            ),
            String::new(),
        )
    } else {
        (InviteText { w, v: vars }.render()?, InviteHtml { w, v: vars, lang }.render()?)
    };
    Ok(NewMessage {
        channel,
        recipient: recipient.to_string(),
        subject,
        body_text,
        body_html,
        invitation_id: Some(invitation_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> InviteVars {
        InviteVars {
            name: "Ada <Lovelace>".into(),
            invite_link: "http://x/invite/abc".into(),
            invited_by: "grace@example.com".into(),
            account_name: "Acme".into(),
            expires_at: "2026-12-01 10:00 UTC".into(),
            tenant_name: None,
        }
    }

    #[test]
    fn the_email_names_invitee_inviter_account_link_and_expiry() {
        let m = invitation("email", "ada@example.com", "en", &vars(), uuid::Uuid::nil()).unwrap();
        assert_eq!(m.subject, "You're invited to join Acme");
        for part in ["Ada <Lovelace>", "grace@example.com", "Acme", "http://x/invite/abc", "2026-12-01 10:00 UTC"] {
            assert!(m.body_text.contains(part), "text lacks {part}: {}", m.body_text);
        }
        assert!(
            m.body_html.contains("Ada &#60;Lovelace&#62;") || m.body_html.contains("Ada &lt;Lovelace&gt;"),
            "HTML escapes names"
        );
        assert!(m.body_html.contains("href=\"http://x/invite/abc\""));
    }

    #[test]
    fn german_invitations_are_written_in_german() {
        let m = invitation("email", "ada@example.com", "de", &vars(), uuid::Uuid::nil()).unwrap();
        assert!(m.subject.starts_with("Sie sind eingeladen"));
        assert!(m.body_text.contains("Einladung annehmen"));
    }
}
