//! Every sentence and label an invitee sees or is sent, once per language,
//! looked up by message key: [`Msg`] names each message, and each language
//! is one file with one exhaustive `match`, so a message missing in a
//! language does not compile. (The console itself is in English.)

mod de;
mod en;

/// The languages with messages; English is the fallback.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// A message key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    // The registration page.
    RegisterTitle,
    RegisterIntro,
    LoginId,
    GivenName,
    FamilyName,
    Password,
    PasswordHint,
    PasswordConfirm,
    Submit,
    DeclineIntro,
    Decline,
    Expires,
    ErrorSummary,
    FreshLinkButton,

    // Pages for a link that cannot be used, and the invitee's other pages.
    LinkExpiredTitle,
    LinkExpired,
    SupersededTitle,
    Superseded,
    AcceptedTitle,
    Accepted,
    DeclinedTitle,
    Declined,
    RevokedTitle,
    Revoked,
    ExpiredTitle,
    Expired,
    TenantDisabledTitle,
    TenantDisabled,
    UnknownTitle,
    Unknown,
    DeclinedDoneTitle,
    DeclinedDone,
    FreshSentTitle,
    FreshSent,
    WelcomeTitle,
    Welcome,

    // The invitation message (email and SMS).
    InviteSubject,
    Greeting,
    GreetingAnonymous,
    InvitedYou,
    ToJoin,
    CallToAction,
    IgnoreIfUnexpected,
    ReminderSubject,

    // Form errors the services word in English (see [`Words::translate`]).
    EnterGivenName,
    EnterFamilyName,
    PasswordsDoNotMatch,
    PasswordTooShort,
    PasswordTooLong,
    NameTooLong,
    NoControlCharacters,
    PasswordTooCommon,
    PasswordOneRepeatedCharacter,
    PasswordContainsLoginId,
}

/// One language's messages.
pub struct Words {
    pub lang: &'static str,
    text: fn(Msg) -> &'static str,
}

pub static EN: Words = Words { lang: "en", text: en::text };
pub static DE: Words = Words { lang: "de", text: de::text };

/// The messages in `lang`, or in English when there are none in it.
pub fn words_for(lang: &str) -> &'static Words {
    match lang {
        "de" => &DE,
        _ => &EN,
    }
}

/// The form errors [`Words::translate`] knows.
const FORM_ERRORS: [Msg; 10] = [
    Msg::EnterGivenName,
    Msg::EnterFamilyName,
    Msg::PasswordsDoNotMatch,
    Msg::PasswordTooShort,
    Msg::PasswordTooLong,
    Msg::NameTooLong,
    Msg::NoControlCharacters,
    Msg::PasswordTooCommon,
    Msg::PasswordOneRepeatedCharacter,
    Msg::PasswordContainsLoginId,
];

impl Words {
    /// The message `msg` in this language.
    pub fn get(&self, msg: Msg) -> &'static str {
        (self.text)(msg)
    }

    /// A form error as a service wrote it (in English), in this language
    /// when it is one of the known ones; otherwise as written.
    pub fn translate(&self, english: &str) -> String {
        match FORM_ERRORS.iter().find(|m| EN.get(**m) == english) {
            Some(msg) => self.get(*msg).to_string(),
            None => english.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_pages_say_what_is_wrong_with_a_name_in_german() {
        use crate::domain::person_name::{MAX_CHARS, PersonName};
        for bad in ["x".repeat(MAX_CHARS + 1), "A\nB".to_string()] {
            let message = PersonName::parse(&bad).unwrap_err();
            assert_ne!(DE.translate(&message), message, "{message}");
        }
    }

    #[test]
    fn german_pages_get_german_form_errors() {
        assert_eq!(DE.translate("Use at least 10 characters"), "Verwenden Sie mindestens 10 Zeichen");
        assert_eq!(EN.translate("Use at least 10 characters"), "Use at least 10 characters");
        assert_eq!(DE.translate("something new"), "something new");
    }

    #[test]
    fn each_language_is_found_by_its_code_and_english_is_the_fallback() {
        assert_eq!(words_for("de").get(Msg::Submit), "Konto anlegen");
        assert_eq!(words_for("en").get(Msg::Submit), "Create account");
        assert_eq!(words_for("fr").lang, "en");
        assert!(LANGUAGES.iter().all(|l| words_for(l).lang == *l));
    }
}
