//! Inviting, resending, issuing a fresh link, revoking.

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{ServiceError, show_time};
use crate::domain::{
    access::Access,
    invitation::{self, Action},
    login_id::LoginId,
    token::Token,
    user::UserStatus,
};
use crate::messaging::compose::{self, InviteVars};
use crate::state::AppState;
use crate::store::{
    Conn, audit, audit::Actor, invitations, invitations::Grants, outbox, roles, settings, tenants,
    users, users::Attributes,
};

/// A validated invitation request.
#[derive(Clone, Debug)]
pub struct InviteRequest {
    pub login_id: LoginId,
    pub given_name: String,
    pub family_name: String,
    pub custom_attributes: Attributes,
    pub grants: Grants,
    pub send_now: bool,
    pub lang: Option<String>,
    pub redirect_url: Option<String>,
    pub template_key: String,
}

pub struct Created {
    pub invitation_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    /// The link, when it was not sent: shown once to the inviter.
    pub unsent_link: Option<String>,
}

pub const TEMPLATE_KEYS: [&str; 1] = ["invite"];

#[tracing::instrument(skip_all, fields(login_id = %req.login_id))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    req: InviteRequest,
) -> Result<Created, ServiceError> {
    if !TEMPLATE_KEYS.contains(&req.template_key.as_str()) {
        return Err(ServiceError::field(
            "template_key",
            format!(
                "There is no message template called \"{}\"",
                req.template_key
            ),
        ));
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    check_grants(&mut c, access, &req.grants).await?;
    let account = settings::get(&mut c).await?;

    let user_id = match users::find_by_login_id(&mut c, req.login_id.as_str()).await? {
        None => {
            let new = users::NewUser {
                login_id: &req.login_id,
                given_name: &req.given_name,
                family_name: &req.family_name,
                custom_attributes: &req.custom_attributes,
                status: UserStatus::Invited,
                invited_by: actor.user_id,
                password_hash: None,
            };
            users::insert(&mut c, new, now).await?
        }
        Some(user) if matches!(user.status, UserStatus::Active | UserStatus::Disabled) => {
            return Err(ServiceError::field(
                "login_id",
                "This person already has an account",
            ));
        }
        Some(user) => {
            if let Some(live) = invitations::latest_for_user(&mut c, user.id).await?
                && !live.status.is_final()
            {
                let status = live.status_at(now).as_str();
                return Err(ServiceError::field(
                    "login_id",
                    format!(
                        "This person already has an invitation ({status}); resend it from the users page instead"
                    ),
                ));
            }
            users::update_invitee_details(
                &mut c,
                user.id,
                &req.given_name,
                &req.family_name,
                &req.custom_attributes,
                now,
            )
            .await?;
            users::set_status(&mut c, user.id, UserStatus::Invited, now).await?;
            user.id
        }
    };

    let lang = req
        .lang
        .clone()
        .unwrap_or_else(|| account.default_lang.clone());
    let expires_at = now + account.invitation_lifetime;
    let invitation_id = invitations::insert(
        &mut c,
        invitations::NewInvitation {
            user_id,
            tenant_id: req.grants.tenants.first().copied(),
            login_id: req.login_id.as_str(),
            channel: req.login_id.channel(),
            template_key: &req.template_key,
            lang: &lang,
            redirect_url: req.redirect_url.as_deref(),
            grants: &req.grants,
            invited_by: actor.user_id,
            expires_at,
        },
        now,
    )
    .await?;
    let token = issue_link(
        &mut c,
        invitation_id,
        now,
        expires_at,
        account.link_lifetime,
    )
    .await?;
    let link = state.invite_link(token.as_str());
    let invitation = invitations::find(&mut c, invitation_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if req.send_now {
        enqueue_invitation_message(
            &mut c,
            &invitation,
            &link,
            actor,
            &req.given_name,
            &req.family_name,
        )
        .await?;
    }
    audit::record(
        &mut c,
        actor,
        "invitation.created",
        req.login_id.as_str(),
        invitation.tenant_id,
        json!({ "invitation_id": invitation_id, "sent": req.send_now, "grants": req.grants }),
    )
    .await?;
    tx.commit().await?;
    if req.send_now {
        state.wake_outbox.notify_one();
    }
    Ok(Created {
        invitation_id,
        user_id,
        expires_at,
        unsent_link: (!req.send_now).then_some(link),
    })
}

/// Every role must exist and be one the inviter may grant; every tenant
/// must exist and be enabled.
async fn check_grants(
    c: &mut Conn<'_>,
    access: &Access,
    grants: &Grants,
) -> Result<(), ServiceError> {
    let tenant_roles = grants.tenant_roles.iter().map(|tr| &tr.role);
    for role in grants.roles.iter().chain(tenant_roles) {
        if !roles::exists(c, role).await? {
            return Err(ServiceError::field(
                "roles",
                format!("There is no role called \"{role}\""),
            ));
        }
        if !access.can_grant(role) {
            return Err(ServiceError::field(
                "roles",
                format!("You cannot grant the role \"{role}\""),
            ));
        }
    }
    let tenant_ids = grants.tenant_roles.iter().map(|tr| &tr.tenant);
    for id in grants.tenants.iter().chain(tenant_ids) {
        match tenants::find(c, *id).await? {
            None => return Err(ServiceError::field("tenants", "That tenant does not exist")),
            Some(t) if t.disabled => {
                return Err(ServiceError::field(
                    "tenants",
                    format!("The tenant {} is disabled", t.name),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A fresh link for an invitation: the link lives for the link lifetime,
/// never past the invitation itself.
async fn issue_link(
    c: &mut Conn<'_>,
    invitation_id: Uuid,
    now: DateTime<Utc>,
    invitation_expires_at: DateTime<Utc>,
    link_lifetime: chrono::Duration,
) -> anyhow::Result<Token> {
    let token = Token::generate();
    let link_expires_at = (now + link_lifetime).min(invitation_expires_at);
    invitations::insert_link(c, &token.hash(), invitation_id, now, link_expires_at).await?;
    Ok(token)
}

/// Put the invitation message in the outbox (same transaction).
pub(crate) async fn enqueue_invitation_message(
    c: &mut Conn<'_>,
    invitation: &invitations::Invitation,
    link: &str,
    inviter: &Actor,
    given_name: &str,
    family_name: &str,
) -> anyhow::Result<()> {
    let account = settings::get(c).await?;
    let tenant_name = match invitation.tenant_id {
        Some(id) => tenants::find(c, id).await?.map(|t| t.name),
        None => None,
    };
    let vars = InviteVars {
        name: format!("{given_name} {family_name}").trim().to_string(),
        invite_link: link.to_string(),
        invited_by: if inviter.label.is_empty() {
            account.account_name.clone()
        } else {
            inviter.label.clone()
        },
        account_name: account.account_name,
        expires_at: show_time(invitation.expires_at),
        tenant_name,
    };
    let channel = if invitation.channel == "sms" {
        "sms"
    } else {
        "email"
    };
    let message = compose::invitation(
        channel,
        &invitation.login_id,
        &invitation.lang,
        &vars,
        invitation.id,
    )?;
    outbox::enqueue(c, &message, Utc::now()).await?;
    Ok(())
}

/// Resend (`send = true`) or get a fresh link shown once (`send = false`):
/// a new token, every earlier link of that person dead, expiry restarted,
/// resent_count + 1. Returns the link when it was not sent.
#[tracing::instrument(skip(state, actor))]
pub async fn resend(
    state: &AppState,
    actor: &Actor,
    invitation_id: Uuid,
    send: bool,
) -> Result<Option<String>, ServiceError> {
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let inv = invitations::find(&mut c, invitation_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let user = users::find(&mut c, inv.user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let account = settings::get(&mut c).await?;
    invitation::check_resend(
        inv.status_at(now),
        user.status,
        Some(inv.last_issued()),
        account.resend_cooldown,
        now,
    )?;

    let expires_at = now + account.invitation_lifetime;
    invitations::supersede_links_of_user(&mut c, user.id).await?;
    invitations::mark_resent(&mut c, inv.id, expires_at, now).await?;
    users::set_status(
        &mut c,
        user.id,
        invitation::user_status_after(Action::Resend, user.status),
        now,
    )
    .await?;
    let token = issue_link(&mut c, inv.id, now, expires_at, account.link_lifetime).await?;
    let link = state.invite_link(token.as_str());
    let inv = invitations::find(&mut c, inv.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if send {
        enqueue_invitation_message(
            &mut c,
            &inv,
            &link,
            actor,
            &user.given_name,
            &user.family_name,
        )
        .await?;
    }
    let action = if send {
        "invitation.resent"
    } else {
        "invitation.link_issued"
    };
    audit::record(
        &mut c,
        actor,
        action,
        &inv.login_id,
        inv.tenant_id,
        json!({ "invitation_id": inv.id, "resent_count": inv.resent_count }),
    )
    .await?;
    tx.commit().await?;
    if send {
        state.wake_outbox.notify_one();
    }
    Ok((!send).then_some(link))
}

#[tracing::instrument(skip(state, actor))]
pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    invitation_id: Uuid,
) -> Result<(), ServiceError> {
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let inv = invitations::find(&mut c, invitation_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let user = users::find(&mut c, inv.user_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let next = invitation::transition(inv.status_at(now), Action::Revoke)?;
    invitations::set_status(&mut c, inv.id, next, now).await?;
    invitations::supersede_links_of_user(&mut c, user.id).await?;
    users::set_status(
        &mut c,
        user.id,
        invitation::user_status_after(Action::Revoke, user.status),
        now,
    )
    .await?;
    audit::record(
        &mut c,
        actor,
        "invitation.revoked",
        &inv.login_id,
        inv.tenant_id,
        json!({ "invitation_id": inv.id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The sweeper's work: mark due pending invitations expired, and their
/// never-activated invitees `invite_expired`. Returns how many.
pub async fn expire_due(state: &AppState) -> anyhow::Result<usize> {
    let now = Utc::now();
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
                users::set_status(
                    &mut c,
                    user.id,
                    invitation::user_status_after(Action::Expire, user.status),
                    now,
                )
                .await?;
            }
            audit::record(
                &mut c,
                &Actor::system(),
                "invitation.expired",
                &inv.login_id,
                inv.tenant_id,
                json!({ "invitation_id": inv.id }),
            )
            .await?;
            count += 1;
        }
        tx.commit().await?;
    }
    Ok(count)
}
