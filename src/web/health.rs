//! Liveness, readiness and a few Prometheus counters.

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    http::header::{AUTHORIZATION, WWW_AUTHENTICATE},
    web,
};
use chrono::Utc;

use crate::on_conn;
use crate::state::AppState;
use crate::store::outbox;
use crate::web::error::AppError;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().body("ready")
    } else {
        HttpResponse::ServiceUnavailable().body("database unreachable")
    }
}

/// Invitation counts are business data: only a scraper holding
/// `USHER_METRICS_TOKEN` may read them, and without one the endpoint is off.
/// (Behind a reverse proxy every client looks like loopback, so "loopback
/// only" would not protect anything.)
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(expected) = &state.config.metrics_token else {
        return AppError::NotFound.error_response();
    };
    let presented = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    if !presented.is_some_and(|token| expected.matches(token)) {
        return HttpResponse::Unauthorized()
            .insert_header((WWW_AUTHENTICATE, "Bearer realm=\"usher-metrics\""))
            .content_type("text/plain; charset=utf-8")
            .body("Metrics need the bearer token set in USHER_METRICS_TOKEN.\n");
    }
    let Ok(mut pooled) = state.db.acquire().await else {
        return HttpResponse::ServiceUnavailable().body("database unreachable");
    };
    let mut c = pooled.conn();
    let mut out = String::new();
    out.push_str("# TYPE usher_invitations gauge\n");
    let sql = "SELECT status, COUNT(*) FROM invitations GROUP BY status ORDER BY status";
    let counts: Vec<(String, i64)> = on_conn!(&mut c, c => sqlx::query_as(sql).fetch_all(c).await).unwrap_or_default();
    for (status, n) in counts {
        out.push_str(&format!("usher_invitations{{status=\"{status}\"}} {n}\n"));
    }
    out.push_str("# TYPE usher_outbox_undelivered gauge\n");
    let waiting = outbox::count_undelivered(&mut c).await.unwrap_or(-1);
    out.push_str(&format!("usher_outbox_undelivered {waiting}\n"));
    // The wall clock: the scraper compares it with its own.
    out.push_str(&format!("# TYPE usher_scrape_time gauge\nusher_scrape_time {}\n", Utc::now().timestamp()));
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(out)
}
