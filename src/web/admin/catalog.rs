//! `/admin/tenants` and `/admin/roles`: the minimal catalog invitations
//! grant from.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use crate::service::accounts;
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
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
pub struct RolesPage {
    pub page: PageContext,
    pub roles: Vec<Role>,
    pub name: String,
    pub description: String,
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
pub struct RoleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

async fn tenants_view(
    state: &AppState,
    g: &Guard<ManageSettings>,
    name: String,
    slug: String,
    errors: FormErrors,
) -> Result<TenantsPage, AppError> {
    let mut c = state.db.acquire().await?;
    Ok(TenantsPage {
        page: g.page.clone(),
        tenants: tenants::list(&mut c.conn()).await?,
        name,
        slug,
        errors,
    })
}

async fn roles_view(
    state: &AppState,
    g: &Guard<ManageSettings>,
    name: String,
    description: String,
    errors: FormErrors,
) -> Result<RolesPage, AppError> {
    let mut c = state.db.acquire().await?;
    Ok(RolesPage {
        page: g.page.clone(),
        roles: roles::list(&mut c.conn()).await?,
        name,
        description,
        errors,
    })
}

pub async fn tenants_page(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &tenants_view(
            &state,
            &g,
            String::new(),
            String::new(),
            FormErrors::default(),
        )
        .await?,
    )
}

pub async fn create_tenant(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    form: web::Form<TenantForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    match accounts::create_tenant(&state, &g.actor, &f.name, &f.slug).await {
        Ok(_) => {
            guard::flash(
                &g.session,
                "success",
                format!("Tenant {} created.", f.name.trim()),
            );
            Ok(see_other("/admin/tenants"))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "name")?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &tenants_view(&state, &g, f.name, f.slug, errors).await?,
            )
        }
    }
}

pub async fn roles_page(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &roles_view(
            &state,
            &g,
            String::new(),
            String::new(),
            FormErrors::default(),
        )
        .await?,
    )
}

pub async fn create_role(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    match accounts::create_role(&state, &g.actor, &f.name, &f.description).await {
        Ok(()) => {
            guard::flash(
                &g.session,
                "success",
                format!("Role {} created.", f.name.trim()),
            );
            Ok(see_other("/admin/roles"))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "name")?;
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &roles_view(&state, &g, f.name, f.description, errors).await?,
            )
        }
    }
}
