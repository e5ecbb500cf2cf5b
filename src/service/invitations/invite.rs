//! Inviting one person or many: the [`Invite`] command, the checks that
//! decide whether it may be made ([`assess`], which the single invite, the
//! bulk preview and the bulk commit all use), and the writes.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{
    access::Access,
    actor::Actor,
    attributes::CustomAttributes,
    event::{Event, UserOrigin},
    grants::Grants,
    language::Language,
    login_id::LoginId,
    person_name::PersonName,
    redirect_url::RedirectUrl,
    template_key::TemplateKey,
    token::Token,
    user::UserStatus,
};
use crate::service::{ServiceError, catalog::Catalog, codes, events::emit_many, quota, visibility::ensure_visible};
use crate::state::AppState;
use crate::store::{Conn, invitations, outbox, roles, settings, settings::AccountSettings, tenants, users};

/// Invite one person: the command the console's form, the API and each
/// row of a bulk import become. Every field is already valid on its own;
/// [`assess`] checks what depends on the data (roles, tenants, who has
/// this login ID).
#[derive(Clone, Debug)]
pub struct Invite {
    pub login_id: LoginId,
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub custom_attributes: CustomAttributes,
    pub grants: Grants,
    pub send_now: bool,
    /// The message's language; the account's default when `None`.
    pub lang: Option<Language>,
    pub redirect_url: Option<RedirectUrl>,
    pub template_key: TemplateKey,
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
    ServiceError::field_code("login_id", codes::ALREADY_ACTIVE, message)
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
    req: &mut Invite,
    now: DateTime<Utc>,
    known_new: bool,
) -> Result<Verdict, ServiceError> {
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
                codes::DOMAIN_NOT_ALLOWED,
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
    let standing = quota::standing(c, account, inviter, now).await?;
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
    batch: &[(Invite, Option<Uuid>)],
    account: &AccountSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Created>> {
    let mut new_users = Vec::new();
    let mut events = Vec::new();
    let mut user_ids = Vec::with_capacity(batch.len());
    for (req, existing_user) in batch {
        let id = match existing_user {
            Some(id) => {
                let (given, family, attributes) =
                    (req.given_name.as_str(), req.family_name.as_str(), req.custom_attributes.as_map());
                users::update_invitee_details(c, *id, given, family, attributes, now).await?;
                users::set_status(c, *id, UserStatus::Invited, now).await?;
                *id
            }
            None => {
                let id = Uuid::new_v4();
                let new = users::NewUser {
                    login_id: &req.login_id,
                    given_name: req.given_name.as_str(),
                    family_name: req.family_name.as_str(),
                    custom_attributes: req.custom_attributes.as_map(),
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
        let lang = req.lang.map(|l| l.as_str().to_string()).unwrap_or_else(|| account.default_lang.clone());
        let expires_at = now + req.expires_in.unwrap_or(account.invitation_lifetime);
        let link_expires_at = (now + account.link_lifetime).min(expires_at);
        let invitation = invitations::Invitation::pending(
            invitations::NewInvitation {
                user_id,
                tenant_id: req.grants.tenants.first().copied().or(req.grants.tenant_roles.first().map(|tr| tr.tenant)),
                login_id: req.login_id.as_str(),
                channel: req.login_id.channel(),
                template_key: req.template_key.as_str(),
                lang: &lang,
                redirect_url: req.redirect_url.as_ref().map(RedirectUrl::as_str),
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
            messages.push(super::compose_message(
                account,
                &invitation,
                &link,
                actor,
                req.given_name.as_str(),
                req.family_name.as_str(),
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
    emit_many(c, actor, &events, now).await?;
    Ok(created)
}

/// Invite one person (the console's form and the API both come here),
/// within the inviter's daily quota.
#[tracing::instrument(skip_all, fields(login_id = %req.login_id))]
pub async fn create(
    state: &AppState,
    actor: &Actor,
    access: &Access,
    mut req: Invite,
) -> Result<Created, ServiceError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut c = tx.conn();
    let account = settings::get(&mut c).await?;
    if quota_left(&mut c, &account, actor, now).await? == Some(0) {
        return Err(quota::refusal(&mut c, &account, actor, now).await?);
    }
    let catalog = Catalog::load(&mut c).await?;
    let existing_user = match assess(&mut c, &catalog, access, &mut req, now, false).await? {
        Verdict::Invite { existing_user } => existing_user,
        Verdict::AlreadyInvited { status, .. } => {
            return Err(ServiceError::field_code(
                "login_id",
                codes::ALREADY_INVITED,
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

/// What the invite form offers: the roles and tenants (in the catalog's
/// order), and the account's default language (preselected).
pub struct InviteChoices {
    pub roles: Vec<roles::Role>,
    pub tenants: Vec<tenants::Tenant>,
    pub default_lang: String,
}

pub async fn invite_choices(state: &AppState) -> anyhow::Result<InviteChoices> {
    let mut c = state.db.acquire().await?;
    let roles = roles::list(&mut c.conn()).await?;
    let tenants = tenants::list(&mut c.conn()).await?;
    let default_lang = settings::get(&mut c.conn()).await?.default_lang;
    Ok(InviteChoices { roles, tenants, default_lang })
}
