//! Building the application: database, workers, routes, listener.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::{SessionMiddleware, config::PersistentSession};
use actix_web::{App, HttpServer, cookie::Key, dev::Server, middleware::from_fn, web};
use anyhow::Context;
use base64::{Engine, engine::general_purpose::STANDARD};

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::jobs::sweeper;
use crate::messaging::{
    mailer::{MailCourier, Mailer},
    worker::Worker,
};
use crate::service::accounts;
use crate::state::AppState;
use crate::store::{Db, secrets};

pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
}

impl Application {
    /// Connect, migrate, start the workers and bind the listener (port 0
    /// picks a free port, as tests do).
    pub async fn build(config: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`build`](Self::build) with the time taken from `clock` (tests pass
    /// a `ManualClock` they move).
    pub async fn build_with_clock(config: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // reqwest (webhooks) uses rustls with the ring provider, like lettre.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener =
            TcpListener::bind(config.listen).with_context(|| format!("cannot listen on {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let mut config = config;
        if config.base_url.ends_with(":0") {
            // Listening on port 0: links must name the port we really got.
            config.base_url = format!("{}{}", config.base_url.trim_end_matches('0'), port);
        }
        let mailer = Mailer::from_settings(&config)?;
        let state = Arc::new(AppState::connect_with_clock(config, clock).await?);
        let db = state.db.clone();
        tracing::info!(
            mail = mailer.describe(),
            database = if db.is_postgres() { "PostgreSQL" } else { "SQLite" },
            "starting"
        );
        let cookie_key = cookie_key(&db).await?;

        // One delivery machine: a worker per lane of the outbox.
        tokio::spawn(Worker::new(&state, MailCourier { db: db.clone(), mailer, clock: state.clock.clone() }).run());
        tokio::spawn(sweeper::run(state.clone(), state.config.sweep_interval));
        tokio::spawn(crate::jobs::webhooks::worker(state.clone())?.run());

        let data = web::Data::from(state.clone());
        let secure = state.config.secure_cookies;
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(
                crate::web::session_store::DbSessionStore::new(data.db.clone(), data.clock.clone()),
                cookie_key.clone(),
            )
            .cookie_name("usher_session".into())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(actix_web::cookie::SameSite::Lax)
            .session_lifecycle(PersistentSession::default().session_ttl(actix_web::cookie::time::Duration::hours(12)))
            .build();
            App::new()
                .app_data(data.clone())
                .app_data(crate::web::forms::form_config())
                .app_data(crate::web::forms::query_config())
                .app_data(crate::web::forms::path_config())
                .app_data(web::PayloadConfig::new(crate::web::forms::BODY_LIMIT))
                .wrap(from_fn(crate::web::csrf::protect))
                .wrap(from_fn(crate::web::error::too_large))
                .wrap(sessions)
                .wrap(from_fn(crate::web::headers::security_headers))
                // Redacted paths, no query strings, 4xx at INFO (see telemetry).
                .wrap(tracing_actix_web::TracingLogger::<crate::telemetry::RequestSpan>::new())
                .configure(crate::web::routes)
        })
        .workers(2)
        .listen(listener)?
        .run();
        Ok(Self { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Print the first-run setup link when no admin exists yet.
    pub async fn announce_setup_link(&self) -> anyhow::Result<()> {
        if let Some(link) = accounts::setup_link_if_needed(&self.state).await? {
            println!("\nNo admin exists yet. Open this one-time link to create the first admin:\n\n    {link}\n");
        }
        Ok(())
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await.context("server stopped with an error")
    }
}

/// The key that signs and encrypts session cookies: made once, kept in the
/// database so restarts and other instances accept existing sessions.
/// Instances starting at the same moment insert-if-absent and then all use
/// the one that won, so none refuses another's cookies.
async fn cookie_key(db: &Db) -> anyhow::Result<Key> {
    let mut tx = db.begin().await?;
    let candidate = STANDARD.encode(Key::generate().master());
    let stored = secrets::get_or_insert(&mut tx.conn(), secrets::COOKIE_KEY, &candidate).await?;
    let key = match STANDARD.decode(&stored).ok().filter(|b| b.len() >= 64) {
        Some(bytes) => Key::from(&bytes),
        None => {
            // A damaged value: replace it (sessions signed with it are lost).
            secrets::set(&mut tx.conn(), secrets::COOKIE_KEY, &candidate).await?;
            Key::from(&STANDARD.decode(&candidate)?)
        }
    };
    tx.commit().await?;
    Ok(key)
}
