//! Usher's messages in German.

use super::Msg::{self, *};

pub(super) fn text(msg: Msg) -> &'static str {
    match msg {
        RegisterTitle => "Konto anlegen",
        RegisterIntro => "Sie wurden eingeladen, beizutreten:",
        LoginId => "Sie melden sich an mit",
        GivenName => "Vorname",
        FamilyName => "Nachname",
        Password => "Passwort",
        PasswordHint => "Mindestens 10 Zeichen. Einige unzusammenhängende Wörter eignen sich gut.",
        PasswordConfirm => "Passwort wiederholen",
        Submit => "Konto anlegen",
        DeclineIntro => "Nicht für Sie?",
        Decline => "Einladung ablehnen",
        Expires => "Diese Einladung läuft ab am",
        ErrorSummary => "Es gibt ein Problem",
        FreshLinkButton => "Neuen Link senden",
        LinkExpiredTitle => "Dieser Link ist abgelaufen",
        LinkExpired => {
            "Ihre Einladung ist noch gültig, aber dieser Link ist abgelaufen. Wir können einen neuen Link an die Adresse senden, an die die Einladung ging."
        }
        SupersededTitle => "Ein neuerer Link wurde gesendet",
        Superseded => {
            "Dieser Link wurde durch einen neueren ersetzt. Verwenden Sie den Link aus der neuesten Nachricht."
        }
        AcceptedTitle => "Diese Einladung wurde bereits verwendet",
        Accepted => "Mit dieser Einladung wurde bereits ein Konto angelegt. Melden Sie sich stattdessen an.",
        DeclinedTitle => "Diese Einladung wurde abgelehnt",
        Declined => "Diese Einladung wurde abgelehnt und kann nicht mehr verwendet werden.",
        RevokedTitle => "Diese Einladung wurde zurückgezogen",
        Revoked => {
            "Die Organisation hat diese Einladung zurückgezogen. Wenden Sie sich an die Person, die Sie eingeladen hat."
        }
        ExpiredTitle => "Diese Einladung ist abgelaufen",
        Expired => "Diese Einladung ist nicht mehr gültig. Bitten Sie die einladende Person, sie erneut zu senden.",
        TenantDisabledTitle => "Diese Einladung kann derzeit nicht verwendet werden",
        TenantDisabled => {
            "Die Organisation dieser Einladung wurde deaktiviert. Wenden Sie sich an die Person, die Sie eingeladen hat."
        }
        UnknownTitle => "Wir erkennen diesen Link nicht",
        Unknown => "Dieser Link ist ungültig. Prüfen Sie, ob Sie den ganzen Link kopiert haben.",
        DeclinedDoneTitle => "Einladung abgelehnt",
        DeclinedDone => "Sie haben die Einladung abgelehnt. Sie können diese Seite schließen.",
        FreshSentTitle => "Ein neuer Link ist unterwegs",
        FreshSent => "Wir haben einen neuen Link an die Adresse der Einladung gesendet. Er ersetzt diesen.",
        WelcomeTitle => "Willkommen",
        Welcome => "Ihr Konto ist bereit. Sie können diese Seite schließen.",
        InviteSubject => "Sie sind eingeladen:",
        Greeting => "Hallo",
        GreetingAnonymous => "Hallo,",
        InvitedYou => "hat Sie eingeladen,",
        ToJoin => "beizutreten:",
        CallToAction => "Einladung annehmen",
        IgnoreIfUnexpected => {
            "Wenn Sie diese Einladung nicht erwartet haben, können Sie diese Nachricht ignorieren oder auf der verlinkten Seite ablehnen."
        }
        ReminderSubject => "Erinnerung: Ihre Einladung zu",
        EnterGivenName => "Geben Sie Ihren Vornamen ein",
        EnterFamilyName => "Geben Sie Ihren Nachnamen ein",
        PasswordsDoNotMatch => "Die Passwörter stimmen nicht überein",
        PasswordTooShort => "Verwenden Sie mindestens 10 Zeichen",
        PasswordTooLong => "Verwenden Sie höchstens 1024 Zeichen",
        NameTooLong => "Verwenden Sie höchstens 200 Zeichen",
        NoControlCharacters => "Entfernen Sie Zeilenumbrüche, Tabulatoren und andere Steuerzeichen",
        PasswordTooCommon => "Dieses Passwort ist zu verbreitet; wählen Sie ein anderes",
        PasswordOneRepeatedCharacter => "Verwenden Sie nicht nur ein wiederholtes Zeichen",
        PasswordContainsLoginId => "Verwenden Sie Ihre E-Mail-Adresse oder Telefonnummer nicht im Passwort",
    }
}
