//! Everything that happens and is worth recording: one variant per audit
//! action. An event names its audit action (the stored `action` column,
//! so the names never change), whether webhooks receive it, what it is
//! about, which tenants see it, and its details (see [`super::event_payload`]).
//! `service::events::emit` writes it down; nothing else names an action.

use uuid::Uuid;

use super::grants::Grants;

/// Every event a webhook endpoint can subscribe to (the audit action names
/// of the events that are also sent out).
pub const WEBHOOK_EVENTS: [&str; 10] = [
    "invitation.created",
    "invitation.resent",
    "invitation.accepted",
    "invitation.expired",
    "invitation.revoked",
    "invitation.declined",
    "user.created",
    "user.activated",
    "user.deactivated",
    "user.deleted",
];

/// How a user account came to be (the details of `user.created`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserOrigin {
    /// An admin made at first-run setup or from the command line.
    Admin,
    /// A not-yet-active user made by inviting them.
    Invited { user_id: Uuid },
    /// An active user added directly by staff.
    Added { user_id: Uuid },
}

/// One thing that happened. Fields named `tenants` list every tenant whose
/// scoped viewers see the entry (a person may belong to several); webhooks
/// name the first.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    InvitationCreated {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
        sent: bool,
        grants: Grants,
    },
    /// Resent by message, with a new link.
    InvitationResent {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
        resent_count: i64,
    },
    /// A new link shown once to staff instead of sent.
    InvitationLinkIssued {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
        resent_count: i64,
    },
    /// The invitee asked for a fresh link; `link_expires_at` as pages show it.
    InvitationLinkRefreshed {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
        link_expires_at: String,
    },
    InvitationAccepted {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
    },
    InvitationDeclined {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
    },
    /// Revoked by staff, or because the person was taken out of the tenant.
    InvitationRevoked {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
        removed_from_tenant: bool,
    },
    /// Ran out, or (`superseded`) died because the person became active or
    /// was deactivated.
    InvitationExpired {
        invitation_id: Uuid,
        login_id: String,
        tenant_id: Option<Uuid>,
        superseded: bool,
    },
    /// A bulk import committed (or `stopped` part way).
    InvitationsBulk {
        import_id: Uuid,
        tenant_id: Option<Uuid>,
        rows: usize,
        invited: usize,
        resent: usize,
        stopped: bool,
    },
    UserCreated {
        login_id: String,
        tenant_id: Option<Uuid>,
        origin: UserOrigin,
    },
    UserActivated {
        login_id: String,
        tenants: Vec<Uuid>,
        via_invitation: bool,
    },
    UserDeactivated {
        login_id: String,
        tenants: Vec<Uuid>,
    },
    UserUpdated {
        login_id: String,
        tenants: Vec<Uuid>,
    },
    UserLoginIdAdded {
        login_id: String,
        tenants: Vec<Uuid>,
        added: String,
    },
    UserLoginIdRemoved {
        login_id: String,
        tenants: Vec<Uuid>,
        removed: String,
    },
    /// `login_id` is the new primary one.
    UserPrimaryLoginIdChanged {
        login_id: String,
        was: String,
        tenants: Vec<Uuid>,
    },
    /// `tenant_id` is the editor's scope; `granted_tenants` the person's tenants now.
    UserRolesUpdated {
        login_id: String,
        tenant_id: Option<Uuid>,
        roles: Vec<String>,
        granted_tenants: Vec<Uuid>,
    },
    UserSessionsRevoked {
        login_id: String,
        tenants: Vec<Uuid>,
        sessions: u64,
    },
    UserDeleted {
        user_id: Uuid,
        login_id: String,
        tenants: Vec<Uuid>,
    },
    UserRemovedFromTenant {
        login_id: String,
        tenant_id: Uuid,
        tenant_name: String,
    },
    SessionLogin {
        login_id: String,
    },
    /// `login_id` as typed (normalized when it parses).
    SessionLoginFailed {
        login_id: String,
    },
    /// Someone lacked `capability` for `target` (a path or a person);
    /// `refused` says which rule said no, when it was not the capability.
    AccessDenied {
        target: String,
        tenant_id: Option<Uuid>,
        capability: String,
        /// Set when the capability is held but the operation is not open
        /// to the caller's scope (a tenant-scoped caller on a project route).
        scope: Option<String>,
        refused: Option<String>,
    },
    SettingsUpdated {
        account_name: String,
        invitation_lifetime_secs: i64,
        link_lifetime_secs: i64,
        resend_cooldown_secs: i64,
    },
    TenantCreated {
        tenant_id: Uuid,
        slug: String,
        name: String,
    },
    TenantUpdated {
        tenant_id: Uuid,
        slug: String,
        name: String,
        allowed_domains: String,
    },
    TenantDisabled {
        tenant_id: Uuid,
        slug: String,
        name: String,
        allowed_domains: String,
    },
    TenantEnabled {
        tenant_id: Uuid,
        slug: String,
        name: String,
        allowed_domains: String,
    },
    RoleCreated {
        name: String,
        description: String,
        scope: String,
    },
    RoleUpdated {
        name: String,
        description: String,
    },
    RoleDeleted {
        name: String,
    },
    ApiKeyCreated {
        name: String,
        tenant_id: Option<Uuid>,
        prefix: String,
        role: String,
    },
    ApiKeyRevoked {
        key_id: Uuid,
    },
    /// `host` only: a webhook URL's path may carry a token.
    WebhookCreated {
        endpoint_id: Uuid,
        host: String,
        events: String,
    },
    WebhookEnabled {
        endpoint_id: Uuid,
    },
    WebhookDisabled {
        endpoint_id: Uuid,
    },
    WebhookDeleted {
        endpoint_id: Uuid,
    },
    WebhookTestSent {
        endpoint_id: Uuid,
    },
    WebhookRedelivered {
        endpoint_id: Uuid,
        delivery_id: Uuid,
        redelivery_id: Uuid,
    },
}

impl Event {
    /// The audit action: stored with every entry and filtered on, so these
    /// names never change.
    pub fn action(&self) -> &'static str {
        match self {
            Self::InvitationCreated { .. } => "invitation.created",
            Self::InvitationResent { .. } => "invitation.resent",
            Self::InvitationLinkIssued { .. } => "invitation.link_issued",
            Self::InvitationLinkRefreshed { .. } => "invitation.link_refreshed",
            Self::InvitationAccepted { .. } => "invitation.accepted",
            Self::InvitationDeclined { .. } => "invitation.declined",
            Self::InvitationRevoked { .. } => "invitation.revoked",
            Self::InvitationExpired { .. } => "invitation.expired",
            Self::InvitationsBulk { .. } => "invitation.bulk",
            Self::UserCreated { .. } => "user.created",
            Self::UserActivated { .. } => "user.activated",
            Self::UserDeactivated { .. } => "user.deactivated",
            Self::UserUpdated { .. } => "user.updated",
            Self::UserLoginIdAdded { .. } => "user.login_id_added",
            Self::UserLoginIdRemoved { .. } => "user.login_id_removed",
            Self::UserPrimaryLoginIdChanged { .. } => "user.primary_login_id_changed",
            Self::UserRolesUpdated { .. } => "user.roles_updated",
            Self::UserSessionsRevoked { .. } => "user.sessions_revoked",
            Self::UserDeleted { .. } => "user.deleted",
            Self::UserRemovedFromTenant { .. } => "user.removed_from_tenant",
            Self::SessionLogin { .. } => "session.login",
            Self::SessionLoginFailed { .. } => "session.login_failed",
            Self::AccessDenied { .. } => "access.denied",
            Self::SettingsUpdated { .. } => "settings.updated",
            Self::TenantCreated { .. } => "tenant.created",
            Self::TenantUpdated { .. } => "tenant.updated",
            Self::TenantDisabled { .. } => "tenant.disabled",
            Self::TenantEnabled { .. } => "tenant.enabled",
            Self::RoleCreated { .. } => "role.created",
            Self::RoleUpdated { .. } => "role.updated",
            Self::RoleDeleted { .. } => "role.deleted",
            Self::ApiKeyCreated { .. } => "api_key.created",
            Self::ApiKeyRevoked { .. } => "api_key.revoked",
            Self::WebhookCreated { .. } => "webhook.created",
            Self::WebhookEnabled { .. } => "webhook.enabled",
            Self::WebhookDisabled { .. } => "webhook.disabled",
            Self::WebhookDeleted { .. } => "webhook.deleted",
            Self::WebhookTestSent { .. } => "webhook.test_sent",
            Self::WebhookRedelivered { .. } => "webhook.redelivered",
        }
    }

    /// The webhook event this is, when endpoints receive it (its name is
    /// its audit action).
    pub fn webhook(&self) -> Option<&'static str> {
        let action = self.action();
        WEBHOOK_EVENTS.contains(&action).then_some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_webhook_event_is_the_action_of_some_event() {
        let id = Uuid::nil();
        let (login_id, tenant_id) = (String::from("ada@x.io"), None);
        let events = [
            Event::InvitationCreated {
                invitation_id: id,
                login_id: login_id.clone(),
                tenant_id,
                sent: true,
                grants: Grants::default(),
            },
            Event::InvitationResent { invitation_id: id, login_id: login_id.clone(), tenant_id, resent_count: 1 },
            Event::InvitationAccepted { invitation_id: id, login_id: login_id.clone(), tenant_id },
            Event::InvitationExpired { invitation_id: id, login_id: login_id.clone(), tenant_id, superseded: false },
            Event::InvitationRevoked {
                invitation_id: id,
                login_id: login_id.clone(),
                tenant_id,
                removed_from_tenant: false,
            },
            Event::InvitationDeclined { invitation_id: id, login_id: login_id.clone(), tenant_id },
            Event::UserCreated { login_id: login_id.clone(), tenant_id, origin: UserOrigin::Admin },
            Event::UserActivated { login_id: login_id.clone(), tenants: vec![], via_invitation: false },
            Event::UserDeactivated { login_id: login_id.clone(), tenants: vec![] },
            Event::UserDeleted { user_id: id, login_id, tenants: vec![] },
        ];
        let names: Vec<&str> = events.iter().filter_map(Event::webhook).collect();
        assert_eq!(names, WEBHOOK_EVENTS);
        assert_eq!(Event::RoleDeleted { name: "x".into() }.webhook(), None, "catalog changes are not sent");
    }
}
