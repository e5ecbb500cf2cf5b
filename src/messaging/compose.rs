//! Rendering invitation messages: subject, text and HTML, in the
//! invitation's language (English and German ship built in).

use askama::Template;

use crate::store::outbox::NewMessage;

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

/// Fixed wording per language.
pub struct Words {
    pub subject: &'static str,
    pub greeting: &'static str,
    pub greeting_anonymous: &'static str,
    pub invited_you: &'static str,
    pub to_join: &'static str,
    pub call_to_action: &'static str,
    pub expires: &'static str,
    pub ignore: &'static str,
    pub reminder_subject: &'static str,
}

const EN: Words = Words {
    subject: "You're invited to join",
    greeting: "Hello",
    greeting_anonymous: "Hello,",
    invited_you: "has invited you",
    to_join: "to join",
    call_to_action: "Accept the invitation",
    expires: "This invitation expires on",
    ignore: "If you did not expect this invitation, you can ignore this message or decline on the page the link opens.",
    reminder_subject: "Reminder: your invitation to",
};

const DE: Words = Words {
    subject: "Sie sind eingeladen:",
    greeting: "Hallo",
    greeting_anonymous: "Hallo,",
    invited_you: "hat Sie eingeladen,",
    to_join: "beizutreten:",
    call_to_action: "Einladung annehmen",
    expires: "Diese Einladung läuft ab am",
    ignore: "Wenn Sie diese Einladung nicht erwartet haben, können Sie diese Nachricht ignorieren oder auf der verlinkten Seite ablehnen.",
    reminder_subject: "Erinnerung: Ihre Einladung zu",
};

pub const LANGUAGES: [&str; 2] = ["en", "de"];

pub fn words(lang: &str) -> &'static Words {
    match lang {
        "de" => &DE,
        _ => &EN,
    }
}

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
    let w = words(lang);
    let target = vars.tenant_name.as_deref().unwrap_or(&vars.account_name);
    let subject = format!("{} {}", w.subject, target);
    let (body_text, body_html) = if channel == "sms" {
        (format!("{} {} {} {}: {}", vars.invited_by, w.invited_you, w.to_join, target, vars.invite_link), String::new())
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
