//! Inviting ([`invite`]), resending, issuing a fresh link, revoking, and
//! reading one invitation.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

mod invite;

pub use invite::{
    ALREADY_ACTIVE, Created, DOMAIN_REFUSED, Invite, InviteChoices, Verdict, assess, create, invite_choices,
    quota_left, write_invitations,
};

use super::{
    ServiceError,
    events::{emit, emit_many},
    show_time,
    visibility::ensure_visible,
};
use crate::domain::{
    access::Access,
    actor::Actor,
    event::Event,
    invitation::{self, Action},
    token::Token,
};
use crate::messaging::compose::{self, InviteVars};
use crate::state::AppState;
use crate::store::{Conn, invitations, outbox, settings, settings::AccountSettings, tenants, users};

/// A fresh link for an invitation: the link lives for the link lifetime,
/// never past the invitation itself.
async fn issue_link(
    c: &mut Conn<'_>,
    invitation_id: Uuid,
    now: DateTime<Utc>,
    invitation_expires_at: DateTime<Utc>,
    link_lifetime: Duration,
) -> anyhow::Result<Token> {
    let token = Token::generate();
    let link_expires_at = (now + link_lifetime).min(invitation_expires_at);
    invitations::insert_link(c, &token.hash(), invitation_id, now, link_expires_at).await?;
    Ok(token)
}

/// Put the invitation message to `invitee` in the outbox (same
/// transaction), due `now`.
pub(crate) async fn enqueue_invitation_message(
    c: &mut Conn<'_>,
    account: &AccountSettings,
    invitation: &invitations::Invitation,
    link: &str,
    inviter: &Actor,
    invitee: &users::User,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let (given_name, family_name) = (invitee.given_name.as_str(), invitee.family_name.as_str());
    let tenant_name = match invitation.tenant_id {
        Some(id) => tenants::find(c, id).await?.map(|t| t.name),
        None => None,
    };
    let message = compose_message(account, invitation, link, inviter, given_name, family_name, tenant_name)?;
    outbox::enqueue(c, &message, now).await
}

fn compose_message(
    account: &AccountSettings,
    invitation: &invitations::Invitation,
    link: &str,
    inviter: &Actor,
    given_name: &str,
    family_name: &str,
    tenant_name: Option<String>,
) -> anyhow::Result<outbox::NewMessage> {
    let vars = InviteVars {
        name: format!("{given_name} {family_name}").trim().to_string(),
        invite_link: link.to_string(),
        invited_by: if inviter.label.is_empty() { account.account_name.clone() } else { inviter.label.clone() },
        account_name: account.account_name.clone(),
        expires_at: show_time(invitation.expires_at),
        tenant_name,
    };
    let channel = if invitation.channel == "sms" { "sms" } else { "email" };
    compose::invitation(channel, &invitation.login_id, &invitation.lang, &vars, invitation.id)
}

/// Why an invitation into a disabled tenant offers no resend and no
/// fresh link (the pages say it; the service refuses with it).
pub fn tenant_disabled(tenant_name: &str) -> String {
    format!("Tenant {tenant_name} is disabled: its invitations cannot be resent")
}

/// Resend inside the caller's transaction; see [`resend`].
pub async fn resend_in(
    c: &mut Conn<'_>,
    state: &AppState,
    actor: &Actor,
    access: &Access,
    invitation_id: Uuid,
    send: bool,
    now: DateTime<Utc>,
) -> Result<Option<String>, ServiceError> {
    invitations::lock(c, invitation_id).await?;
    let inv = invitations::find(c, invitation_id).await?.ok_or(ServiceError::NotFound)?;
    ensure_visible(c, access, inv.user_id).await?;
    ensure_invitation_in_scope(access, &inv)?;
    let user = users::find(c, inv.user_id).await?.ok_or(ServiceError::NotFound)?;
    if let Some(t) = inv.tenant_id
        && let Some(t) = tenants::find(c, t).await?.filter(|t| t.disabled)
    {
        return Err(ServiceError::Refused(tenant_disabled(&t.name)));
    }
    let account = settings::get(c).await?;
    invitation::check_resend(inv.status_at(now), user.status, Some(inv.last_issued()), account.resend_cooldown, now)?;

    let expires_at = now + account.invitation_lifetime;
    invitations::supersede_links_of_user(c, user.id).await?;
    invitations::mark_resent(c, inv.id, expires_at, now).await?;
    users::set_status(c, user.id, invitation::user_status_after(Action::Resend, user.status), now).await?;
    let token = issue_link(c, inv.id, now, expires_at, account.link_lifetime).await?;
    let link = state.invite_link(token.as_str());
    let inv = invitations::find(c, inv.id).await?.ok_or(ServiceError::NotFound)?;
    if send {
        enqueue_invitation_message(c, &account, &inv, &link, actor, &user, now).await?;
    }
    let (invitation_id, login_id, tenant_id, resent_count) = (inv.id, inv.login_id, inv.tenant_id, inv.resent_count);
    let event = if send {
        Event::InvitationResent { invitation_id, login_id, tenant_id, resent_count }
    } else {
        Event::InvitationLinkIssued { invitation_id, login_id, tenant_id, resent_count }
    };
    emit(c, actor, event, state.clock.now()).await?;
    Ok((!send).then_some(link))
}

/// Resend (`send = true`) or get a fresh link shown once (`send = false`):
/// a new token, every earlier link of that person dead, expiry restarted,
/// resent_count + 1. Returns the link when it was not sent.
#[tracing::instrument(skip(state, actor, access))]
pub async fn resend(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    invitation_id: Uuid,
    send: bool,
) -> Result<Option<String>, ServiceError> {
    let mut tx = state.db.begin().await?;
    let link = resend_in(&mut tx.conn(), state, actor, access, invitation_id, send, state.clock.now()).await?;
    tx.commit().await?;
    if send {
        state.wake_outbox.notify_waiters();
    }
    Ok(link)
}

/// Revoke inside the caller's transaction.
pub async fn revoke_in(
    c: &mut Conn<'_>,
    actor: &Actor,
    access: &Access,
    invitation_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    invitations::lock(c, invitation_id).await?;
    let inv = invitations::find(c, invitation_id).await?.ok_or(ServiceError::NotFound)?;
    ensure_visible(c, access, inv.user_id).await?;
    ensure_invitation_in_scope(access, &inv)?;
    let user = users::find(c, inv.user_id).await?.ok_or(ServiceError::NotFound)?;
    let next = invitation::transition(inv.status_at(now), Action::Revoke)?;
    invitations::set_status(c, inv.id, next, now).await?;
    invitations::supersede_links_of_user(c, user.id).await?;
    users::set_status(c, user.id, invitation::user_status_after(Action::Revoke, user.status), now).await?;
    let event = Event::InvitationRevoked {
        invitation_id: inv.id,
        login_id: inv.login_id,
        tenant_id: inv.tenant_id,
        removed_from_tenant: false,
    };
    emit(c, actor, event, now).await?;
    Ok(())
}

#[tracing::instrument(skip(state, actor, access))]
pub async fn revoke(state: &AppState, actor: &Actor, access: &Access, invitation_id: Uuid) -> Result<(), ServiceError> {
    let mut tx = state.db.begin().await?;
    revoke_in(&mut tx.conn(), actor, access, invitation_id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// The sweeper's work: mark due pending invitations expired, and their
/// never-activated invitees `invite_expired`. Returns how many.
pub async fn expire_due(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now();
    let mut count = 0;
    let due = {
        let mut c = state.db.acquire().await?;
        invitations::due_for_expiry(&mut c.conn(), now, 200).await?
    };
    for inv in due {
        let mut tx = state.db.begin().await?;
        let mut c = tx.conn();
        if invitations::expire_if_due(&mut c, inv.id, now).await? {
            if let Some(user) = users::find(&mut c, inv.user_id).await? {
                users::set_status(&mut c, user.id, invitation::user_status_after(Action::Expire, user.status), now)
                    .await?;
            }
            let event = Event::InvitationExpired {
                invitation_id: inv.id,
                login_id: inv.login_id,
                tenant_id: inv.tenant_id,
                superseded: false,
            };
            emit(&mut c, &Actor::system(), event, state.clock.now()).await?;
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}

/// Expire a user's other pending invitations and kill their links, with an
/// `invitation.expired` event for each (accept, or activation by an admin).
pub(crate) async fn expire_others_of(
    c: &mut Conn<'_>,
    user_id: Uuid,
    except: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let expired = invitations::expire_others(c, user_id, except, now).await?;
    invitations::supersede_links_of_user(c, user_id).await?;
    let events: Vec<Event> = expired
        .into_iter()
        .map(|(invitation_id, login_id, tenant_id)| Event::InvitationExpired {
            invitation_id,
            login_id,
            tenant_id,
            superseded: true,
        })
        .collect();
    emit_many(c, &Actor::system(), &events, now).await
}

/// A tenant-scoped holder acts on invitations into their tenant only, even
/// for a person who is also in theirs.
pub fn ensure_invitation_in_scope(access: &Access, inv: &invitations::Invitation) -> Result<(), ServiceError> {
    match access.tenant_scope {
        Some(scope) if inv.tenant_id != Some(scope) => Err(ServiceError::NotFound),
        _ => Ok(()),
    }
}

/// One invitation, if `access` may see it: another tenant's is not found.
pub async fn find_visible(
    state: &AppState,
    access: &Access,
    id: Uuid,
) -> Result<invitations::Invitation, ServiceError> {
    let mut pooled = state.db.acquire().await?;
    let mut c = pooled.conn();
    let inv = invitations::find(&mut c, id).await?.ok_or(ServiceError::NotFound)?;
    ensure_visible(&mut c, access, inv.user_id).await?;
    ensure_invitation_in_scope(access, &inv)?;
    Ok(inv)
}
