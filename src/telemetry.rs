//! Logging: `USHER_LOG` (or `RUST_LOG`) picks the level; default info.
//!
//! Every request gets one span (`HTTP request`) whose fields every log line
//! written while serving it repeats. What the log never carries: query
//! strings (search terms are personal data) and the token in a link path
//! (`/invite/{token}`, `/setup/{token}`: whoever reads the link can use it),
//! which [`redact_path`] replaces. One line closes each request, at a level
//! that says who has to act: ERROR for a 5xx (ours), INFO for a 4xx (the
//! client's), DEBUG for everything else.

use std::io::IsTerminal;

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
};
use tracing::{Span, Subscriber};
use tracing_actix_web::{RequestId, RootSpanBuilder};
use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter, util::SubscriberInitExt};

/// Log to standard output, with colours only on a terminal.
pub fn init() {
    let _ = subscriber(filter(), std::io::stdout, std::io::stdout().is_terminal()).try_init();
}

/// The filter `init` uses: `USHER_LOG`, else `RUST_LOG`, else info.
pub fn filter() -> EnvFilter {
    std::env::var("USHER_LOG")
        .ok()
        .map(EnvFilter::new)
        .unwrap_or_else(|| EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
}

/// The subscriber `init` installs, writing to `writer` (tests capture the
/// log through it, so they see exactly the lines production writes).
pub fn subscriber<W>(filter: EnvFilter, writer: W, ansi: bool) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).with_writer(writer).finish()
}

/// What stands in a log line where a secret path segment was.
pub const REDACTED: &str = "[redacted]";

/// Path segments after one of these carry a live token.
const TOKEN_ROUTES: [&str; 2] = ["invite", "setup"];

/// The path with every link token replaced by [`REDACTED`]; give it the
/// path only (`req.path()`), never the query string.
pub fn redact_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut token_next = false;
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if token_next && !segment.is_empty() {
            out.push_str(REDACTED);
            token_next = false;
        } else {
            out.push_str(segment);
            // `//invite//x` still routes nowhere, but its token stays secret.
            token_next = token_next || names_a_token_route(segment);
        }
    }
    out
}

/// `invite`, also spelt `%69nvite` or `INVITE`: the router decodes
/// percent escapes, so the log must not be fooled by them either.
fn names_a_token_route(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    TOKEN_ROUTES.iter().any(|route| decoded.eq_ignore_ascii_case(route.as_bytes()))
}

/// The root span of every request for tracing-actix-web's `TracingLogger`:
/// a redacted path and no query string, and one closing line per request.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let request_id = req.extensions().get::<RequestId>().map(ToString::to_string).unwrap_or_default();
        let route = req.match_pattern().unwrap_or_else(|| "default".into());
        let user_agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %req.method(),
            http.route = %route,
            http.target = %redact_path(req.path()),
            http.client_ip = %req.connection_info().realip_remote_addr().unwrap_or(""),
            http.user_agent = %user_agent,
            http.status_code = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, error) = match outcome {
            Ok(res) => (res.status(), res.response().error().map(ToString::to_string)),
            Err(e) => (e.as_response_error().status_code(), Some(e.to_string())),
        };
        span.record("http.status_code", status.as_u16());
        // A refusal's details (a form's message, the address to return to
        // after sign-in) may hold personal data; only our own failures are
        // worth their text.
        if status.is_server_error() {
            tracing::error!(error = error.as_deref().unwrap_or(""), "request failed");
        } else if status.is_client_error() {
            tracing::info!("request refused");
        } else {
            tracing::debug!("request done");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_are_redacted_from_every_token_route() {
        for (path, shown) in [
            ("/invite/abc", "/invite/[redacted]"),
            ("/invite/abc/decline", "/invite/[redacted]/decline"),
            ("/invite/abc/refresh", "/invite/[redacted]/refresh"),
            ("/setup/abc", "/setup/[redacted]"),
            ("/%69nvite/abc", "/%69nvite/[redacted]"),
            ("/INVITE/abc", "/INVITE/[redacted]"),
            ("//invite//abc", "//invite//[redacted]"),
            ("/admin/users", "/admin/users"),
            ("/admin/invitations/new", "/admin/invitations/new"),
            ("/invite", "/invite"),
            ("/", "/"),
        ] {
            assert_eq!(redact_path(path), shown, "{path}");
        }
    }
}
