//! `/admin/tenants` and `/admin/roles`: the catalog invitations grant from.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::parse_id;
use crate::service::{ServiceError, accounts, catalog};
use crate::state::AppState;
use crate::store::{roles, roles::Role, tenants, tenants::Tenant};
use crate::web::{
    error::{AppError, render, see_other},
    forms::FormErrors,
    guard::{self, Guard, ManageSettings, PageContext},
};

#[derive(Template)]
#[template(path = "admin/tenants.html")]
pub struct TenantsPage {
    pub page: PageContext,
    pub tenants: Vec<Tenant>,
    pub name: String,
    pub slug: String,
    pub errors: FormErrors,
    /// The tenant whose edit form failed, with its errors and the values
    /// that were typed.
    pub editing: Option<String>,
    pub edit_name: String,
    pub edit_domains: String,
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
pub struct RolesPage {
    pub page: PageContext,
    pub roles: Vec<Role>,
    pub name: String,
    pub description: String,
    pub scope: String,
    pub errors: FormErrors,
}

#[derive(Deserialize)]
pub struct TenantForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
}

#[derive(Deserialize)]
pub struct TenantEditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    disabled: Option<String>,
    #[serde(default)]
    allowed_domains: String,
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    scope: String,
}

async fn tenants_view(
    state: &AppState,
    g: &Guard<ManageSettings>,
    name: String,
    slug: String,
    errors: FormErrors,
    editing: Option<String>,
) -> Result<TenantsPage, AppError> {
    let mut c = state.db.acquire().await?;
    Ok(TenantsPage {
        page: g.page.clone(),
        tenants: tenants::list(&mut c.conn()).await?,
        name,
        slug,
        errors,
        editing,
        edit_name: String::new(),
        edit_domains: String::new(),
    })
}

async fn roles_view(
    state: &AppState,
    g: &Guard<ManageSettings>,
    name: String,
    description: String,
    scope: String,
    errors: FormErrors,
) -> Result<RolesPage, AppError> {
    let mut c = state.db.acquire().await?;
    Ok(RolesPage { page: g.page.clone(), roles: roles::list(&mut c.conn()).await?, name, description, scope, errors })
}

pub async fn tenants_page(state: web::Data<AppState>, g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &tenants_view(&state, &g, String::new(), String::new(), FormErrors::default(), None).await?)
}

pub async fn create_tenant(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    form: web::Form<TenantForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    match accounts::create_tenant(&state, &g.actor, &f.name, &f.slug).await {
        Ok(_) => {
            guard::flash(&g.session, "success", format!("Tenant {} created.", f.name.trim()));
            Ok(see_other("/admin/tenants"))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "name")?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &tenants_view(&state, &g, f.name, f.slug, errors, None).await?)
        }
    }
}

pub async fn update_tenant(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
    form: web::Form<TenantEditForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let f = form.into_inner();
    let change = catalog::UpdateTenant {
        name: Some(f.name.clone()),
        disabled: Some(f.disabled.is_some()),
        allowed_domains: Some(f.allowed_domains.clone()),
    };
    match catalog::update_tenant(&state, &g.actor, id, change).await {
        Ok(_) => {
            guard::flash(&g.session, "success", format!("Tenant {} saved.", f.name.trim()));
            Ok(see_other("/admin/tenants"))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "name")?;
            let mut view = tenants_view(&state, &g, String::new(), String::new(), errors, Some(id.to_string())).await?;
            (view.edit_name, view.edit_domains) = (f.name, f.allowed_domains);
            render(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
    }
}

pub async fn roles_page(state: web::Data<AppState>, g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &roles_view(&state, &g, String::new(), String::new(), "project".into(), FormErrors::default()).await?,
    )
}

pub async fn create_role(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let scope = if f.scope.is_empty() { "project".to_string() } else { f.scope.clone() };
    match accounts::create_role(&state, &g.actor, &f.name, &f.description, &scope).await {
        Ok(()) => {
            guard::flash(&g.session, "success", format!("Role {} created.", f.name.trim()));
            Ok(see_other("/admin/roles"))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "name")?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &roles_view(&state, &g, f.name, f.description, scope, errors).await?,
            )
        }
    }
}

pub async fn delete_role(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match accounts::delete_role(&state, &g.actor, &name).await {
        Ok(()) => guard::flash(&g.session, "success", format!("Role {name} deleted.")),
        Err(ServiceError::Refused(m)) => guard::flash(&g.session, "error", m),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other("/admin/roles"))
}
