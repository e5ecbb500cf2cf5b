//! The one place that decides who may see what. Every console route is
//! registered with a [`Rule`] (the console route table, `web::routes`), and
//! [`guarded`] applies it before the handler runs: a redirect to /login, or
//! the 403 page and an audit entry, or the request goes on carrying the
//! signed-in person, which handlers take as [`Console`] or [`Guard<C>`].

use std::marker::PhantomData;
use std::ops::Deref;

use actix_session::{Session, SessionExt};
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, Route, web};
use futures_util::future::{Ready, ready};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{csrf::CsrfToken, error::AppError};
use crate::domain::access::{Access, Capability, Scope};
use crate::domain::{actor::Actor, event::Event, user::UserStatus};
use crate::service::{accounts, events::emit};
use crate::state::AppState;
use crate::store::{users, users::User};

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

impl Console {
    /// The signed-in console user, or why not: a redirect to sign in, or
    /// (no console role) the 403 page and an audit entry. The route guard
    /// asks this; elsewhere it only dresses a page (the 413 page's
    /// navigation), never decides access.
    pub async fn sign_in(req: &HttpRequest) -> Result<Self, AppError> {
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
        let actor = actor_of(req, Some(&user));
        if access.console.is_none() {
            deny(&state, &actor, "console", None, req.path()).await?;
            return Err(AppError::Forbidden);
        }
        let csrf = CsrfToken::extract(req).await.map(|t| t.0).unwrap_or_default();
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
    }

    /// Refuse (403 page + audit entry) unless the user may use an
    /// operation that needs `capability` in `scope`.
    async fn require(
        &self,
        state: &AppState,
        capability: Capability,
        scope: Scope,
        path: &str,
    ) -> Result<(), AppError> {
        if self.access.allows(capability, scope) {
            return Ok(());
        }
        let scope = self.access.can(capability).then_some(scope);
        deny(state, &self.actor, capability.as_str(), scope, path).await?;
        Err(AppError::Forbidden)
    }
}

async fn deny(state: &AppState, actor: &Actor, what: &str, scope: Option<Scope>, path: &str) -> anyhow::Result<()> {
    tracing::warn!(actor = %actor.label, %path, capability = what, "access denied");
    // The scope is named when the capability is held but the route is not
    // open to this scope.
    let scope = scope.map(|s| s.as_str().to_string());
    let mut c = state.db.acquire().await?;
    let event =
        Event::AccessDenied { target: path.into(), tenant_id: None, capability: what.into(), scope, refused: None };
    emit(&mut c.conn(), actor, event, state.clock.now()).await
}

/// Who may use a console route: each entry of the console route table
/// (`web::routes`) declares one, and [`guarded`] enforces it before the
/// handler runs.
#[derive(Clone, Copy, Debug)]
pub enum Rule {
    /// Anyone, signed in or not: health checks, static files, signing in
    /// and out, and the setup and invitation pages (their link is the
    /// credential).
    Public,
    /// Any signed-in console user.
    SignedIn,
    /// A signed-in console user allowed `capability` in `scope`
    /// ([`Access::allows`]).
    Needs(Capability, Scope),
    /// A form whose `field` names one of `actions`, each with the
    /// capability it needs, in `scope`. Any other value is refused (400),
    /// so an action cannot be added without saying what it needs.
    Action { field: &'static str, actions: &'static [(&'static str, Capability)], scope: Scope },
}

impl Rule {
    /// The capability that `chosen` (the value of an [`Rule::Action`]
    /// form's field) needs, if it is one of `actions`.
    pub fn action(actions: &[(&str, Capability)], chosen: &str) -> Option<Capability> {
        actions.iter().find(|(name, _)| *name == chosen).map(|(_, capability)| *capability)
    }
}

/// What the route table let in: the console user, and the capability the
/// route (or the chosen action) needed. Handlers take it as [`Console`] or
/// [`Guard`].
struct Admitted {
    console: Console,
    needs: Option<Capability>,
}

/// `route` behind `rule`: the one place a console request is let in or
/// refused. Every console route is registered through this.
pub fn guarded(rule: Rule, route: Route) -> Route {
    match rule {
        Rule::Public => route,
        rule => route.wrap(from_fn(move |req, next| admit(rule, req, next))),
    }
}

async fn admit(rule: Rule, mut req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, Error> {
    let console = match Console::sign_in(req.request()).await {
        Ok(console) => console,
        Err(e) => return Ok(req.error_response(e)),
    };
    let needs = match rule {
        Rule::Public | Rule::SignedIn => None,
        Rule::Needs(capability, scope) => Some((capability, scope)),
        Rule::Action { field, actions, scope } => {
            let body = req.extract::<web::Bytes>().await?;
            // The handler reads the form again.
            req.set_payload(Payload::from(body.clone()));
            let chosen = url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == field)
                .and_then(|(_, v)| Rule::action(actions, &v));
            match chosen {
                Some(capability) => Some((capability, scope)),
                None => return Ok(req.error_response(AppError::BadRequest("Choose an action.".into()))),
            }
        }
    };
    if let Some((capability, scope)) = needs {
        let state = req.app_data::<web::Data<AppState>>().expect("AppState registered").clone();
        if let Err(e) = console.require(&state, capability, scope, req.path()).await {
            return Ok(req.error_response(e));
        }
    }
    req.extensions_mut().insert(Admitted { console, needs: needs.map(|(capability, _)| capability) });
    next.call(req).await
}

/// The handler of a route the table does not guard, or guards with another
/// capability than the handler's [`Guard`] says: a programming error.
fn not_admitted(req: &HttpRequest, handler: Option<Capability>) -> AppError {
    tracing::error!(path = %req.path(), ?handler, "the console route table does not guard this handler as it expects");
    AppError::Unexpected(anyhow::anyhow!("route table and handler disagree on {}", req.path()))
}

/// The signed-in console user the route table let in (any rule but
/// [`Rule::Public`]).
impl FromRequest for Console {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let admitted = req.extensions_mut().remove::<Admitted>();
        ready(admitted.map(|a| a.console).ok_or_else(|| not_admitted(req, None)))
    }
}

/// Capabilities as types, so a handler's signature says what the route
/// table checked before it runs (see [`Guard`]).
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

/// A signed-in console user the route table let in for capability `C`.
pub struct Guard<C: Needs>(pub Console, pub PhantomData<C>);

impl<C: Needs> Deref for Guard<C> {
    type Target = Console;
    fn deref(&self) -> &Console {
        &self.0
    }
}

/// Only on a route the table guards with `C` itself: the decision was made
/// there; this carries the user to the handler.
impl<C: Needs + 'static> FromRequest for Guard<C> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let admitted = req.extensions_mut().remove::<Admitted>();
        ready(match admitted {
            Some(Admitted { console, needs: Some(needs) }) if needs == C::CAPABILITY => Ok(Guard(console, PhantomData)),
            _ => Err(not_admitted(req, Some(C::CAPABILITY))),
        })
    }
}
