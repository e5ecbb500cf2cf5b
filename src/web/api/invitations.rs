//! `/api/v1/invitations`: create one or a batch, list, get, resend, revoke,
//! get a fresh link.

use actix_web::{HttpResponse, http::StatusCode, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::{ApiCaller, json_response, optional_param, parse_json};
use super::cursor::PageRequest;
use super::problem::ApiError;
use super::{schema, views};
use crate::domain::{
    attributes::CustomAttributes, invitation::InvitationStatus, language::Language, lifetime, person_name::PersonName,
    redirect_url::RedirectUrl, template_key::TemplateKey,
};
use crate::service::{codes, invitations as service};
use crate::state::AppState;
use crate::store::{invitations, invitations::Grants, invitations::Invitation, invitations::TenantRole};
use crate::web::forms::FormErrors;

/// The body of "create an invitation" (and each item of a batch).
#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    #[schema(schema_with = schema::login_id)]
    pub login_id: String,
    #[serde(default)]
    #[schema(schema_with = schema::profile_text)]
    pub given_name: String,
    #[serde(default)]
    #[schema(schema_with = schema::profile_text)]
    pub family_name: String,
    #[serde(default)]
    #[schema(schema_with = schema::custom_attributes)]
    pub custom_attributes: serde_json::Map<String, Value>,
    #[serde(default)]
    #[schema(schema_with = schema::role_names)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub tenants: Vec<Uuid>,
    #[serde(default)]
    pub tenant_roles: Vec<TenantRole>,
    /// Send the message now (default); false returns the link instead.
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub send: bool,
    #[serde(default)]
    #[schema(schema_with = schema::lang)]
    pub lang: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::template_key)]
    pub template_key: Option<String>,
    #[serde(default)]
    #[schema(format = "uri", pattern = r"^https?://[^\s/?#]+([/?#]\S*)?$")]
    pub redirect_url: Option<String>,
    /// Lifetime in seconds (3600 to 7776000); default: the account's.
    /// Any JSON value, so a wrong one is a 422 naming this field.
    #[serde(default)]
    #[schema(schema_with = schema::expires_in)]
    pub expires_in: Option<Value>,
}

fn yes() -> bool {
    true
}

/// The body as the invite command. The API takes text exactly as
/// documented: no surrounding spaces and no empty string standing in for
/// "left out" (the console's form is forgiving; a program can send exactly
/// what it means). Names are trimmed, as everywhere.
pub fn to_command(input: &InvitationIn) -> Result<service::Invite, ApiError> {
    let mut errors = FormErrors::default();
    let login_id = errors.login_id("login_id", &input.login_id);
    let given_name = errors.check("given_name", PersonName::parse(&input.given_name)).unwrap_or_default();
    let family_name = errors.check("family_name", PersonName::parse(&input.family_name)).unwrap_or_default();
    let attributes = CustomAttributes::from_json(input.custom_attributes.clone());
    let custom_attributes = errors.check("custom_attributes", attributes).unwrap_or_default();
    let lang = errors.check("lang", input.lang.as_deref().map(Language::parse).transpose()).flatten();
    let redirect_url =
        errors.check("redirect_url", input.redirect_url.as_deref().map(RedirectUrl::parse).transpose()).flatten();
    let template_key = input.template_key.as_deref().map(TemplateKey::parse).transpose();
    let template_key = errors.check("template_key", template_key).flatten().unwrap_or_default();
    let expires_in = input
        .expires_in
        .as_ref()
        .map(|v| whole_seconds(v).and_then(lifetime::from_seconds))
        .transpose()
        .map_err(|message| errors.push_code("expires_in", codes::OUT_OF_RANGE, message))
        .ok()
        .flatten();
    match login_id {
        Some(login_id) if !errors.any() => Ok(service::Invite {
            login_id,
            given_name,
            family_name,
            custom_attributes,
            grants: Grants {
                roles: input.roles.clone(),
                tenants: input.tenants.clone(),
                tenant_roles: input.tenant_roles.clone(),
            },
            send_now: input.send,
            lang,
            redirect_url,
            template_key,
            expires_in,
        }),
        _ => Err(ApiError::invalid(errors.0)),
    }
}

/// A JSON number without a fraction (JSON Schema's `integer`: `7200.0`
/// counts); numbers beyond `i64` saturate, so the range check refuses them.
fn whole_seconds(v: &Value) -> Result<i64, String> {
    let Value::Number(n) = v else { return Err("Use a whole number of seconds".into()) };
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    match n.as_f64() {
        // `as` saturates at the i64 bounds.
        Some(f) if f.fract() == 0.0 => Ok(f as i64),
        _ => Err("Use a whole number of seconds".into()),
    }
}

/// The API's view of an invitation at `now` ([`views::Invitation`]).
pub fn invitation_json(i: &Invitation, link: Option<&str>, now: DateTime<Utc>) -> Value {
    json!(views::Invitation::new(i, link, now))
}

async fn create_one(state: &AppState, caller: &ApiCaller, input: &InvitationIn) -> Result<Value, ApiError> {
    let created = service::create(state, &caller.actor, &caller.access, to_command(input)?).await?;
    match service::find_visible(state, &caller.access, created.invitation_id).await {
        Ok(inv) => Ok(invitation_json(&inv, created.unsent_link.as_deref(), state.clock.now())),
        // It was created: say so with what is known, rather than an error
        // that would make the caller think it was not.
        Err(e) => {
            tracing::warn!(error = ?e, "could not read back a created invitation");
            let mut v =
                json!({ "id": created.invitation_id, "user_id": created.user_id, "expires_at": created.expires_at });
            if let Some(link) = created.unsent_link {
                v["link"] = json!(link);
            }
            Ok(v)
        }
    }
}

pub async fn create(state: web::Data<AppState>, caller: ApiCaller, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let input: InvitationIn = parse_json(&body)?;
    Ok(json_response(StatusCode::CREATED, &create_one(&state, &caller, &input).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = InvitationBatchIn)]
pub struct BatchIn {
    /// An item that is not a valid InvitationIn fails on its own (see
    /// results); the others are created.
    #[schema(value_type = Vec<InvitationIn>, min_items = 1, max_items = 1000)]
    pub invitations: Vec<Value>,
}

/// Up to 1,000 invitations; each item succeeds or fails on its own, and
/// the answer reports every item whatever happens: created, refused (with
/// its problem), failed unexpectedly (`internal`), or — after an
/// unexpected failure, which may not be the item's fault — not attempted.
pub async fn create_batch(
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let batch: BatchIn = parse_json(&body)?;
    if batch.invitations.is_empty() || batch.invitations.len() > 1000 {
        return Err(ApiError::field("invitations", codes::OUT_OF_RANGE, "Send 1 to 1,000 invitations"));
    }
    let mut results = Vec::with_capacity(batch.invitations.len());
    let mut broken = false;
    for (index, item) in batch.invitations.iter().enumerate() {
        if broken {
            results.push(json!({ "index": index, "status": "not_attempted" }));
            continue;
        }
        let parsed = match item {
            Value::Object(_) => serde_json::from_value::<InvitationIn>(item.clone()),
            _ => Err(super::caller::not_an_object()),
        };
        let outcome = match parsed {
            Ok(input) => create_one(&state, &caller, &input).await,
            Err(e) => Err(ApiError::bad_json(&e)),
        };
        results.push(match outcome {
            Ok(inv) => json!({ "index": index, "status": "created", "invitation": inv }),
            Err(e) => {
                broken = e.status.is_server_error();
                json!({ "index": index, "status": "error", "error": e.to_json() })
            }
        });
    }
    let count = |status: &str| results.iter().filter(|r| r["status"] == status).count();
    let summary = json!({
        "created": count("created"),
        "failed": count("error"),
        "not_attempted": count("not_attempted"),
        "results": results,
    });
    Ok(json_response(StatusCode::OK, &summary))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(schema_with = schema::invitation_status_filter)]
    status: Option<String>,
    tenant: Option<Uuid>,
    login_id: Option<String>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    // Text, so that any value is a 422 naming `limit`.
    #[param(schema_with = schema::page_limit)]
    limit: Option<String>,
    cursor: Option<String>,
}

pub async fn list(
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = optional_param(
        q.status.as_deref(),
        "status",
        InvitationStatus::parse,
        "pending, accepted, expired, revoked or declined",
    )?;
    let page = PageRequest::parse(q.limit.as_deref(), q.cursor.as_deref())?;
    // One time for the status filter and the statuses shown.
    let now = state.clock.now();
    let query = invitations::ApiQuery {
        status,
        tenant: q.tenant,
        login_id: q.login_id.as_deref().filter(|l| !l.is_empty()).map(|l| {
            // Not a login ID: it matches nobody. Control characters become
            // U+FFFD so it still matches nobody (PostgreSQL refuses NUL).
            crate::domain::login_id::LoginId::parse(l)
                .map(|l| l.to_string())
                .unwrap_or_else(|_| l.replace(char::is_control, "\u{fffd}"))
        }),
        created_after: q.created_after,
        created_before: q.created_before,
        scope: caller.access.tenant_scope,
        after: page.after,
        now: Some(now),
        limit: page.fetch(),
    };
    let mut rows = {
        let mut c = state.db.acquire().await?;
        invitations::list_keyset(&mut c.conn(), &query).await?
    };
    let next = page.finish(&mut rows, |i| (i.created_at, i.id));
    let data: Vec<Value> = rows.iter().map(|i| invitation_json(i, None, now)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data, "next_cursor": next })))
}

/// The invitation, if this caller may see it (another tenant's is 404).
async fn visible(state: &AppState, caller: &ApiCaller, id: &str) -> Result<Invitation, ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::not_found())?;
    Ok(service::find_visible(state, &caller.access, id).await?)
}

pub async fn get(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let inv = visible(&state, &caller, &id).await?;
    Ok(json_response(StatusCode::OK, &invitation_json(&inv, None, state.clock.now())))
}

pub async fn resend(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    reissue(&state, &caller, &id, true).await
}

/// The console's "Get a fresh link": a new link returned once and not
/// sent, every earlier link dead, expiry restarted (same rules as resend:
/// pending or expired only, cooldown, enabled tenant).
pub async fn issue_link(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    reissue(&state, &caller, &id, false).await
}

/// A fresh link for the invitation: sent (resend), or returned once.
async fn reissue(state: &AppState, caller: &ApiCaller, id: &str, send: bool) -> Result<HttpResponse, ApiError> {
    let inv = visible(state, caller, id).await?;
    let link = service::resend(state, &caller.actor, &caller.access, inv.id, send).await?;
    let inv = visible(state, caller, id).await?;
    Ok(json_response(StatusCode::OK, &invitation_json(&inv, link.as_deref(), state.clock.now())))
}

pub async fn revoke(
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let inv = visible(&state, &caller, &id).await?;
    service::revoke(&state, &caller.actor, &caller.access, inv.id).await?;
    let inv = visible(&state, &caller, &id).await?;
    Ok(json_response(StatusCode::OK, &invitation_json(&inv, None, state.clock.now())))
}
