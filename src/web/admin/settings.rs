//! `/admin/settings`: account name, invitation and link lifetimes, resend
//! cooldown, default language.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{lifetime, limits};
use crate::messaging::compose::LANGUAGES;
use crate::service::accounts;
use crate::state::AppState;
use crate::store::settings::{self, AccountSettings};
use crate::web::{
    error::{AppError, render, see_other},
    forms::FormErrors,
    guard::{self, Guard, ManageSettings, PageContext},
};

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub account_name: String,
    #[serde(default)]
    pub invitation_lifetime: String,
    #[serde(default)]
    pub invitation_lifetime_unit: String,
    #[serde(default)]
    pub link_lifetime: String,
    #[serde(default)]
    pub link_lifetime_unit: String,
    #[serde(default)]
    pub resend_cooldown: String,
    #[serde(default)]
    pub default_lang: String,
    #[serde(default)]
    pub invites_per_inviter_per_day: String,
    #[serde(default)]
    pub audit_retention_days: String,
}

impl SettingsForm {
    fn from_settings(s: &AccountSettings) -> Self {
        let (inv, inv_unit) = lifetime::split(s.invitation_lifetime);
        let (link, link_unit) = lifetime::split(s.link_lifetime);
        Self {
            account_name: s.account_name.clone(),
            invitation_lifetime: inv.to_string(),
            invitation_lifetime_unit: inv_unit.as_str().into(),
            link_lifetime: link.to_string(),
            link_lifetime_unit: link_unit.as_str().into(),
            resend_cooldown: s.resend_cooldown.num_seconds().to_string(),
            default_lang: s.default_lang.clone(),
            invites_per_inviter_per_day: s.invites_per_inviter_per_day.to_string(),
            audit_retention_days: s.audit_retention_days.to_string(),
        }
    }

    fn parse(&self) -> Result<AccountSettings, FormErrors> {
        let mut errors = FormErrors::default();
        let name = self.account_name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push("account_name", "Enter an account name of up to 100 characters");
        }
        let invitation = lifetime::parse(&self.invitation_lifetime, &self.invitation_lifetime_unit)
            .map_err(|m| errors.push("invitation_lifetime", m))
            .ok();
        let link = lifetime::parse(&self.link_lifetime, &self.link_lifetime_unit)
            .map_err(|m| errors.push("link_lifetime", m))
            .ok();
        let cooldown =
            limits::resend_cooldown(&self.resend_cooldown).map_err(|m| errors.push("resend_cooldown", m)).ok();
        let quota = limits::daily_quota(&self.invites_per_inviter_per_day)
            .map_err(|m| errors.push("invites_per_inviter_per_day", m))
            .ok();
        let retention = limits::audit_retention_days(&self.audit_retention_days)
            .map_err(|m| errors.push("audit_retention_days", m))
            .ok();
        if !LANGUAGES.contains(&self.default_lang.as_str()) {
            errors.push("default_lang", "Choose a language from the list");
        }
        match (invitation, link, cooldown, quota, retention) {
            (
                Some(invitation_lifetime),
                Some(link_lifetime),
                Some(resend_cooldown),
                Some(invites_per_inviter_per_day),
                Some(audit_retention_days),
            ) if !errors.any() => Ok(AccountSettings {
                account_name: name.to_string(),
                invitation_lifetime,
                link_lifetime,
                resend_cooldown,
                default_lang: self.default_lang.clone(),
                invites_per_inviter_per_day,
                audit_retention_days,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub page: PageContext,
    pub v: SettingsForm,
    pub errors: FormErrors,
}

impl SettingsPage {
    pub fn units(&self) -> [(&'static str, &'static str); 3] {
        [("hours", "hours"), ("days", "days"), ("weeks", "weeks")]
    }
}

pub async fn settings_form(state: web::Data<AppState>, g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    let current = {
        let mut c = state.db.acquire().await?;
        settings::get(&mut c.conn()).await?
    };
    render(
        StatusCode::OK,
        &SettingsPage { page: g.page.clone(), v: SettingsForm::from_settings(&current), errors: FormErrors::default() },
    )
}

pub async fn save_settings(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let v = form.into_inner();
    let result = match v.parse() {
        Ok(new) => accounts::update_settings(&state, &g.actor, new)
            .await
            .map_err(|e| FormErrors::from_service(e, "account_name")),
        Err(errors) => Err(Ok(errors)),
    };
    match result {
        Ok(()) => {
            guard::flash(&g.session, "success", "Settings saved.");
            Ok(see_other("/admin/settings"))
        }
        Err(errors) => {
            render(StatusCode::UNPROCESSABLE_ENTITY, &SettingsPage { page: g.page.clone(), v, errors: errors? })
        }
    }
}
