//! Inviting, resending, issuing a fresh link, revoking. Each check that
//! decides whether an invitation may be made lives in [`assess`], which
//! the single invite, the bulk preview and the bulk commit all use.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{
    ServiceError,
    catalog::Catalog,
    events::{emit, emit_many},
    show_time,
    visibility::ensure_visible,
};
use crate::domain::{
    access::Access,
    actor::Actor,
    event::{Event, UserOrigin},
    invitation::{self, Action},
    login_id::LoginId,
    token::Token,
    user::UserStatus,
};
use crate::messaging::compose::{self, InviteVars};
use crate::state::AppState;
use crate::store::{
    Conn, invitations, invitations::Grants, outbox, settings, settings::AccountSettings, tenants, users,
    users::Attributes,
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
    /// This invitation's lifetime, instead of the account's default.
    pub expires_in: Option<chrono::Duration>,
}

pub struct Created {
    pub invitation_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    /// The link, when it was not sent: shown once to the inviter.
    pub unsent_link: Option<String>,
}

pub const TEMPLATE_KEYS: [&str; 1] = ["invite"];
pub const ALREADY_ACTIVE: &str = "This person already has an account";

/// The refusal for a login ID that already has an account. A tenant-scoped
/// inviter gets the same words whether the account is in their tenant
/// (which they can see) or only in another one (which they may not learn),
/// with what they can do about either.
fn already_has_account(access: &Access) -> ServiceError {
    let message = match access.tenant_scope {
        None => ALREADY_ACTIVE.to_string(),
        Some(_) => format!(
            "{ALREADY_ACTIVE}, so they cannot be invited. Find them under Users; if they are not listed there, \
             a project-wide admin can add them to your tenant"
        ),
    };
    // One code for both cases too, so a program learns no more than a person.
    ServiceError::field_code("login_id", super::codes::ALREADY_ACTIVE, message)
}

/// Part of the message when a tenant's email-domain allow-list refuses.
pub const DOMAIN_REFUSED: &str = " only accepts email addresses at ";

/// What inviting this login ID would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A new invitation (and a new user, unless a never-activated one exists).
    Invite { existing_user: Option<Uuid> },
    /// The person already has a live invitation: resending is the way.
    AlreadyInvited { invitation_id: Uuid, status: &'static str },
}

/// Decide whether `req` may be made by someone with `access`, without
/// writing anything. Errors name the field at fault.
pub async fn assess(
    c: &mut Conn<'_>,
    catalog: &Catalog,
    access: &Access,
    req: &mut InviteRequest,
    now: DateTime<Utc>,
    known_new: bool,
) -> Result<Verdict, ServiceError> {
    if !TEMPLATE_KEYS.contains(&req.template_key.as_str()) {
        return Err(ServiceError::field(
            "template_key",
            format!("There is no message template called \"{}\"", req.template_key),
        ));
    }
    if let Some(scope) = access.tenant_scope {
        let others =
            req.grants.tenants.iter().chain(req.grants.tenant_roles.iter().map(|tr| &tr.tenant)).any(|t| *t != scope);
        if others {
            return Err(ServiceError::field("tenants", "You can only invite people into your own tenant"));
        }
        if !req.grants.tenants.contains(&scope) {
            req.grants.tenants.insert(0, scope);
        }
        // A tenant-scoped inviter grants roles within their tenant only,
        // never project-wide.
        for role in std::mem::take(&mut req.grants.roles) {
            req.grants.tenant_roles.push(invitations::TenantRole { tenant: scope, role });
        }
    }
    check_grants(catalog, access, &req.grants, &req.login_id)?;
    if known_new {
        // The caller already knows no one has this login ID.
        return Ok(Verdict::Invite { existing_user: None });
    }
    match users::find_by_login_id(c, req.login_id.as_str()).await? {
        None => Ok(Verdict::Invite { existing_user: None }),
        // Someone outside a scoped inviter's tenant is refused exactly as
        // someone in it who already has an account: nothing tells the two
        // apart.
        Some(user) if access.tenant_scope.is_some() && ensure_visible(c, access, user.id).await.is_err() => {
            Err(already_has_account(access))
        }
        Some(user) if matches!(user.status, UserStatus::Active | UserStatus::Disabled) => {
            Err(already_has_account(access))
        }
        Some(user) => match invitations::latest_for_user(c, user.id).await? {
            Some(live) if !live.status.is_final() => {
                Ok(Verdict::AlreadyInvited { invitation_id: live.id, status: live.status_at(now).as_str() })
            }
            _ => Ok(Verdict::Invite { existing_user: Some(user.id) }),
        },
    }
}

/// Every role must exist and be one the inviter may grant; every tenant
/// must exist, be enabled, and allow the login ID's email domain.
fn check_grants(catalog: &Catalog, access: &Access, grants: &Grants, login_id: &LoginId) -> Result<(), ServiceError> {
    let tenant_roles = grants.tenant_roles.iter().map(|tr| (&tr.role, true));
    for (role, in_tenant) in grants.roles.iter().map(|r| (r, false)).chain(tenant_roles) {
        match catalog.roles.get(role) {
            None => return Err(ServiceError::field("roles", format!("There is no role called \"{role}\""))),
            Some(r) if r.scope == "tenant" && !in_tenant => {
                return Err(ServiceError::field(
                    "roles",
                    format!("\"{role}\" is a tenant role; grant it within a tenant"),
                ));
            }
            Some(_) if !access.can_grant(role) => {
                return Err(ServiceError::field("roles", format!("You cannot grant the role \"{role}\"")));
            }
            Some(_) => {}
        }
    }
    let tenant_ids = grants.tenants.iter().chain(grants.tenant_roles.iter().map(|tr| &tr.tenant));
    for id in tenant_ids {
        let Some(t) = catalog.tenants.get(id) else {
            return Err(ServiceError::field("tenants", "That tenant does not exist"));
        };
        if t.disabled {
            return Err(ServiceError::field("tenants", format!("The tenant {} is disabled", t.name)));
        }
        if !t.allows(login_id) {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::DOMAIN_NOT_ALLOWED,
                format!("{}{DOMAIN_REFUSED}{}", t.name, t.domains().join(", ")),
            ));
        }
    }
    Ok(())
}

/// How many more invitations `inviter` may make today (None: no quota).
/// A person is counted by the invitations they made; an API key, which
/// has no user row, by the audit log's record of its invitations.
pub async fn quota_left(
    c: &mut Conn<'_>,
    account: &AccountSettings,
    inviter: &Actor,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<i64>> {
    let standing = super::quota::standing(c, account, inviter, now).await?;
    Ok(standing.map(|(used, _)| (account.invites_per_inviter_per_day - used).max(0)))
}

/// Write new invitations (and their users, links, messages and audit
/// entries) inside the caller's transaction, a few statements for the
/// whole batch. `existing_user` is a never-activated user to re-invite.
pub async fn write_invitations(
    c: &mut Conn<'_>,
    state: &AppState,
    catalog: &Catalog,
    actor: &Actor,
    batch: &[(InviteRequest, Option<Uuid>)],
    account: &AccountSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Created>> {
    let mut new_users = Vec::new();
    let mut events = Vec::new();
    let mut user_ids = Vec::with_capacity(batch.len());
    for (req, existing_user) in batch {
        let id = match existing_user {
            Some(id) => {
                users::update_invitee_details(c, *id, &req.given_name, &req.family_name, &req.custom_attributes, now)
                    .await?;
                users::set_status(c, *id, UserStatus::Invited, now).await?;
                *id
            }
            None => {
                let id = Uuid::new_v4();
                let new = users::NewUser {
                    login_id: &req.login_id,
                    given_name: &req.given_name,
                    family_name: &req.family_name,
                    custom_attributes: &req.custom_attributes,
                    status: UserStatus::Invited,
                    invited_by: actor.user_id,
                    password_hash: None,
                };
                new_users.push((id, new));
                events.push(Event::UserCreated {
                    login_id: req.login_id.to_string(),
                    tenant_id: req.grants.tenants.first().copied(),
                    origin: UserOrigin::Invited { user_id: id },
                });
                id
            }
        };
        user_ids.push(id);
    }
    users::insert_many(c, &new_users, now).await?;

    let (mut rows, mut links, mut messages, mut created) = (vec![], vec![], vec![], vec![]);
    for ((req, _), user_id) in batch.iter().zip(user_ids) {
        let lang = req.lang.clone().unwrap_or_else(|| account.default_lang.clone());
        let expires_at = now + req.expires_in.unwrap_or(account.invitation_lifetime);
        let link_expires_at = (now + account.link_lifetime).min(expires_at);
        let invitation = invitations::Invitation::pending(
            invitations::NewInvitation {
                user_id,
                tenant_id: req.grants.tenants.first().copied().or(req.grants.tenant_roles.first().map(|tr| tr.tenant)),
                login_id: req.login_id.as_str(),
                channel: req.login_id.channel(),
                template_key: &req.template_key,
                lang: &lang,
                redirect_url: req.redirect_url.as_deref(),
                grants: &req.grants,
                invited_by: actor.user_id,
                invited_by_api_key: actor.api_key_id,
                expires_at,
            },
            now,
        );
        let token = Token::generate();
        let link = state.invite_link(token.as_str());
        links.push(invitations::NewLink {
            token_hash: token.hash(),
            invitation_id: invitation.id,
            expires_at: link_expires_at,
        });
        if req.send_now {
            let tenant_name = invitation.tenant_id.and_then(|t| catalog.tenants.get(&t)).map(|t| t.name.clone());
            messages.push(compose_message(
                account,
                &invitation,
                &link,
                actor,
                &req.given_name,
                &req.family_name,
                tenant_name,
            )?);
        }
        events.push(Event::InvitationCreated {
            invitation_id: invitation.id,
            login_id: req.login_id.to_string(),
            tenant_id: invitation.tenant_id,
            sent: req.send_now,
            grants: req.grants.clone(),
        });
        created.push(Created {
            invitation_id: invitation.id,
            user_id,
            expires_at,
            unsent_link: (!req.send_now).then_some(link),
        });
        rows.push(invitation);
    }
    invitations::insert_many(c, &rows).await?;
    invitations::insert_links(c, &links, now).await?;
    outbox::enqueue_many(c, &messages, now).await?;
    emit_many(c, actor, &events, state.clock.now()).await?;
    Ok(created)
}

#[tracing::instrument(skip_all, fields(login_id = %req.login_id))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    mut req: InviteRequest,
) -> Result<Created, ServiceError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let account = settings::get(&mut c).await?;
    if quota_left(&mut c, &account, actor, now).await? == Some(0) {
        return Err(super::quota::refusal(&mut c, &account, actor, now).await?);
    }
    let catalog = Catalog::load(&mut c).await?;
    let existing_user = match assess(&mut c, &catalog, access, &mut req, now, false).await? {
        Verdict::Invite { existing_user } => existing_user,
        Verdict::AlreadyInvited { status, .. } => {
            return Err(ServiceError::field_code(
                "login_id",
                super::codes::ALREADY_INVITED,
                format!("This person already has an invitation ({status}); resend it from the users page instead"),
            ));
        }
    };
    let send_now = req.send_now;
    let created = write_invitations(&mut c, state, &catalog, actor, &[(req, existing_user)], &account, now).await?;
    tx.commit().await?;
    if send_now {
        state.wake_outbox.notify_waiters();
    }
    Ok(created.into_iter().next().expect("one invitation written"))
}

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
