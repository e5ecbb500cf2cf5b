//! `/api/v1/invitations`: create one or a batch, list, get, resend, revoke.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::caller::{ApiCaller, idempotent, json_response, optional_param, parse_json};
use super::problem::ApiError;
use crate::domain::{access::Capability, invitation::InvitationStatus};
use crate::service::{FieldError, accounts::ensure_visible, invitations as service};
use crate::state::AppState;
use crate::store::{invitations, invitations::Invitation, invitations::TenantRole};
use crate::web::admin::invite::InviteValues;

/// The body of "create an invitation" (and each item of a batch).
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    pub login_id: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub custom_attributes: serde_json::Map<String, Value>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub tenants: Vec<Uuid>,
    #[serde(default)]
    pub tenant_roles: Vec<TenantRole>,
    /// Send the message now (default); false returns the link instead.
    #[serde(default = "yes")]
    pub send: bool,
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub template_key: Option<String>,
    #[serde(default)]
    pub redirect_url: Option<String>,
    /// Lifetime in seconds (3600 to 7776000); default: the account's.
    #[serde(default, deserialize_with = "whole_number")]
    pub expires_in: Option<i64>,
}

fn yes() -> bool {
    true
}

/// A JSON number with no fraction: `7200.0` is the integer 7200, as JSON
/// Schema's `integer` says. Out-of-range values saturate, so the range
/// check answers them.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Ok(Some(i)),
        (None, Some(f)) if f.fract() == 0.0 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom(format!("expected a whole number, got {n}"))),
    }
}

/// The API takes text exactly as documented: no surrounding spaces and
/// no empty string standing in for "left out" (the console's form is
/// forgiving; a program can send exactly what it means).
fn api_exactness(input: &InvitationIn) -> Vec<FieldError> {
    let exact = |v: &str| !v.is_empty() && v.trim() == v;
    let mut errors = Vec::new();
    if input.lang.as_deref().is_some_and(|l| !exact(l)) {
        errors.push(FieldError { field: "lang", message: "Use en or de".into() });
    }
    if input.redirect_url.as_deref().is_some_and(|u| !exact(u)) {
        errors.push(FieldError {
            field: "redirect_url",
            message: "Enter a full web address starting with https://".into(),
        });
    }
    if input.custom_attributes.keys().any(|k| !exact(k)) {
        errors.push(FieldError {
            field: "custom_attributes",
            message: "Attribute names use letters, digits, _ and - (1 to 60)".into(),
        });
    }
    errors
}

/// Validate like the console form does, plus the API-only fields.
pub fn to_request(input: &InvitationIn) -> Result<service::InviteRequest, ApiError> {
    let values = InviteValues {
        login_id: input.login_id.clone(),
        given_name: input.given_name.clone(),
        family_name: input.family_name.clone(),
        attributes: input
            .custom_attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect(),
        roles: input.roles.clone(),
        tenants: input.tenants.iter().map(Uuid::to_string).collect(),
        send_now: input.send,
        lang: input.lang.clone().unwrap_or_default(),
        redirect_url: input.redirect_url.clone().unwrap_or_default(),
    };
    let mut errors = api_exactness(input);
    let expires_in = match input.expires_in {
        None => None,
        Some(s) if (3600..=90 * 86_400).contains(&s) => Some(chrono::Duration::seconds(s)),
        Some(_) => {
            errors.push(FieldError {
                field: "expires_in",
                message: "Use 3600 (1 hour) to 7776000 (90 days) seconds".into(),
            });
            None
        }
    };
    match values.to_request() {
        Ok(mut req) if errors.is_empty() => {
            // Keep the attributes' JSON types (the form knows only text).
            req.custom_attributes = input.custom_attributes.clone();
            req.grants.tenant_roles = input.tenant_roles.clone();
            req.template_key = input.template_key.clone().unwrap_or_else(|| "invite".into());
            req.expires_in = expires_in;
            Ok(req)
        }
        Ok(_) => Err(ApiError::invalid(errors)),
        Err(form) => {
            errors.extend(form.0);
            Err(ApiError::invalid(errors))
        }
    }
}

/// The API's view of an invitation.
pub fn invitation_json(i: &Invitation, link: Option<&str>) -> Value {
    let now = Utc::now();
    let mut v = json!({
        "id": i.id,
        "user_id": i.user_id,
        "login_id": i.login_id,
        "status": i.status_at(now).as_str(),
        "channel": i.channel,
        "lang": i.lang,
        "template_key": i.template_key,
        "tenant_id": i.tenant_id,
        "grants": i.grants,
        "redirect_url": i.redirect_url,
        "created_at": i.created_at,
        "expires_at": i.expires_at,
        "sent_at": i.sent_at,
        "resent_at": i.resent_at,
        "resent_count": i.resent_count,
        "invited_by": i.invited_by,
        "accepted_at": i.accepted_at,
    });
    if let Some(link) = link {
        v["link"] = json!(link);
    }
    v
}

async fn create_one(state: &AppState, caller: &ApiCaller, input: &InvitationIn) -> Result<Value, ApiError> {
    let req = to_request(input)?;
    let created = service::create(state, &caller.actor, &caller.access, req).await?;
    let mut c = state.db.acquire().await?;
    let inv = invitations::find(&mut c.conn(), created.invitation_id).await?.ok_or_else(ApiError::not_found)?;
    Ok(invitation_json(&inv, created.unsent_link.as_deref()))
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::Invite, req.path()).await?;
    idempotent(&state, &caller, &req, &body, || async {
        let input: InvitationIn = parse_json(&body)?;
        Ok((StatusCode::CREATED, create_one(&state, &caller, &input).await?))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchIn {
    pub invitations: Vec<Value>,
}

/// Up to 1,000 invitations; each item succeeds or fails on its own.
pub async fn create_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::Invite, req.path()).await?;
    idempotent(&state, &caller, &req, &body, || async {
        let batch: BatchIn = parse_json(&body)?;
        if batch.invitations.is_empty() || batch.invitations.len() > 1000 {
            return Err(ApiError::invalid(vec![FieldError { field: "invitations", message: "Send 1 to 1,000 invitations".into() }]));
        }
        let mut results = Vec::with_capacity(batch.invitations.len());
        for (index, item) in batch.invitations.iter().enumerate() {
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
                Err(e) if e.status.is_server_error() => return Err(e),
                Err(e) => json!({ "index": index, "status": "error", "error": { "title": e.title, "detail": e.detail, "errors": e.errors } }),
            });
        }
        let created = results.iter().filter(|r| r["status"] == "created").count();
        Ok((StatusCode::OK, json!({ "created": created, "failed": results.len() - created, "results": results })))
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    tenant: Option<Uuid>,
    login_id: Option<String>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    limit: Option<i64>,
    cursor: Option<String>,
}

pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.to_rfc3339()))
}

pub fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || {
        ApiError::invalid(vec![FieldError {
            field: "cursor",
            message: "Use the next_cursor of a previous page".into(),
        }])
    };
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    Ok((DateTime::parse_from_rfc3339(at).map_err(|_| bad())?.with_timezone(&Utc), id.parse().map_err(|_| bad())?))
}

pub fn page_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit.unwrap_or(50) {
        l @ 1..=500 => Ok(l),
        _ => Err(ApiError::invalid(vec![FieldError { field: "limit", message: "Use 1 to 500".into() }])),
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ViewPeople, req.path()).await?;
    let status = optional_param(
        q.status.as_deref(),
        "status",
        InvitationStatus::parse,
        "pending, accepted, expired, revoked or declined",
    )?;
    let limit = page_limit(q.limit)?;
    let query = invitations::ApiQuery {
        status,
        tenant: q.tenant,
        login_id: q.login_id.as_deref().filter(|l| !l.is_empty()).map(|l| {
            crate::domain::login_id::LoginId::parse(l).map(|l| l.to_string()).unwrap_or_else(|_| l.to_string())
        }),
        created_after: q.created_after,
        created_before: q.created_before,
        scope: caller.access.tenant_scope,
        after: q.cursor.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?,
        now: None,
        limit: limit + 1,
    };
    let mut rows = {
        let mut c = state.db.acquire().await?;
        invitations::list_keyset(&mut c.conn(), &query).await?
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|i| encode_cursor(i.created_at, i.id)) } else { None };
    let data: Vec<Value> = rows.iter().map(|i| invitation_json(i, None)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "data": data, "next_cursor": next })))
}

/// The invitation, if this caller may see it (another tenant's is 404).
async fn visible(state: &AppState, caller: &ApiCaller, id: &str) -> Result<Invitation, ApiError> {
    let id: Uuid = id.parse().map_err(|_| ApiError::not_found())?;
    let mut c = state.db.acquire().await?;
    let inv = invitations::find(&mut c.conn(), id).await?.ok_or_else(ApiError::not_found)?;
    ensure_visible(&mut c.conn(), &caller.access, inv.user_id).await?;
    service::ensure_invitation_in_scope(&caller.access, &inv)?;
    Ok(inv)
}

pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::ViewPeople, req.path()).await?;
    let inv = visible(&state, &caller, &id).await?;
    Ok(json_response(StatusCode::OK, &invitation_json(&inv, None)))
}

pub async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::Invite, req.path()).await?;
    idempotent(&state, &caller, &req, &body, || async {
        let inv = visible(&state, &caller, &id).await?;
        service::resend(&state, &caller.actor, &caller.access, inv.id, true).await?;
        let inv = visible(&state, &caller, &id).await?;
        Ok((StatusCode::OK, invitation_json(&inv, None)))
    })
    .await
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    caller.require(&state, Capability::Invite, req.path()).await?;
    idempotent(&state, &caller, &req, &body, || async {
        let inv = visible(&state, &caller, &id).await?;
        service::revoke(&state, &caller.actor, &caller.access, inv.id).await?;
        let inv = visible(&state, &caller, &id).await?;
        Ok((StatusCode::OK, invitation_json(&inv, None)))
    })
    .await
}
