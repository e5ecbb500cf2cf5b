//! Webhook endpoints: creating them (with a server-side request forgery
//! guard), the events they receive, test events and redelivery. Events are
//! queued by [`super::events::emit`] in the same transaction as the change.

use std::net::IpAddr;

use serde_json::json;
use uuid::Uuid;

use super::{ServiceError, events::emit};
/// Every event a webhook can receive.
pub use crate::domain::event::WEBHOOK_EVENTS as EVENTS;
use crate::domain::{actor::Actor, event::Event, event_payload::webhook_body, signature};
use crate::state::AppState;
use crate::store::webhooks;

/// Addresses a webhook may not target unless private targets are allowed:
/// loopback, private ranges, link-local, unspecified.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)) // shared address space (cloud metadata, CGNAT)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
                || a >= 240 // reserved
                || a == 0
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0];
            let embedded = std::net::Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
                // NAT64 (64:ff9b::/96) embeds an IPv4 address.
                || (nat64 && is_private(IpAddr::V4(embedded)))
        }
    }
}

/// The resolver webhook deliveries use: it drops private addresses itself,
/// so the address checked is the address connected to (no DNS rebinding
/// between a check and the connection).
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || !is_private(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves only to loopback or private addresses").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The host of a webhook URL, for logs and the audit log: a URL's path or
/// query may carry a token (e.g. chat webhooks), so it is never recorded.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_else(|| "invalid URL".into())
}

/// Check a webhook URL: http(s) only, and — unless private targets are
/// allowed — no host that resolves to a loopback or private address.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw.trim()).map_err(|_| "Enter a full URL starting with https://".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("Only http and https URLs can receive webhooks".into());
    }
    let host = url.host_str().ok_or("The URL needs a host")?.to_string();
    if !allow_private {
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = tokio::net::lookup_host((host.trim_matches(|c| c == '[' || c == ']'), port))
            .await
            .map_err(|_| format!("The host {host} could not be resolved"))?;
        if addrs.into_iter().any(|a| is_private(a.ip())) {
            return Err(format!("{host} is a loopback or private address; webhooks may only go to public addresses"));
        }
    }
    Ok(url)
}

/// Parse the event filter: `*` or a list of known events.
pub fn parse_events(selected: &[String]) -> Result<String, String> {
    if selected.is_empty() || selected.iter().any(|e| e == "*") {
        return Ok("*".into());
    }
    for e in selected {
        if !EVENTS.contains(&e.as_str()) {
            return Err(format!("Unknown event {e}"));
        }
    }
    Ok(selected.join(","))
}

/// Create an endpoint; returns its id and the signing secret (shown once).
pub async fn create_endpoint(
    state: &AppState,
    actor: &Actor,
    url: &str,
    events: &[String],
) -> Result<(Uuid, String), ServiceError> {
    let url = check_url(url, state.config.webhooks_allow_private).await.map_err(|m| ServiceError::field("url", m))?;
    let events = parse_events(events).map_err(|m| ServiceError::field("events", m))?;
    let secret = signature::new_secret();
    let mut tx = state.db.begin().await?;
    let id = webhooks::insert_endpoint(&mut tx.conn(), url.as_str(), &secret, &events, state.clock.now()).await?;
    let host = host_of(url.as_str());
    emit(&mut tx.conn(), actor, Event::WebhookCreated { endpoint_id: id, host, events }, state.clock.now()).await?;
    tx.commit().await?;
    Ok((id, secret))
}

pub async fn set_enabled(state: &AppState, actor: &Actor, id: Uuid, enabled: bool) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    if !webhooks::set_enabled(&mut tx.conn(), id, enabled).await? {
        return Err(ServiceError::NotFound);
    }
    let event =
        if enabled { Event::WebhookEnabled { endpoint_id: id } } else { Event::WebhookDisabled { endpoint_id: id } };
    emit(&mut tx.conn(), actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_endpoint(state: &AppState, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    if !webhooks::delete_endpoint(&mut tx.conn(), id).await? {
        return Err(ServiceError::NotFound);
    }
    emit(&mut tx.conn(), actor, Event::WebhookDeleted { endpoint_id: id }, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn send_test_event(state: &AppState, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    webhooks::find_endpoint(&mut c, id).await?.ok_or(ServiceError::NotFound)?;
    // Sent to this endpoint only, and not an audit action: built here.
    let now = state.clock.now();
    let details = json!({ "message": "This is a test event from Usher." });
    let body = webhook_body("webhook.test", "test", None, &details, now);
    webhooks::enqueue(&mut c, "webhook.test", &body, Some(id), now).await?;
    emit(&mut c, actor, Event::WebhookTestSent { endpoint_id: id }, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Deliver one of `endpoint`'s deliveries again, as a new delivery; the
/// original stays in the log as it was. Another endpoint's delivery is
/// not found.
pub async fn redeliver(state: &AppState, actor: &Actor, endpoint: Uuid, delivery: Uuid) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    let Some(again) = webhooks::redeliver(&mut tx.conn(), endpoint, delivery, state.clock.now()).await? else {
        return Err(ServiceError::NotFound);
    };
    let event = Event::WebhookRedelivered { endpoint_id: endpoint, delivery_id: delivery, redelivery_id: again };
    emit(&mut tx.conn(), actor, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn webhook_urls_are_checked_for_scheme_and_private_targets() {
        assert!(check_url("ftp://example.com/x", true).await.is_err());
        assert!(check_url("not a url", true).await.is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).await.is_ok());
        let refused = check_url("http://127.0.0.1:9/hook", false).await.unwrap_err();
        assert!(refused.contains("private"), "{refused}");
        assert!(check_url("http://[::1]:9/", false).await.is_err());
        assert!(check_url("http://10.1.2.3/", false).await.is_err());
        assert!(check_url("http://192.168.1.1/", false).await.is_err());
        for ip in ["100.100.100.200", "169.254.169.254", "0.0.0.0", "198.18.0.1", "240.0.0.1"] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        assert!(is_private("64:ff9b::a00:1".parse().unwrap()), "NAT64 of 10.0.0.1");
        assert!(is_private("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_private("93.184.216.34".parse().unwrap()));
        assert_eq!(host_of("https://hooks.example.com/T0KEN/secret?x=1"), "hooks.example.com");
    }

    #[test]
    fn the_event_filter_accepts_known_events_or_all() {
        assert_eq!(parse_events(&[]).unwrap(), "*");
        assert_eq!(
            parse_events(&["invitation.created".into(), "user.deleted".into()]).unwrap(),
            "invitation.created,user.deleted"
        );
        assert!(parse_events(&["invitation.exploded".into()]).is_err());
    }
}
