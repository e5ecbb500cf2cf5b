//! The invitee's pages in English and German.

pub struct Words {
    pub register_title: &'static str,
    pub register_intro: &'static str,
    pub login_id: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub password_confirm: &'static str,
    pub submit: &'static str,
    pub decline_intro: &'static str,
    pub decline: &'static str,
    pub expires: &'static str,
    pub error_summary: &'static str,
    pub fresh_link_button: &'static str,
    pub link_expired_title: &'static str,
    pub link_expired: &'static str,
    pub superseded_title: &'static str,
    pub superseded: &'static str,
    pub accepted_title: &'static str,
    pub accepted: &'static str,
    pub declined_title: &'static str,
    pub declined: &'static str,
    pub revoked_title: &'static str,
    pub revoked: &'static str,
    pub expired_title: &'static str,
    pub expired: &'static str,
    pub tenant_disabled_title: &'static str,
    pub tenant_disabled: &'static str,
    pub unknown_title: &'static str,
    pub unknown: &'static str,
    pub declined_done_title: &'static str,
    pub declined_done: &'static str,
    pub fresh_sent_title: &'static str,
    pub fresh_sent: &'static str,
    pub welcome_title: &'static str,
    pub welcome: &'static str,
}

const EN: Words = Words {
    register_title: "Create your account",
    register_intro: "You have been invited to join",
    login_id: "You will sign in with",
    given_name: "Given name",
    family_name: "Family name",
    password: "Password",
    password_hint: "At least 10 characters. A few unrelated words work well.",
    password_confirm: "Repeat the password",
    submit: "Create account",
    decline_intro: "Not for you?",
    decline: "Decline this invitation",
    expires: "This invitation expires on",
    error_summary: "There is a problem",
    fresh_link_button: "Send me a fresh link",
    link_expired_title: "This link has expired",
    link_expired: "Your invitation is still valid, but this link has run out. We can send a fresh link to the address the invitation was sent to.",
    superseded_title: "A newer link was sent",
    superseded: "This link was replaced by a newer one. Use the link in the most recent message you received.",
    accepted_title: "This invitation was already used",
    accepted: "An account was already created with this invitation. Sign in instead, or reset your password if you have forgotten it.",
    declined_title: "This invitation was declined",
    declined: "This invitation was declined and can no longer be used. If that was a mistake, ask the person who invited you to invite you again.",
    revoked_title: "This invitation was withdrawn",
    revoked: "The organization withdrew this invitation. If you think this is a mistake, contact the person who invited you.",
    expired_title: "This invitation has expired",
    expired: "This invitation is no longer valid. Ask the person who invited you to send it again.",
    tenant_disabled_title: "This invitation cannot be used now",
    tenant_disabled: "The organization this invitation is for has been disabled. Contact the person who invited you.",
    unknown_title: "We do not recognise this link",
    unknown: "This link is not valid. Check that you copied the whole link from the message, or ask for a new invitation.",
    declined_done_title: "Invitation declined",
    declined_done: "You have declined the invitation. Nothing more will happen; you can close this page.",
    fresh_sent_title: "A fresh link is on its way",
    fresh_sent: "We have sent a new link to the address this invitation was sent to. It replaces this one.",
    welcome_title: "Welcome aboard",
    welcome: "Your account is ready. You can close this page.",
};

const DE: Words = Words {
    register_title: "Konto anlegen",
    register_intro: "Sie wurden eingeladen, beizutreten:",
    login_id: "Sie melden sich an mit",
    given_name: "Vorname",
    family_name: "Nachname",
    password: "Passwort",
    password_hint: "Mindestens 10 Zeichen. Einige unzusammenhängende Wörter eignen sich gut.",
    password_confirm: "Passwort wiederholen",
    submit: "Konto anlegen",
    decline_intro: "Nicht für Sie?",
    decline: "Einladung ablehnen",
    expires: "Diese Einladung läuft ab am",
    error_summary: "Es gibt ein Problem",
    fresh_link_button: "Neuen Link senden",
    link_expired_title: "Dieser Link ist abgelaufen",
    link_expired: "Ihre Einladung ist noch gültig, aber dieser Link ist abgelaufen. Wir können einen neuen Link an die Adresse senden, an die die Einladung ging.",
    superseded_title: "Ein neuerer Link wurde gesendet",
    superseded: "Dieser Link wurde durch einen neueren ersetzt. Verwenden Sie den Link aus der neuesten Nachricht.",
    accepted_title: "Diese Einladung wurde bereits verwendet",
    accepted: "Mit dieser Einladung wurde bereits ein Konto angelegt. Melden Sie sich stattdessen an.",
    declined_title: "Diese Einladung wurde abgelehnt",
    declined: "Diese Einladung wurde abgelehnt und kann nicht mehr verwendet werden.",
    revoked_title: "Diese Einladung wurde zurückgezogen",
    revoked: "Die Organisation hat diese Einladung zurückgezogen. Wenden Sie sich an die Person, die Sie eingeladen hat.",
    expired_title: "Diese Einladung ist abgelaufen",
    expired: "Diese Einladung ist nicht mehr gültig. Bitten Sie die einladende Person, sie erneut zu senden.",
    tenant_disabled_title: "Diese Einladung kann derzeit nicht verwendet werden",
    tenant_disabled: "Die Organisation dieser Einladung wurde deaktiviert. Wenden Sie sich an die Person, die Sie eingeladen hat.",
    unknown_title: "Wir erkennen diesen Link nicht",
    unknown: "Dieser Link ist ungültig. Prüfen Sie, ob Sie den ganzen Link kopiert haben.",
    declined_done_title: "Einladung abgelehnt",
    declined_done: "Sie haben die Einladung abgelehnt. Sie können diese Seite schließen.",
    fresh_sent_title: "Ein neuer Link ist unterwegs",
    fresh_sent: "Wir haben einen neuen Link an die Adresse der Einladung gesendet. Er ersetzt diesen.",
    welcome_title: "Willkommen",
    welcome: "Ihr Konto ist bereit. Sie können diese Seite schließen.",
};

pub fn words_for(lang: &str) -> &'static Words {
    match lang {
        "de" => &DE,
        _ => &EN,
    }
}

/// The registration form's error messages in the page's language. The
/// services speak English; German pages translate what they can.
pub fn translate(lang: &str, message: &str) -> String {
    const DE: &[(&str, &str)] = &[
        ("Enter your given name", "Geben Sie Ihren Vornamen ein"),
        ("Enter your family name", "Geben Sie Ihren Nachnamen ein"),
        ("The passwords do not match", "Die Passwörter stimmen nicht überein"),
        ("Use at least 10 characters", "Verwenden Sie mindestens 10 Zeichen"),
        ("Use at most 1024 characters", "Verwenden Sie höchstens 1024 Zeichen"),
        ("Use at most 200 characters", "Verwenden Sie höchstens 200 Zeichen"),
        (
            "Remove line breaks, tabs and other control characters",
            "Entfernen Sie Zeilenumbrüche, Tabulatoren und andere Steuerzeichen",
        ),
        ("This password is too common; choose another", "Dieses Passwort ist zu verbreitet; wählen Sie ein anderes"),
        ("Use more than one repeated character", "Verwenden Sie nicht nur ein wiederholtes Zeichen"),
        (
            "Do not use your email address or phone number in the password",
            "Verwenden Sie Ihre E-Mail-Adresse oder Telefonnummer nicht im Passwort",
        ),
    ];
    match lang {
        "de" => DE
            .iter()
            .find(|(en, _)| *en == message)
            .map(|(_, de)| de.to_string())
            .unwrap_or_else(|| message.to_string()),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_pages_get_german_form_errors() {
        assert_eq!(translate("de", "Use at least 10 characters"), "Verwenden Sie mindestens 10 Zeichen");
        assert_eq!(translate("en", "Use at least 10 characters"), "Use at least 10 characters");
        assert_eq!(translate("de", "something new"), "something new");
    }

    #[test]
    fn german_pages_say_what_is_wrong_with_a_name_in_german() {
        use crate::domain::person_name::{MAX_CHARS, PersonName};
        for bad in ["x".repeat(MAX_CHARS + 1), "A\nB".to_string()] {
            let message = PersonName::parse(&bad).unwrap_err();
            assert_ne!(translate("de", &message), message, "{message}");
        }
    }
}
