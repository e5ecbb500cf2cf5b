//! Who is calling the API (an API key, held to its role's rules), the
//! guard every API route goes through, and the idempotency layer every
//! POST goes through.

use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, http::StatusCode, web};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use super::problem::ApiError;
use crate::domain::{access::Access, access::Capability, access::Scope, actor::Actor, event::Event, token::hash_token};
use crate::service::{api_keys, codes, events::emit};
use crate::state::AppState;
use crate::store::{api_keys::ApiKey, idempotency};

#[derive(Clone)]
pub struct ApiCaller {
    pub key: ApiKey,
    pub access: Access,
    pub actor: Actor,
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The idempotency layer already authenticated this request.
        if let Some(caller) = req.extensions().get::<ApiCaller>().cloned() {
            return Box::pin(async move { Ok(caller) });
        }
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().expect("AppState registered").clone();
            // The scheme name is case-insensitive (RFC 9110 §11.1).
            let presented = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .filter(|token| !token.is_empty())
                .ok_or_else(ApiError::unauthorized)?;
            let key = api_keys::authenticate(&state, presented).await?.ok_or_else(ApiError::invalid_token)?;
            let ip = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
            let ua = req
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            Ok(ApiCaller { access: api_keys::access_of(&key), actor: api_keys::actor_of(&key, ip, ua), key })
        })
    }
}

impl ApiCaller {
    /// Refuse (403 problem + audit entry) unless the key's role may use an
    /// operation that needs `capability` in `scope`.
    async fn require(
        &self,
        state: &AppState,
        capability: Capability,
        scope: Scope,
        path: &str,
    ) -> Result<(), ApiError> {
        if self.access.allows(capability, scope) {
            return Ok(());
        }
        // Scope is named when the capability is held but the operation is
        // not open to a tenant-scoped key.
        let refused_scope = self.access.can(capability).then(|| scope.as_str().to_string());
        let mut c = state.db.acquire().await?;
        let event = Event::AccessDenied {
            target: path.into(),
            tenant_id: self.access.tenant_scope,
            capability: capability.as_str().into(),
            scope: refused_scope,
            refused: None,
        };
        emit(&mut c.conn(), &self.actor, event, state.clock.now()).await?;
        Err(ApiError::forbidden(capability.as_str()))
    }
}

/// The guard every API route of the table goes through, with what its
/// entry declares (`super::route`): no valid key is a 401, a key whose
/// role may not use the operation a 403 and an audit entry. The handler
/// gets the caller from here.
pub async fn guard_layer(
    capability: Capability,
    scope: Scope,
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let caller = match req.extract::<ApiCaller>().await {
        Ok(caller) => caller,
        Err(e) => return Ok(req.error_response(e)),
    };
    let state = req.app_data::<web::Data<AppState>>().expect("AppState registered").clone();
    if let Err(e) = caller.require(&state, capability, scope, req.path()).await {
        return Ok(req.error_response(e));
    }
    req.extensions_mut().insert(caller);
    next.call(req).await
}

pub fn json_response(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json").body(body.to_string())
}

/// The idempotency layer. [`super::routes`] wraps every POST of the route
/// table in it, so no POST can forget it: with an `Idempotency-Key`, the
/// first response (a success or a 4xx) is kept, and a retry with the same
/// key and body gets it back (`Idempotent-Replayed: true`) without the
/// work being done again. A 5xx is not kept: the retry runs the request.
pub async fn idempotency_layer(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(raw_key) = req.headers().get("idempotency-key").cloned() else {
        return next.call(req).await;
    };
    // Without a valid API key the handler answers 401; there is nothing to
    // keep (keys are per API key).
    let Ok(caller) = req.extract::<ApiCaller>().await else {
        return next.call(req).await;
    };
    // As the OpenAPI document says: 1 to 200 visible ASCII characters.
    let key = match raw_key.to_str() {
        Ok(k) if (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k.to_string(),
        _ => {
            let e =
                ApiError::field("Idempotency-Key", codes::INVALID, "Use 1 to 200 visible ASCII characters (no spaces)");
            return Ok(req.error_response(e));
        }
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(e) => return Ok(req.error_response(e)),
    };
    // The handler reads the body and the caller again.
    req.set_payload(Payload::from(body.clone()));
    req.extensions_mut().insert(caller.clone());
    let state = req.app_data::<web::Data<AppState>>().expect("AppState registered").clone();
    let api_key = caller.key.id;
    let request_hash = hash_token(&format!("{} {}\n{}", req.method(), req.path(), String::from_utf8_lossy(&body)));
    match reserve(&state, api_key, &key, &request_hash).await {
        Ok(true) => {}
        Ok(false) => {
            let response = replay(&state, api_key, &key, &request_hash).await.unwrap_or_else(|e| e.error_response());
            return Ok(req.into_response(response));
        }
        Err(e) => return Ok(req.error_response(ApiError::from(e))),
    }
    // Kept: every answer but a 5xx and those that depend on the moment (a
    // quota or rate limit, a cooldown or state conflict), which a retry
    // with the same key, after Retry-After, must be able to get past.
    let response = match next.call(req).await {
        Ok(response)
            if !response.status().is_server_error()
                && !matches!(response.status(), StatusCode::TOO_MANY_REQUESTS | StatusCode::CONFLICT) =>
        {
            response
        }
        other => {
            if let Err(e) = release(&state, api_key, &key).await {
                tracing::warn!(error = ?e, "could not release an idempotency key");
            }
            return other;
        }
    };
    let status = response.status();
    let (req, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes =
        actix_web::body::to_bytes(body).await.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
    // Invitation links are shown once and never stored in clear: a replay
    // answers without them.
    let kept = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(value) => without_links(value).to_string(),
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    };
    let finished = async {
        let mut c = state.db.acquire().await?;
        idempotency::finish(&mut c.conn(), api_key, &key, i32::from(status.as_u16()), &kept).await
    };
    if let Err(e) = finished.await {
        // The response is still the caller's; a retry within the
        // reservation's lifetime is told the request is in progress.
        tracing::error!(error = ?e, "could not keep an idempotent response");
    }
    Ok(ServiceResponse::new(req, head.set_body(BoxBody::new(bytes))))
}

/// Reserve the key (false: it was already there). A reservation whose
/// request never finished (a crash, a dropped connection) is abandoned
/// after a few minutes and may be retried.
async fn reserve(state: &AppState, api_key: Uuid, key: &str, request_hash: &str) -> anyhow::Result<bool> {
    let mut c = state.db.acquire().await?;
    let now = state.clock.now();
    if idempotency::reserve(&mut c.conn(), api_key, key, request_hash, now).await? {
        return Ok(true);
    }
    let abandoned = idempotency::find(&mut c.conn(), api_key, key)
        .await?
        .is_some_and(|s| s.status == 0 && now - s.created_at > chrono::Duration::minutes(5));
    if !abandoned {
        return Ok(false);
    }
    idempotency::release(&mut c.conn(), api_key, key).await?;
    idempotency::reserve(&mut c.conn(), api_key, key, request_hash, now).await
}

async fn release(state: &AppState, api_key: Uuid, key: &str) -> anyhow::Result<()> {
    let mut c = state.db.acquire().await?;
    idempotency::release(&mut c.conn(), api_key, key).await
}

/// The kept response for a key that was already used.
async fn replay(state: &AppState, api_key: Uuid, key: &str, request_hash: &str) -> Result<HttpResponse, ApiError> {
    let stored = {
        let mut c = state.db.acquire().await?;
        idempotency::find(&mut c.conn(), api_key, key).await?
    };
    match stored {
        Some(s) if s.request_hash != request_hash => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "This Idempotency-Key was used for a different request.",
        )),
        Some(s) if s.status != 0 => {
            let status = StatusCode::from_u16(s.status as u16).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
            Ok(HttpResponse::build(status)
                .content_type(content_type)
                .insert_header(("idempotent-replayed", "true"))
                .body(s.body))
        }
        // Reserved by a request still running (or released a moment ago).
        _ => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency-in-progress",
            "Request in progress",
            "A request with this Idempotency-Key is still in progress; retry shortly.",
        )),
    }
}

/// Parse a JSON body, or answer 400 with what is wrong.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.is_empty() { b"{}".as_slice() } else { body };
    // Every body is an object; serde alone would also take a struct
    // written as an array (`[null]` for a PATCH).
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_json(&not_an_object()));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| ApiError::bad_json(&e))?;
    if holds_nul(&value) {
        // Refused, not stripped: a program sent exactly this, and taking
        // characters out would pass text the limits were meant to stop.
        let e = <serde_json::Error as serde::de::Error>::custom("text may not contain a NUL character (\\u0000)");
        return Err(ApiError::bad_json(&e));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad_json(&e))
}

/// Does any string (or key) hold a NUL character? Nothing can store one
/// (PostgreSQL refuses it) and no person means one.
fn holds_nul(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        Value::Array(items) => items.iter().any(holds_nul),
        _ => false,
    }
}

/// The error for JSON that is not an object where one is expected.
pub fn not_an_object() -> serde_json::Error {
    <serde_json::Error as serde::de::Error>::custom("expected a JSON object")
}

/// The value with every `link` field removed.
fn without_links(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            // Say so, so that a client whose first answer was lost knows to
            // ask for a fresh link rather than wait for one.
            let withheld = map.contains_key("link");
            let mut kept: serde_json::Map<_, _> =
                map.into_iter().filter(|(k, _)| k != "link").map(|(k, v)| (k, without_links(v))).collect();
            if withheld {
                kept.insert("link_withheld".into(), serde_json::Value::Bool(true));
            }
            serde_json::Value::Object(kept)
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(without_links).collect()),
        other => other,
    }
}

/// An optional enum-like query parameter: absent or empty is None; an
/// unknown value is a 422 naming the allowed ones.
pub fn optional_param<T>(
    raw: Option<&str>,
    field: &'static str,
    parse: fn(&str) -> Option<T>,
    allowed: &str,
) -> Result<Option<T>, ApiError> {
    match raw {
        None | Some("") => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| ApiError::field(field, codes::INVALID, format!("Use {allowed}"))),
    }
}
