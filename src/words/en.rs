//! Usher's messages in English.

use super::Msg::{self, *};

pub(super) fn text(msg: Msg) -> &'static str {
    match msg {
        RegisterTitle => "Create your account",
        RegisterIntro => "You have been invited to join",
        LoginId => "You will sign in with",
        GivenName => "Given name",
        FamilyName => "Family name",
        Password => "Password",
        PasswordHint => "At least 10 characters. A few unrelated words work well.",
        PasswordConfirm => "Repeat the password",
        Submit => "Create account",
        DeclineIntro => "Not for you?",
        Decline => "Decline this invitation",
        Expires => "This invitation expires on",
        ErrorSummary => "There is a problem",
        FreshLinkButton => "Send me a fresh link",
        LinkExpiredTitle => "This link has expired",
        LinkExpired => {
            "Your invitation is still valid, but this link has run out. We can send a fresh link to the address the invitation was sent to."
        }
        SupersededTitle => "A newer link was sent",
        Superseded => "This link was replaced by a newer one. Use the link in the most recent message you received.",
        AcceptedTitle => "This invitation was already used",
        Accepted => {
            "An account was already created with this invitation. Sign in instead, or reset your password if you have forgotten it."
        }
        DeclinedTitle => "This invitation was declined",
        Declined => {
            "This invitation was declined and can no longer be used. If that was a mistake, ask the person who invited you to invite you again."
        }
        RevokedTitle => "This invitation was withdrawn",
        Revoked => {
            "The organization withdrew this invitation. If you think this is a mistake, contact the person who invited you."
        }
        ExpiredTitle => "This invitation has expired",
        Expired => "This invitation is no longer valid. Ask the person who invited you to send it again.",
        TenantDisabledTitle => "This invitation cannot be used now",
        TenantDisabled => {
            "The organization this invitation is for has been disabled. Contact the person who invited you."
        }
        UnknownTitle => "We do not recognise this link",
        Unknown => {
            "This link is not valid. Check that you copied the whole link from the message, or ask for a new invitation."
        }
        DeclinedDoneTitle => "Invitation declined",
        DeclinedDone => "You have declined the invitation. Nothing more will happen; you can close this page.",
        FreshSentTitle => "A fresh link is on its way",
        FreshSent => "We have sent a new link to the address this invitation was sent to. It replaces this one.",
        WelcomeTitle => "Welcome aboard",
        Welcome => "Your account is ready. You can close this page.",
        InviteSubject => "You're invited to join",
        Greeting => "Hello",
        GreetingAnonymous => "Hello,",
        InvitedYou => "has invited you",
        ToJoin => "to join",
        CallToAction => "Accept the invitation",
        IgnoreIfUnexpected => {
            "If you did not expect this invitation, you can ignore this message or decline on the page the link opens."
        }
        ReminderSubject => "Reminder: your invitation to",
        EnterGivenName => "Enter your given name",
        EnterFamilyName => "Enter your family name",
        PasswordsDoNotMatch => "The passwords do not match",
        PasswordTooShort => "Use at least 10 characters",
        PasswordTooLong => "Use at most 1024 characters",
        NameTooLong => "Use at most 200 characters",
        NoControlCharacters => "Remove line breaks, tabs and other control characters",
        PasswordTooCommon => "This password is too common; choose another",
        PasswordOneRepeatedCharacter => "Use more than one repeated character",
        PasswordContainsLoginId => "Do not use your email address or phone number in the password",
    }
}
