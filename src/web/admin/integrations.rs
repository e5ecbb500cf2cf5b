//! Admin pages for programs: API keys (secret shown once), webhook
//! endpoints with their delivery log, and a readable API reference.

use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::parse_id;
use crate::domain::access::ConsoleRole;
use crate::service::{ServiceError, api_keys, show_time, webhooks as hooks};
use crate::state::AppState;
use crate::store::{api_keys as key_store, tenants, webhooks};
use crate::web::{
    api::{ApiRoute, ROUTES},
    error::{AppError, render, see_other},
    forms::FormErrors,
    guard::{self, Guard, ManageSettings, PageContext},
};

pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub role: String,
    pub tenant: String,
    pub created: String,
    pub created_by: String,
    pub last_used: String,
    pub expires: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "admin/api_keys.html")]
pub struct KeysPage {
    pub page: PageContext,
    pub keys: Vec<KeyRow>,
    pub tenants: Vec<(String, String)>,
    pub roles: [&'static str; 3],
    pub errors: FormErrors,
    /// What the person entered, shown again after an error.
    pub v: KeyForm,
    pub new_key: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct KeyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub tenant: String,
    #[serde(default)]
    pub expires_in_days: String,
}

async fn keys_page(
    state: &AppState,
    g: &Guard<ManageSettings>,
    errors: FormErrors,
    v: KeyForm,
    new_key: Option<String>,
) -> Result<KeysPage, AppError> {
    let mut c = state.db.acquire().await?;
    let all_tenants = tenants::list(&mut c.conn()).await?;
    let mut creators = std::collections::HashMap::new();
    let listed = key_store::list(&mut c.conn()).await?;
    for k in &listed {
        if let Some(by) = k.created_by
            && !creators.contains_key(&by)
        {
            let login = crate::store::users::find(&mut c.conn(), by)
                .await?
                .map(|u| u.login_id)
                .unwrap_or_else(|| "deleted user".into());
            creators.insert(by, login);
        }
    }
    let keys = listed
        .into_iter()
        .map(|k| KeyRow {
            created_by: k.created_by.and_then(|by| creators.get(&by).cloned()).unwrap_or_else(|| "command line".into()),
            id: k.id.to_string(),
            tenant: k
                .tenant_id
                .and_then(|t| all_tenants.iter().find(|x| x.id == t))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "all".into()),
            created: show_time(k.created_at),
            last_used: k.last_used_at.map(show_time).unwrap_or_else(|| "never".into()),
            expires: k.expires_at.map(show_time).unwrap_or_else(|| "never".into()),
            revoked: k.revoked_at.is_some(),
            name: k.name,
            prefix: k.prefix,
            role: k.role,
        })
        .collect();
    let tenants = all_tenants.into_iter().map(|t| (t.id.to_string(), t.name)).collect();
    Ok(KeysPage {
        page: g.page.clone(),
        keys,
        tenants,
        roles: ConsoleRole::ALL.map(ConsoleRole::as_str),
        errors,
        v,
        new_key,
    })
}

pub async fn api_keys_page(state: web::Data<AppState>, g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &keys_page(&state, &g, FormErrors::default(), KeyForm::default(), None).await?)
}

pub async fn create_api_key(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    form: web::Form<KeyForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.into_inner();
    let expires = match f.expires_in_days.trim() {
        "" => Ok(None),
        d => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ServiceError::field("expires_in_days", "Enter a whole number of days")),
    };
    let result = match expires {
        Ok(expires_in_days) => {
            let input = api_keys::NewKeyInput {
                name: f.name.clone(),
                role: f.role.clone(),
                tenant: f.tenant.parse().ok(),
                expires_in_days,
            };
            api_keys::create(&state, &g.actor, &g.access, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((key, _)) => {
            render(StatusCode::OK, &keys_page(&state, &g, FormErrors::default(), KeyForm::default(), Some(key)).await?)
        }
        Err(e) => {
            let errors = FormErrors::from_service(e, "name")?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &keys_page(&state, &g, errors, f, None).await?)
        }
    }
}

pub async fn revoke_api_key(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    api_keys::revoke(&state, &g.actor, parse_id(&id)?).await?;
    guard::flash(&g.session, "success", "API key revoked; it no longer works.");
    Ok(see_other("/admin/api-keys"))
}

pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub events: String,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
pub struct WebhooksPage {
    pub page: PageContext,
    pub endpoints: Vec<EndpointRow>,
    pub events: [&'static str; 10],
    pub errors: FormErrors,
    pub url: String,
    pub new_secret: Option<(String, String)>,
}

async fn webhooks_page(
    state: &AppState,
    g: &Guard<ManageSettings>,
    errors: FormErrors,
    url: String,
    new_secret: Option<(String, String)>,
) -> Result<WebhooksPage, AppError> {
    let mut c = state.db.acquire().await?;
    let endpoints = webhooks::list_endpoints(&mut c.conn())
        .await?
        .into_iter()
        .map(|e| EndpointRow {
            id: e.id.to_string(),
            url: e.url,
            events: e.events.replace(',', ", "),
            enabled: e.enabled,
        })
        .collect();
    Ok(WebhooksPage { page: g.page.clone(), endpoints, events: hooks::EVENTS, errors, url, new_secret })
}

pub async fn webhooks_list(state: web::Data<AppState>, g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &webhooks_page(&state, &g, FormErrors::default(), String::new(), None).await?)
}

pub async fn create_webhook(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let mut url = String::new();
    let mut events = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "url" => url = v.into_owned(),
            "events" => events.push(v.into_owned()),
            _ => {}
        }
    }
    match hooks::create_endpoint(&state, &g.actor, &url, &events).await {
        Ok((_, secret)) => render(
            StatusCode::OK,
            &webhooks_page(&state, &g, FormErrors::default(), String::new(), Some((url, secret))).await?,
        ),
        Err(e) => {
            let errors = FormErrors::from_service(e, "url")?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &webhooks_page(&state, &g, errors, url, None).await?)
        }
    }
}

pub struct DeliveryRow {
    pub id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub created: String,
    /// When a pending delivery is tried next; "—" once it is settled.
    pub next_attempt: String,
    pub log: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/webhook_detail.html")]
pub struct WebhookDetailPage {
    pub page: PageContext,
    pub id: String,
    pub url: String,
    pub events: String,
    pub enabled: bool,
    pub deliveries: Vec<DeliveryRow>,
}

pub async fn webhook_detail(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let mut c = state.db.acquire().await?;
    let e = webhooks::find_endpoint(&mut c.conn(), id).await?.ok_or(AppError::NotFound)?;
    let attempts = webhooks::attempts_of(&mut c.conn(), id, 1000).await?;
    let now = state.clock.now();
    let deliveries = webhooks::deliveries_of(&mut c.conn(), id, 100)
        .await?
        .into_iter()
        .map(|d| DeliveryRow {
            log: attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(|a| {
                    let code = a.status_code.map(|c| c.to_string()).unwrap_or_else(|| "no response".into());
                    format!(
                        "{} · {code} · {} ms{}",
                        show_time(a.at),
                        a.duration_ms,
                        a.error.as_deref().map(|e| format!(" · {e}")).unwrap_or_default()
                    )
                })
                .collect(),
            next_attempt: match d.status.as_str() {
                "pending" if d.next_attempt_at <= now => "now".into(),
                "pending" => show_time(d.next_attempt_at),
                _ => "—".into(),
            },
            id: d.id.to_string(),
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            created: show_time(d.created_at),
        })
        .collect();
    render(
        StatusCode::OK,
        &WebhookDetailPage {
            page: g.page.clone(),
            id: id.to_string(),
            url: e.url,
            events: e.events,
            enabled: e.enabled,
            deliveries,
        },
    )
}

fn done(
    g: &Guard<ManageSettings>,
    result: Result<(), ServiceError>,
    message: &str,
    back: &str,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => guard::flash(&g.session, "success", message),
        Err(ServiceError::Refused(m)) => guard::flash(&g.session, "error", m),
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(back))
}

pub async fn webhook_toggle(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
    form: web::Form<ToggleForm>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let enable = form.enabled.as_deref() == Some("true");
    let r = hooks::set_enabled(&state, &g.actor, id, enable).await;
    done(&g, r, if enable { "Webhook enabled." } else { "Webhook disabled." }, &format!("/admin/webhooks/{id}"))
}

#[derive(Deserialize)]
pub struct ToggleForm {
    enabled: Option<String>,
}

pub async fn webhook_delete(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let r = hooks::delete_endpoint(&state, &g.actor, parse_id(&id)?).await;
    done(&g, r, "Webhook deleted.", "/admin/webhooks")
}

pub async fn webhook_test(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let r = hooks::send_test_event(&state, &g.actor, id).await;
    state.wake_outbox.notify_waiters();
    done(&g, r, "Test event queued.", &format!("/admin/webhooks/{id}"))
}

pub async fn webhook_redeliver(
    state: web::Data<AppState>,
    g: Guard<ManageSettings>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let id = parse_id(&id)?;
    let r = hooks::redeliver(&state, &g.actor, id, parse_id(&delivery)?).await;
    state.wake_outbox.notify_waiters();
    done(&g, r, "The event will be delivered again now, as a new delivery.", &format!("/admin/webhooks/{id}"))
}

#[derive(Template)]
#[template(path = "admin/api_reference.html")]
pub struct ApiReferencePage {
    pub page: PageContext,
    pub routes: &'static [ApiRoute],
}

pub async fn api_reference(g: Guard<ManageSettings>) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &ApiReferencePage { page: g.page.clone(), routes: ROUTES })
}
