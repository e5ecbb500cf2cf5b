//! `/admin/users/{id}`: one person — attributes, login IDs, roles and
//! tenants, invitation history, and every action on them.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::parse_id;
use crate::domain::{
    access::{Change, Denied},
    attributes::CustomAttributes,
    external_id::ExternalId,
    login_id::LoginId,
    person_name::PersonName,
    user::UserStatus,
};
use crate::service::{ServiceError, people, show_time};
use crate::state::AppState;
use crate::web::{
    error::{AppError, render, see_other},
    forms::FormErrors,
    guard::{self, Console, Guard, ManageUsers, PageContext, ViewPeople},
};

pub struct HistoryRow {
    pub status: String,
    pub created: String,
    pub sent: String,
    pub resent_count: i64,
    pub expires: String,
    pub outcome_at: String,
    pub invited_by: String,
}

pub struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
    pub enabled: bool,
}

pub struct TenantBlock {
    pub member: Check,
    pub roles: Vec<Check>,
}

#[derive(Clone, Default)]
pub struct ProfileValues {
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub external_id: String,
    pub attributes: Vec<(String, String)>,
}

impl ProfileValues {
    /// The form as a profile change (every field, as the form shows them
    /// all), or what is wrong with which field.
    fn to_command(&self) -> Result<people::UpdateProfile, FormErrors> {
        let mut errors = FormErrors::default();
        let mut name = |field, raw: &str| errors.check(field, PersonName::parse(raw));
        let (given_name, family_name, display_name) = (
            name("given_name", &self.given_name),
            name("family_name", &self.family_name),
            name("display_name", &self.display_name),
        );
        let external_id = errors.check("external_id", ExternalId::parse(&self.external_id));
        let rows = self.attributes.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let custom_attributes = errors.check("attributes", CustomAttributes::from_rows(rows));
        let change = people::UpdateProfile {
            given_name,
            family_name,
            display_name,
            external_id,
            custom_attributes,
            primary_login_id: None,
        };
        if errors.any() { Err(errors) } else { Ok(change) }
    }
}

#[derive(Template)]
#[template(path = "admin/user_detail.html")]
pub struct DetailPage {
    pub page: PageContext,
    pub id: String,
    pub login_id: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub created: String,
    pub last_login: String,
    /// May edit what the person is everywhere: attributes, login IDs,
    /// activation, sessions, deletion.
    pub can_manage: bool,
    /// May edit their roles and tenants (in the viewer's scope).
    pub can_edit_roles: bool,
    /// A tenant-scoped viewer's tenant (id, name), when the person also
    /// belongs elsewhere: removing them from it replaces Delete.
    pub remove_from: Option<(String, String)>,
    pub invitation_id: String,
    pub invitation_live: bool,
    /// Why Resend and "Get a fresh link" are not offered, if they cannot work.
    pub resend_blocked: String,
    pub v: ProfileValues,
    pub errors: FormErrors,
    pub login_ids: Vec<String>,
    pub new_login_id: String,
    pub project_roles: Vec<Check>,
    pub tenant_blocks: Vec<TenantBlock>,
    pub history: Vec<HistoryRow>,
}

/// Build the page; `v`/`errors` carry a form that failed validation.
async fn detail(
    state: &AppState,
    viewer: &Console,
    id: Uuid,
    v: Option<ProfileValues>,
    errors: FormErrors,
    new_login_id: String,
) -> Result<DetailPage, AppError> {
    let access = &viewer.access;
    let people::PersonPage { user, person, member_of, login_ids, history: history_rows, catalog } =
        people::page(state, access, id).await?;
    let account = access.may_change(&person, Change::Account);
    let can_manage = account.is_ok();
    let can_edit_roles = access.may_change(&person, Change::Membership).is_ok();
    let grants = &person.grants;
    let remove_from = match (account, access.tenant_scope) {
        (Err(Denied::OtherTenants), Some(t)) if can_edit_roles => {
            catalog.tenants.get(&t).map(|tenant| (t.to_string(), tenant.name.clone()))
        }
        _ => None,
    };
    let now = state.clock.now();
    let history = history_rows
        .iter()
        .map(|inv| HistoryRow {
            status: inv.status_at(now).as_str().to_string(),
            created: show_time(inv.created_at),
            sent: inv.sent_at.map(show_time).unwrap_or_else(|| "not sent".into()),
            resent_count: inv.resent_count,
            expires: show_time(inv.expires_at),
            outcome_at: inv.accepted_at.map(show_time).unwrap_or_default(),
            invited_by: inv.inviter.as_ref().map(|i| i.label()).unwrap_or_default(),
        })
        .collect();
    let latest = history_rows.first();
    let invitable = matches!(user.status, UserStatus::Invited | UserStatus::InviteExpired);
    let invitation_live = invitable && latest.is_some_and(|i| !i.status.is_final());

    let mut roles: Vec<_> = catalog.roles.values().collect();
    roles.sort_by(|a, b| (!a.console, &a.name).cmp(&(!b.console, &b.name)));
    let project_roles = roles
        .iter()
        .filter(|r| r.scope == "project")
        .map(|r| Check {
            value: r.name.clone(),
            label: r.name.clone(),
            checked: grants.contains(&(r.name.clone(), None)),
            enabled: can_edit_roles && access.may_assign(&r.name, None),
        })
        .collect();
    let mut tenants: Vec<_> = catalog.tenants.values().filter(|t| access.covers(&[t.id])).collect();
    tenants.sort_by(|a, b| a.name.cmp(&b.name));
    let tenant_blocks = tenants
        .into_iter()
        .map(|t| TenantBlock {
            member: Check {
                value: t.id.to_string(),
                label: t.name.clone(),
                checked: member_of.contains(&t.id),
                enabled: can_edit_roles,
            },
            roles: roles
                .iter()
                .filter(|r| r.console || r.scope == "tenant")
                .map(|r| Check {
                    value: format!("{}:{}", t.id, r.name),
                    label: r.name.clone(),
                    checked: grants.contains(&(r.name.clone(), Some(t.id))),
                    enabled: can_edit_roles && access.may_assign(&r.name, Some(t.id)),
                })
                .collect(),
        })
        .collect();
    let v = v.unwrap_or_else(|| ProfileValues {
        given_name: user.given_name.clone(),
        family_name: user.family_name.clone(),
        display_name: user.display_name.clone(),
        external_id: user.external_id.clone().unwrap_or_default(),
        attributes: user
            .custom_attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect(),
    });
    let mut v = v;
    v.attributes.push((String::new(), String::new()));
    Ok(DetailPage {
        page: viewer.page.clone(),
        id: id.to_string(),
        login_id: user.login_id.clone(),
        status: user.status.as_str(),
        status_label: user.status.label(),
        created: show_time(user.created_at),
        last_login: user.last_login_at.map(show_time).unwrap_or_else(|| "never".into()),
        can_manage,
        can_edit_roles,
        remove_from,
        invitation_id: latest.map(|i| i.id.to_string()).unwrap_or_default(),
        invitation_live,
        resend_blocked: latest
            .and_then(|i| i.tenant_id)
            .and_then(|t| catalog.tenants.get(&t))
            .filter(|t| t.disabled)
            .map(|t| crate::service::invitations::tenant_disabled(&t.name))
            .unwrap_or_default(),
        v,
        errors,
        login_ids,
        new_login_id,
        project_roles,
        tenant_blocks,
        history,
    })
}

pub async fn user_page(
    state: web::Data<AppState>,
    g: Guard<ViewPeople>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    render(StatusCode::OK, &detail(&state, &g, id, None, FormErrors::default(), String::new()).await?)
}

/// What a failed form puts back on the page.
#[derive(Default)]
struct Redisplay {
    profile: Option<ProfileValues>,
    new_login_id: String,
}

/// Re-render after a failed edit, or redirect after a good one.
async fn after(
    state: &AppState,
    g: Guard<ManageUsers>,
    id: Uuid,
    result: Result<(), ServiceError>,
    (done, field): (&str, &'static str),
    redisplay: Redisplay,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => {
            guard::flash(&g.session, "success", done);
            Ok(see_other(&format!("/admin/users/{id}")))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, field)?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail(state, &g, id, redisplay.profile, errors, redisplay.new_login_id).await?,
            )
        }
    }
}

pub async fn save_profile(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let mut v = ProfileValues::default();
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for (k, val) in url::form_urlencoded::parse(&body) {
        let val = val.into_owned();
        match k.as_ref() {
            "given_name" => v.given_name = val,
            "family_name" => v.family_name = val,
            "display_name" => v.display_name = val,
            "external_id" => v.external_id = val,
            "attr_key" => keys.push(val),
            "attr_value" => values.push(val),
            _ => {}
        }
    }
    v.attributes =
        keys.into_iter().zip(values).filter(|(k, val)| !(k.trim().is_empty() && val.trim().is_empty())).collect();
    let result = match v.to_command() {
        Ok(change) => people::update_profile(&state, &g.actor, &g.access, id, change).await,
        Err(errors) => Err(ServiceError::Invalid(errors.0)),
    };
    after(&state, g, id, result, ("Profile saved.", "given_name"), Redisplay { profile: Some(v), ..Default::default() })
        .await
}

#[derive(Deserialize)]
pub struct LoginIdForm {
    #[serde(default)]
    login_id: String,
}

/// The login ID a form names, or the field error saying what is wrong.
fn login_id(raw: &str) -> Result<LoginId, ServiceError> {
    let mut errors = FormErrors::default();
    errors.login_id("login_id", raw).ok_or(ServiceError::Invalid(errors.0))
}

pub async fn add_login_id(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
    form: web::Form<LoginIdForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = match login_id(&form.login_id) {
        Ok(login) => people::add_login_id(&state, &g.actor, &g.access, id, login).await,
        Err(e) => Err(e),
    };
    after(
        &state,
        g,
        id,
        result,
        ("Login ID added.", "login_id"),
        Redisplay { new_login_id: form.login_id.clone(), ..Default::default() },
    )
    .await
}

pub async fn remove_login_id(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
    form: web::Form<LoginIdForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = people::remove_login_id(&state, &g.actor, &g.access, id, &form.login_id).await;
    after(&state, g, id, result, ("Login ID removed.", "login_id"), Redisplay::default()).await
}

pub async fn make_primary(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
    form: web::Form<LoginIdForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let result = match login_id(&form.login_id) {
        Ok(login) => people::make_primary(&state, &g.actor, &g.access, id, login).await,
        Err(e) => Err(e),
    };
    after(&state, g, id, result, ("Primary login ID changed.", "login_id"), Redisplay::default()).await
}

pub async fn save_roles(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let mut want = people::Memberships { roles: vec![], tenants: vec![], tenant_roles: vec![] };
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "roles" => want.roles.push(v.into_owned()),
            "tenants" => want.tenants.push(parse_id(&v)?),
            "tenant_roles" => {
                let (t, r) = v.split_once(':').ok_or_else(|| AppError::BadRequest("Malformed tenant role.".into()))?;
                want.tenant_roles.push((parse_id(t)?, r.to_string()));
            }
            _ => {}
        }
    }
    let change = people::MembershipChange::Replace(want);
    let result = people::set_memberships(&state, &g.actor, &g.access, id, change).await;
    after(&state, g, id, result, ("Roles and tenants saved.", "roles"), Redisplay::default()).await
}

pub async fn log_out_everywhere(
    state: web::Data<AppState>,
    g: Guard<ManageUsers>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let n = people::log_out_everywhere(&state, &g.actor, &g.access, id).await?;
    guard::flash(&g.session, "success", format!("Signed out of {n} session(s)."));
    Ok(see_other(&format!("/admin/users/{id}")))
}
