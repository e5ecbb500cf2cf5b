//! Who is calling the API (an API key, held to its role's rules), and the
//! `Idempotency-Key` handling every POST shares.

use std::future::Future;

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, http::StatusCode, web};
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use serde_json::json;

use super::problem::ApiError;
use crate::domain::{access::Access, access::Capability, token::hash_token};
use crate::service::api_keys;
use crate::state::AppState;
use crate::store::{api_keys::ApiKey, audit, audit::Actor, idempotency};

pub struct ApiCaller {
    pub key: ApiKey,
    pub access: Access,
    pub actor: Actor,
}

impl FromRequest for ApiCaller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
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
    /// Refuse (403 problem + audit entry) unless the key's role allows it.
    pub async fn require(&self, state: &AppState, capability: Capability, path: &str) -> Result<(), ApiError> {
        if self.access.can(capability) {
            return Ok(());
        }
        let mut c = state.db.acquire().await?;
        audit::record(
            &mut c.conn(),
            &self.actor,
            "access.denied",
            path,
            self.access.tenant_scope,
            json!({ "capability": capability.as_str() }),
        )
        .await?;
        Err(ApiError::forbidden(capability.as_str()))
    }
}

pub fn json_response(status: StatusCode, body: &serde_json::Value) -> HttpResponse {
    HttpResponse::build(status).content_type("application/json").body(body.to_string())
}

/// Run a POST's work once per `Idempotency-Key`: a retry with the same key
/// and body gets the first response back and changes nothing.
pub async fn idempotent<F, Fut>(
    state: &AppState,
    caller: &ApiCaller,
    req: &HttpRequest,
    body: &[u8],
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let Some(raw) = req.headers().get("idempotency-key") else {
        let (status, value) = work().await?;
        return Ok(json_response(status, &value));
    };
    // As the OpenAPI document says: 1 to 200 visible ASCII characters.
    let key = raw
        .to_str()
        .ok()
        .filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .ok_or_else(|| {
            ApiError::invalid(vec![crate::service::FieldError {
                field: "Idempotency-Key",
                message: "Use 1 to 200 visible ASCII characters (no spaces)".into(),
            }])
        })?;
    let request_hash = hash_token(&format!("{} {}\n{}", req.method(), req.path(), String::from_utf8_lossy(body)));
    let reserved = {
        let mut c = state.db.acquire().await?;
        let now = Utc::now();
        let mut reserved = idempotency::reserve(&mut c.conn(), caller.key.id, &key, &request_hash, now).await?;
        // A reservation whose request never finished (a crash, a dropped
        // connection) is abandoned after a few minutes and may be retried.
        if !reserved
            && idempotency::find(&mut c.conn(), caller.key.id, &key)
                .await?
                .is_some_and(|s| s.status == 0 && now - s.created_at > chrono::Duration::minutes(5))
        {
            idempotency::release(&mut c.conn(), caller.key.id, &key).await?;
            reserved = idempotency::reserve(&mut c.conn(), caller.key.id, &key, &request_hash, now).await?;
        }
        reserved
    };
    if !reserved {
        let stored = {
            let mut c = state.db.acquire().await?;
            idempotency::find(&mut c.conn(), caller.key.id, &key).await?
        };
        return match stored {
            Some(s) if s.request_hash != request_hash => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was used for a different request.",
            )),
            Some(s) if s.status == 0 => {
                Err(ApiError::conflict("A request with this Idempotency-Key is still in progress."))
            }
            Some(s) => {
                let status = StatusCode::from_u16(s.status as u16).unwrap_or(StatusCode::OK);
                let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
                Ok(HttpResponse::build(status)
                    .content_type(content_type)
                    .insert_header(("idempotent-replayed", "true"))
                    .body(s.body))
            }
            None => Err(ApiError::conflict("Retry the request.")),
        };
    }
    let outcome = work().await;
    let mut c = state.db.acquire().await?;
    match outcome {
        Ok((status, value)) => {
            // Invitation links are shown once and never stored in clear:
            // a replay answers without them.
            let body = without_links(value.clone()).to_string();
            idempotency::finish(&mut c.conn(), caller.key.id, &key, status.as_u16() as i32, &body).await?;
            Ok(json_response(status, &value))
        }
        Err(e) if e.status.is_client_error() => {
            let body = actix_web::body::to_bytes(actix_web::ResponseError::error_response(&e).into_body())
                .await
                .unwrap_or_default();
            idempotency::finish(
                &mut c.conn(),
                caller.key.id,
                &key,
                e.status.as_u16() as i32,
                &String::from_utf8_lossy(&body),
            )
            .await?;
            Err(e)
        }
        Err(e) => {
            idempotency::release(&mut c.conn(), caller.key.id, &key).await?;
            Err(e)
        }
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
    serde_json::from_slice(body).map_err(|e| ApiError::bad_json(&e))
}

/// The error for JSON that is not an object where one is expected.
pub fn not_an_object() -> serde_json::Error {
    <serde_json::Error as serde::de::Error>::custom("expected a JSON object")
}

/// The value with every `link` field removed.
fn without_links(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter().filter(|(k, _)| k != "link").map(|(k, v)| (k, without_links(v))).collect(),
        ),
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
        Some(s) => parse(s).map(Some).ok_or_else(|| {
            ApiError::invalid(vec![crate::service::FieldError { field, message: format!("Use {allowed}") }])
        }),
    }
}
