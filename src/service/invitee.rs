//! What the invitee does with a link: look (never consumes it), register,
//! decline, or ask for a fresh link when only the link has expired.

use chrono::{DateTime, Utc};

use super::{ServiceError, events::emit, invitations::enqueue_invitation_message, show_time};
use crate::domain::{
    actor::Actor,
    event::Event,
    invitation::{self, Action, InvitationStatus},
    password,
    person_name::PersonName,
    token::{Token, hash_token, looks_like_token},
    user::UserStatus,
};
use crate::state::AppState;
use crate::store::{
    Conn, invitations, invitations::Invitation, invitations::LinkState, settings, tenants, users, users::User,
};

/// What a link leads to right now.
pub enum LinkView {
    /// Usable: show the prefilled registration page.
    Open {
        invitation: Box<Invitation>,
        user: Box<User>,
        account_name: String,
    },
    /// The link ran out but the invitation has not: a fresh one may be asked for.
    LinkExpired,
    /// A newer link replaced this one.
    Superseded,
    Accepted,
    Declined,
    Revoked,
    Expired,
    /// The invitation's tenant was disabled.
    TenantDisabled,
    Unknown,
}

/// Look a link up. Read-only: scanners and previews cannot burn it.
pub async fn open(state: &AppState, raw_token: &str) -> anyhow::Result<LinkView> {
    let mut c = state.db.acquire().await?;
    view(&mut c.conn(), raw_token, state.clock.now()).await
}

async fn view(c: &mut Conn<'_>, raw_token: &str, now: DateTime<Utc>) -> anyhow::Result<LinkView> {
    if !looks_like_token(raw_token) {
        return Ok(LinkView::Unknown);
    }
    let Some((link, invitation)) = invitations::find_by_token_hash(c, &hash_token(raw_token)).await? else {
        return Ok(LinkView::Unknown);
    };
    let status = invitation.status_at(now);
    let live = status == InvitationStatus::Pending && link.state == LinkState::Live;
    if live
        && let Some(tenant_id) = invitation.tenant_id
        && tenants::find(c, tenant_id).await?.is_some_and(|t| t.disabled)
    {
        return Ok(LinkView::TenantDisabled);
    }
    Ok(match (status, link.state) {
        (InvitationStatus::Accepted, _) => LinkView::Accepted,
        (InvitationStatus::Declined, _) => LinkView::Declined,
        (InvitationStatus::Revoked, _) => LinkView::Revoked,
        (_, LinkState::Superseded) => LinkView::Superseded,
        (InvitationStatus::Expired, _) => LinkView::Expired,
        (_, LinkState::Used) => LinkView::Accepted,
        (InvitationStatus::Pending, LinkState::Live) if now >= link.expires_at => LinkView::LinkExpired,
        (InvitationStatus::Pending, LinkState::Live) => {
            let user =
                users::find(c, invitation.user_id).await?.ok_or_else(|| anyhow::anyhow!("invitation without user"))?;
            // Someone activated or deactivated by an admin cannot register.
            match user.status {
                UserStatus::Active => return Ok(LinkView::Accepted),
                UserStatus::Disabled => return Ok(LinkView::Revoked),
                UserStatus::Invited | UserStatus::InviteExpired => {}
            }
            let account_name = settings::get(c).await?.account_name;
            LinkView::Open { invitation: Box::new(invitation), user: Box::new(user), account_name }
        }
    })
}

/// [`view`] inside a transaction, holding the invitation's row lock.
async fn open_in_tx(c: &mut Conn<'_>, raw_token: &str, now: DateTime<Utc>) -> anyhow::Result<LinkView> {
    if looks_like_token(raw_token)
        && let Some((_, inv)) = invitations::find_by_token_hash(c, &hash_token(raw_token)).await?
    {
        invitations::lock(c, inv.id).await?;
    }
    view(c, raw_token, now).await
}

pub struct Registration {
    pub given_name: String,
    pub family_name: String,
    pub password: String,
    pub password_confirm: String,
}

/// Register with a link: the user becomes active with the granted roles and
/// tenants; every other pending invitation and link of theirs dies.
/// Returns where to send the person next.
pub async fn accept(
    state: &AppState,
    raw_token: &str,
    form: Registration,
    actor: &Actor,
) -> Result<Option<String>, ServiceError> {
    let user = match open(state, raw_token).await? {
        LinkView::Open { user, .. } => user,
        _ => {
            return Err(ServiceError::Refused("This invitation link can no longer be used.".into()));
        }
    };
    let mut errors = Vec::new();
    let given = required_name("given_name", &form.given_name, "Enter your given name", &mut errors);
    let family = required_name("family_name", &form.family_name, "Enter your family name", &mut errors);
    if let Err(message) = password::check_strength(&form.password, &user.login_id) {
        errors.push(super::FieldError::new("password", message));
    } else if form.password != form.password_confirm {
        errors.push(super::FieldError::new("password_confirm", "The passwords do not match"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let pw = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw)).await.map_err(anyhow::Error::from)??;

    let now = state.clock.now();
    let token_hash = hash_token(raw_token);
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    // Look again inside the transaction, holding the invitation's row: the
    // link may have died meanwhile, or a resend may be under way.
    let inv = open_in_tx(&mut c, raw_token, now).await?;
    let LinkView::Open { invitation: inv, user, .. } = inv else {
        return Err(ServiceError::Refused("This invitation link can no longer be used.".into()));
    };
    let next = invitation::transition(inv.status_at(now), Action::Accept)?;
    if !invitations::use_link(&mut c, &token_hash).await? {
        return Err(ServiceError::Refused("This invitation link was already used.".into()));
    }
    users::register(&mut c, user.id, given.as_str(), family.as_str(), &hash, now).await?;
    // A role deleted from the catalog since the invitation was made is
    // skipped rather than making the invitation impossible to accept.
    let catalog = crate::service::catalog::Catalog::load(&mut c).await?;
    for role in inv.grants.roles.iter().filter(|r| catalog.roles.contains_key(*r)) {
        users::grant_role(&mut c, user.id, role, None).await?;
    }
    for tenant in &inv.grants.tenants {
        users::add_tenant(&mut c, user.id, *tenant).await?;
    }
    for tr in inv.grants.tenant_roles.iter().filter(|tr| catalog.roles.contains_key(&tr.role)) {
        users::add_tenant(&mut c, user.id, tr.tenant).await?;
        users::grant_role(&mut c, user.id, &tr.role, Some(tr.tenant)).await?;
    }
    invitations::set_status(&mut c, inv.id, next, now).await?;
    crate::service::invitations::expire_others_of(&mut c, user.id, Some(inv.id), now).await?;
    let who = Actor { user_id: Some(user.id), label: user.login_id.clone(), ..actor.clone() };
    let (login_id, tenant_id) = (inv.login_id.clone(), inv.tenant_id);
    emit(
        &mut c,
        &who,
        Event::InvitationAccepted { invitation_id: inv.id, login_id: login_id.clone(), tenant_id },
        state.clock.now(),
    )
    .await?;
    let tenants = tenant_id.into_iter().collect();
    emit(&mut c, &who, Event::UserActivated { login_id, tenants, via_invitation: true }, state.clock.now()).await?;
    tx.commit().await?;
    Ok(inv.redirect_url)
}

/// A name the invitee has to give (the same rules as everywhere else);
/// what is wrong with it goes to `errors`.
fn required_name(field: &'static str, raw: &str, missing: &str, errors: &mut Vec<super::FieldError>) -> PersonName {
    match PersonName::parse(raw) {
        Ok(name) if !name.is_empty() => return name,
        Ok(_) => errors.push(super::FieldError::new(field, missing)),
        Err(message) => errors.push(super::FieldError::new(field, message)),
    }
    PersonName::default()
}

pub async fn decline(state: &AppState, raw_token: &str, actor: &Actor) -> Result<(), ServiceError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let LinkView::Open { invitation: inv, user, .. } = open_in_tx(&mut c, raw_token, now).await? else {
        return Err(ServiceError::Refused("This invitation link can no longer be used.".into()));
    };
    let next = invitation::transition(inv.status_at(now), Action::Decline)?;
    if !invitations::use_link(&mut c, &hash_token(raw_token)).await? {
        return Err(ServiceError::Refused("This invitation link was already used.".into()));
    }
    invitations::set_status(&mut c, inv.id, next, now).await?;
    invitations::supersede_links_of_user(&mut c, user.id).await?;
    users::set_status(&mut c, user.id, invitation::user_status_after(Action::Decline, user.status), now).await?;
    let who = Actor { label: inv.login_id.clone(), ..actor.clone() };
    let event = Event::InvitationDeclined { invitation_id: inv.id, login_id: inv.login_id, tenant_id: inv.tenant_id };
    emit(&mut c, &who, event, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// From the expired-link page: send a fresh link to the invitation's own
/// address (never shown on the page, so only the invitee receives it).
pub async fn send_fresh_link(state: &AppState, raw_token: &str, actor: &Actor) -> Result<(), ServiceError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    if !matches!(open_in_tx(&mut c, raw_token, now).await?, LinkView::LinkExpired) {
        return Err(ServiceError::Refused("A fresh link cannot be sent for this link.".into()));
    }
    let (_, inv) =
        invitations::find_by_token_hash(&mut c, &hash_token(raw_token)).await?.ok_or(ServiceError::NotFound)?;
    let user = users::find(&mut c, inv.user_id).await?.ok_or(ServiceError::NotFound)?;
    let account = settings::get(&mut c).await?;
    invitations::supersede_links_of_user(&mut c, user.id).await?;
    let token = Token::generate();
    let link_expires_at = (now + account.link_lifetime).min(inv.expires_at);
    invitations::insert_link(&mut c, &token.hash(), inv.id, now, link_expires_at).await?;
    let who = Actor { label: inv.login_id.clone(), ..actor.clone() };
    let inviter = Actor { label: String::new(), ..Actor::default() };
    enqueue_invitation_message(&mut c, &account, &inv, &state.invite_link(token.as_str()), &inviter, &user, now)
        .await?;
    let event = Event::InvitationLinkRefreshed {
        invitation_id: inv.id,
        login_id: inv.login_id,
        tenant_id: inv.tenant_id,
        link_expires_at: show_time(link_expires_at),
    };
    emit(&mut c, &who, event, state.clock.now()).await?;
    tx.commit().await?;
    state.wake_outbox.notify_waiters();
    Ok(())
}
