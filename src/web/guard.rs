//! The one place that decides who may see what. `Console` is the signed-in
//! person (or a redirect to /login); `Guard<C>` adds one capability and,
//! when it is missing, answers with the 403 page and an audit entry.

use std::marker::PhantomData;
use std::ops::Deref;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{csrf::CsrfToken, error::AppError};
use crate::domain::access::{Access, Capability};
use crate::domain::user::UserStatus;
use crate::service::accounts;
use crate::state::AppState;
use crate::store::{audit, audit::Actor, users, users::User};

pub const USER_ID_KEY: &str = "user_id";
const FLASH_KEY: &str = "flash";

/// A one-time message shown on the next page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flash {
    /// `success` or `error`.
    pub kind: String,
    pub message: String,
}

/// The pending flash message, if any. Only touches the session when there
/// is one: a removal marks the session changed, which costs a write.
pub fn take_flash(session: &Session) -> Option<Flash> {
    if !session.contains_key(FLASH_KEY) {
        return None;
    }
    session.remove_as(FLASH_KEY).and_then(Result::ok)
}

pub fn flash(session: &Session, kind: &str, message: impl Into<String>) {
    let _ = session.insert(FLASH_KEY, Flash { kind: kind.into(), message: message.into() });
}

/// The actor for audit entries: who, from which address and browser.
pub fn actor_of(req: &HttpRequest, user: Option<&User>) -> Actor {
    Actor {
        user_id: user.map(|u| u.id),
        label: user.map(|u| u.login_id.clone()).unwrap_or_else(|| "anonymous".into()),
        api_key_id: None,
        ip: req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default(),
        user_agent: req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect())
            .unwrap_or_default(),
    }
}

/// The signed-in console user and what a page needs about them.
pub struct Console {
    pub user: User,
    pub access: Access,
    pub actor: Actor,
    pub session: Session,
    pub page: PageContext,
}

/// Shared by every console page: navigation, CSRF token, flash.
#[derive(Clone, Debug)]
pub struct PageContext {
    pub csrf: String,
    pub user_label: String,
    pub flash: Option<Flash>,
    pub can_settings: bool,
    pub can_invite: bool,
    pub can_audit: bool,
}

impl FromRequest for Console {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req.app_data::<web::Data<AppState>>().expect("AppState registered").clone();
            let session = req.get_session();
            let next = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into());
            let user_id: Option<Uuid> = session.get(USER_ID_KEY).unwrap_or(None);
            let Some(user_id) = user_id else {
                return Err(AppError::LoginRequired(next));
            };
            let (user, access) = {
                let mut c = state.db.acquire().await?;
                let user = users::find(&mut c.conn(), user_id).await?;
                let access = accounts::access_of(&mut c.conn(), user_id).await?;
                (user, access)
            };
            let Some(user) = user.filter(|u| u.status == UserStatus::Active) else {
                session.purge();
                return Err(AppError::LoginRequired(next));
            };
            let actor = actor_of(&req, Some(&user));
            if access.console.is_none() {
                deny(&state, &actor, "console", req.path()).await?;
                return Err(AppError::Forbidden);
            }
            let csrf = CsrfToken::extract(&req).await.map(|t| t.0).unwrap_or_default();
            let flash = take_flash(&session);
            let page = PageContext {
                csrf,
                user_label: user.login_id.clone(),
                flash,
                can_settings: access.can(Capability::ManageSettings),
                can_invite: access.can(Capability::Invite),
                can_audit: access.can(Capability::ViewAudit),
            };
            Ok(Console { user, access, actor, session, page })
        })
    }
}

async fn deny(state: &AppState, actor: &Actor, what: &str, path: &str) -> anyhow::Result<()> {
    tracing::warn!(actor = %actor.label, %path, capability = what, "access denied");
    let mut c = state.db.acquire().await?;
    audit::record(
        &mut c.conn(),
        actor,
        "access.denied",
        path,
        None,
        serde_json::json!({ "capability": what }),
        state.clock.now(),
    )
    .await
}

impl Console {
    /// Refuse (403 page + audit entry) unless the user has `capability`.
    pub async fn require(&self, state: &AppState, capability: Capability, path: &str) -> Result<(), AppError> {
        if self.access.can(capability) {
            return Ok(());
        }
        deny(state, &self.actor, capability.as_str(), path).await?;
        Err(AppError::Forbidden)
    }
}

/// Capabilities as types, so a handler's signature says what it needs.
pub trait Needs {
    const CAPABILITY: Capability;
}

macro_rules! needs {
    ($($name:ident => $cap:ident),* $(,)?) => {
        $(
            pub struct $name;
            impl Needs for $name {
                const CAPABILITY: Capability = Capability::$cap;
            }
        )*
    };
}

needs! {
    ViewPeople => ViewPeople,
    Invite => Invite,
    ManageUsers => ManageUsers,
    ManageSettings => ManageSettings,
    ViewAudit => ViewAudit,
}

/// A signed-in console user who holds capability `C`.
pub struct Guard<C: Needs>(pub Console, pub PhantomData<C>);

impl<C: Needs> Deref for Guard<C> {
    type Target = Console;
    fn deref(&self) -> &Console {
        &self.0
    }
}

impl<C: Needs + 'static> FromRequest for Guard<C> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let console = Console::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let console = console.await?;
            let state = req.app_data::<web::Data<AppState>>().expect("AppState registered").clone();
            console.require(&state, C::CAPABILITY, req.path()).await?;
            Ok(Guard(console, PhantomData))
        })
    }
}
