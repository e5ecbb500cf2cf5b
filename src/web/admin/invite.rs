//! `/admin/invitations/new`: invite one person. Invalid input re-renders
//! the form with every value kept and the message beside its field.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::invitation_actions::LinkOncePage;
use crate::domain::{
    attributes::CustomAttributes, language::Language, person_name::PersonName, redirect_url::RedirectUrl,
    template_key::TemplateKey,
};
use crate::service::invitations;
use crate::state::AppState;
use crate::store::invitations::Grants;
use crate::web::{
    error::{AppError, render, see_other},
    forms::FormErrors,
    guard::{self, Guard, Invite, PageContext},
};

/// Custom attribute rows shown on an empty form.
const ATTRIBUTE_ROWS: usize = 3;

/// What the person typed, kept for re-rendering.
#[derive(Clone, Debug, Default)]
pub struct InviteValues {
    pub login_id: String,
    pub given_name: String,
    pub family_name: String,
    pub attributes: Vec<(String, String)>,
    pub roles: Vec<String>,
    pub tenants: Vec<String>,
    pub send_now: bool,
    pub lang: String,
    pub redirect_url: String,
}

impl InviteValues {
    /// Parse an urlencoded body; repeated keys (`roles`, `tenants`,
    /// `attr_key`/`attr_value`) are kept in order.
    pub fn from_body(body: &[u8]) -> Self {
        let mut v = Self::default();
        let mut keys = Vec::new();
        let mut values = Vec::new();
        for (k, val) in url::form_urlencoded::parse(body) {
            let val = val.into_owned();
            match k.as_ref() {
                "login_id" => v.login_id = val,
                "given_name" => v.given_name = val,
                "family_name" => v.family_name = val,
                "attr_key" => keys.push(val),
                "attr_value" => values.push(val),
                "roles" => v.roles.push(val),
                "tenants" => v.tenants.push(val),
                "send_now" => v.send_now = true,
                "lang" => v.lang = val,
                "redirect_url" => v.redirect_url = val,
                _ => {}
            }
        }
        v.attributes = keys.into_iter().zip(values).collect();
        v
    }

    /// Validate into the invite command, or list what is wrong with which
    /// field.
    pub fn to_command(&self) -> Result<invitations::Invite, FormErrors> {
        let mut errors = FormErrors::default();
        let login_id = errors.login_id("login_id", &self.login_id);
        let given_name = errors.check("given_name", PersonName::parse(&self.given_name)).unwrap_or_default();
        let family_name = errors.check("family_name", PersonName::parse(&self.family_name)).unwrap_or_default();
        let rows = self.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let custom_attributes = errors.check("attributes", CustomAttributes::from_rows(rows)).unwrap_or_default();
        let mut tenant_ids = Vec::new();
        for t in &self.tenants {
            match t.parse() {
                Ok(id) => tenant_ids.push(id),
                Err(_) => errors.push("tenants", "Choose tenants from the list"),
            }
        }
        let lang = errors.optional("lang", &self.lang, Language::parse);
        let redirect_url = errors.optional("redirect_url", &self.redirect_url, RedirectUrl::parse);
        match login_id {
            Some(login_id) if !errors.any() => Ok(invitations::Invite {
                login_id,
                given_name,
                family_name,
                custom_attributes,
                grants: Grants { roles: self.roles.clone(), tenants: tenant_ids, tenant_roles: vec![] },
                send_now: self.send_now,
                lang,
                redirect_url,
                template_key: TemplateKey::invite(),
                expires_in: None,
            }),
            _ => Err(errors),
        }
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "admin/invite.html")]
pub struct InvitePage {
    pub page: PageContext,
    pub v: InviteValues,
    pub errors: FormErrors,
    pub roles: Vec<Choice>,
    pub tenants: Vec<Choice>,
    pub languages: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    g: &Guard<Invite>,
    mut v: InviteValues,
    errors: FormErrors,
) -> Result<InvitePage, AppError> {
    let choices = invitations::invite_choices(state).await?;
    if v.lang.is_empty() {
        v.lang = choices.default_lang;
    }
    while v.attributes.len() < ATTRIBUTE_ROWS {
        v.attributes.push((String::new(), String::new()));
    }
    let roles = choices
        .roles
        .into_iter()
        .filter(|r| r.scope == "project" && g.access.can_grant(&r.name))
        .map(|r| Choice {
            checked: v.roles.contains(&r.name),
            label: if r.description.is_empty() { r.name.clone() } else { format!("{} — {}", r.name, r.description) },
            value: r.name,
        })
        .collect();
    let tenants = choices
        .tenants
        .into_iter()
        .filter(|t| !t.disabled && g.access.covers(&[t.id]))
        .map(|t| Choice { checked: v.tenants.contains(&t.id.to_string()), value: t.id.to_string(), label: t.name })
        .collect();
    let languages = [("en", "English"), ("de", "Deutsch")]
        .into_iter()
        .map(|(code, label)| Choice { value: code.into(), label: label.into(), checked: v.lang == code })
        .collect();
    Ok(InvitePage { page: g.page.clone(), v, errors, roles, tenants, languages })
}

pub async fn invite_form(state: web::Data<AppState>, g: Guard<Invite>) -> Result<HttpResponse, AppError> {
    let values = InviteValues { send_now: true, ..InviteValues::default() };
    render(StatusCode::OK, &form_page(&state, &g, values, FormErrors::default()).await?)
}

pub async fn send_invite(
    state: web::Data<AppState>,
    g: Guard<Invite>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let values = InviteValues::from_body(&body);
    let request = match values.to_command() {
        Ok(r) => r,
        Err(errors) => {
            return render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&state, &g, values, errors).await?);
        }
    };
    let login_id = request.login_id.to_string();
    match invitations::create(&state, &g.actor, &g.access, request).await {
        Ok(created) => match created.unsent_link {
            Some(link) => {
                let page = LinkOncePage {
                    page: g.page.clone(),
                    heading: "Invitation created (not sent)".into(),
                    login_id,
                    link,
                    back: "/admin/users".into(),
                };
                render(StatusCode::OK, &page)
            }
            None => {
                guard::flash(&g.session, "success", format!("Invitation sent to {login_id}."));
                Ok(see_other("/admin/users"))
            }
        },
        Err(e) => {
            let errors = FormErrors::from_service(e, "login_id")?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &form_page(&state, &g, values, errors).await?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_and_attribute_pairs_are_read_in_order() {
        let v = InviteValues::from_body(
            b"login_id=a%40b.co&roles=x&roles=y&attr_key=team&attr_value=blue&attr_key=&attr_value=&send_now=on",
        );
        assert_eq!(v.roles, vec!["x", "y"]);
        assert_eq!(v.attributes[0], ("team".to_string(), "blue".to_string()));
        let req = v.to_command().unwrap();
        assert_eq!(req.custom_attributes.len(), 1);
        assert!(req.send_now);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let v = InviteValues::from_body(
            b"login_id=nope&redirect_url=javascript%3Aalert(1)&attr_key=bad%20key&attr_value=1&lang=fr",
        );
        let errors = v.to_command().unwrap_err();
        for field in ["login_id", "redirect_url", "attributes", "lang"] {
            assert!(errors.get(field).is_some(), "no error for {field}");
        }
    }
}
