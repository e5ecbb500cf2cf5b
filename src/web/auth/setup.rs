//! The first-run page: the one-time link printed by `usher serve` creates
//! the first admin, then dies.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

use crate::service::accounts::{self, NewAdmin};
use crate::state::AppState;
use crate::store::audit::Actor;
use crate::web::{
    csrf::CsrfToken,
    error::{AppError, page, see_other},
    forms::FormErrors,
    guard::{actor_of, flash},
};

#[derive(Template, WebTemplate)]
#[template(path = "auth/setup.html")]
pub struct SetupPage {
    pub csrf: String,
    pub token: String,
    pub email: String,
    pub name: String,
    pub errors: FormErrors,
}

fn dead_link() -> HttpResponse {
    page(
        StatusCode::GONE,
        "This setup link has been used",
        "The first admin already exists. Sign in at /login, or ask that admin to invite you.",
    )
}

pub async fn setup_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    csrf: CsrfToken,
) -> Result<HttpResponse, AppError> {
    if !accounts::setup_link_is_valid(&state, &token).await? {
        return Ok(dead_link());
    }
    let body = SetupPage {
        csrf: csrf.0,
        token: token.into_inner(),
        email: String::new(),
        name: String::new(),
        errors: FormErrors::default(),
    }
    .render()
    .map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body))
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn create_first_admin(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    csrf: CsrfToken,
    session: Session,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    if !accounts::setup_link_is_valid(&state, &token).await? {
        return Ok(dead_link());
    }
    let f = form.into_inner();
    let actor = Actor { label: "setup link".into(), ..actor_of(&req, None) };
    let new = NewAdmin {
        email: f.email.clone(),
        name: f.name.clone(),
        password: f.password,
        password_confirm: f.password_confirm,
    };
    match accounts::create_admin(&state, new, Some(&token), &actor).await {
        Ok(_) => {
            flash(&session, "success", "Your admin account is ready. Sign in to continue.");
            Ok(see_other("/login"))
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "email")?;
            let body = SetupPage { csrf: csrf.0, token: token.into_inner(), email: f.email, name: f.name, errors }
                .render()
                .map_err(anyhow::Error::from)?;
            Ok(HttpResponse::UnprocessableEntity().content_type("text/html; charset=utf-8").body(body))
        }
    }
}
