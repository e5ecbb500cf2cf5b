//! What an [`Event`] says: its target, its tenants, its details (the audit
//! entry's `details`, and the webhook payload's `data.details`), and the
//! documented webhook body. The JSON shapes here are stored and sent, so
//! they only ever grow.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::event::{Event, UserOrigin};

impl Event {
    /// What the event is about, as the audit log shows it: a login ID, a
    /// slug, a role or key name, a path, an id.
    pub fn target(&self) -> String {
        use Event::*;
        match self {
            InvitationCreated { login_id, .. }
            | InvitationResent { login_id, .. }
            | InvitationLinkIssued { login_id, .. }
            | InvitationLinkRefreshed { login_id, .. }
            | InvitationAccepted { login_id, .. }
            | InvitationDeclined { login_id, .. }
            | InvitationRevoked { login_id, .. }
            | InvitationExpired { login_id, .. }
            | UserCreated { login_id, .. }
            | UserActivated { login_id, .. }
            | UserDeactivated { login_id, .. }
            | UserUpdated { login_id, .. }
            | UserLoginIdAdded { login_id, .. }
            | UserLoginIdRemoved { login_id, .. }
            | UserPrimaryLoginIdChanged { login_id, .. }
            | UserRolesUpdated { login_id, .. }
            | UserSessionsRevoked { login_id, .. }
            | UserDeleted { login_id, .. }
            | UserRemovedFromTenant { login_id, .. }
            | SessionLogin { login_id }
            | SessionLoginFailed { login_id } => login_id.clone(),
            InvitationsBulk { rows, .. } => format!("{rows} rows"),
            AccessDenied { target, .. } => target.clone(),
            SettingsUpdated { .. } => "settings".into(),
            TenantCreated { slug, .. }
            | TenantUpdated { slug, .. }
            | TenantDisabled { slug, .. }
            | TenantEnabled { slug, .. } => slug.clone(),
            RoleCreated { name, .. } | RoleUpdated { name, .. } | RoleDeleted { name } | ApiKeyCreated { name, .. } => {
                name.clone()
            }
            ApiKeyRevoked { key_id } => key_id.to_string(),
            WebhookCreated { host, .. } => host.clone(),
            WebhookEnabled { endpoint_id }
            | WebhookDisabled { endpoint_id }
            | WebhookDeleted { endpoint_id }
            | WebhookTestSent { endpoint_id } => endpoint_id.to_string(),
            WebhookRedelivered { delivery_id, .. } => delivery_id.to_string(),
        }
    }

    /// The tenants whose scoped viewers see the entry (none: only
    /// project-wide viewers).
    pub fn tenants(&self) -> Vec<Uuid> {
        use Event::*;
        match self {
            InvitationCreated { tenant_id, .. }
            | InvitationResent { tenant_id, .. }
            | InvitationLinkIssued { tenant_id, .. }
            | InvitationLinkRefreshed { tenant_id, .. }
            | InvitationAccepted { tenant_id, .. }
            | InvitationDeclined { tenant_id, .. }
            | InvitationRevoked { tenant_id, .. }
            | InvitationExpired { tenant_id, .. }
            | InvitationsBulk { tenant_id, .. }
            | UserCreated { tenant_id, .. }
            | UserRolesUpdated { tenant_id, .. }
            | AccessDenied { tenant_id, .. }
            | ApiKeyCreated { tenant_id, .. } => tenant_id.iter().copied().collect(),
            UserActivated { tenants, .. }
            | UserDeactivated { tenants, .. }
            | UserUpdated { tenants, .. }
            | UserLoginIdAdded { tenants, .. }
            | UserLoginIdRemoved { tenants, .. }
            | UserPrimaryLoginIdChanged { tenants, .. }
            | UserSessionsRevoked { tenants, .. }
            | UserDeleted { tenants, .. } => tenants.clone(),
            UserRemovedFromTenant { tenant_id, .. }
            | TenantCreated { tenant_id, .. }
            | TenantUpdated { tenant_id, .. }
            | TenantDisabled { tenant_id, .. }
            | TenantEnabled { tenant_id, .. } => vec![*tenant_id],
            SessionLogin { .. }
            | SessionLoginFailed { .. }
            | SettingsUpdated { .. }
            | RoleCreated { .. }
            | RoleUpdated { .. }
            | RoleDeleted { .. }
            | ApiKeyRevoked { .. }
            | WebhookCreated { .. }
            | WebhookEnabled { .. }
            | WebhookDisabled { .. }
            | WebhookDeleted { .. }
            | WebhookTestSent { .. }
            | WebhookRedelivered { .. } => vec![],
        }
    }

    /// The details: the audit entry's `details`, and a webhook's
    /// `data.details`.
    pub fn details(&self) -> Value {
        use Event::*;
        match self {
            InvitationCreated { invitation_id, sent, grants, .. } => {
                json!({ "invitation_id": invitation_id, "sent": sent, "grants": grants })
            }
            InvitationResent { invitation_id, resent_count, .. }
            | InvitationLinkIssued { invitation_id, resent_count, .. } => {
                json!({ "invitation_id": invitation_id, "resent_count": resent_count })
            }
            InvitationLinkRefreshed { invitation_id, link_expires_at, .. } => {
                json!({ "invitation_id": invitation_id, "link_expires_at": link_expires_at })
            }
            InvitationAccepted { invitation_id, .. } | InvitationDeclined { invitation_id, .. } => {
                json!({ "invitation_id": invitation_id })
            }
            InvitationRevoked { invitation_id, removed_from_tenant, .. } => {
                with_reason(json!({ "invitation_id": invitation_id }), *removed_from_tenant, "removed from the tenant")
            }
            InvitationExpired { invitation_id, superseded, .. } => with_reason(
                json!({ "invitation_id": invitation_id }),
                *superseded,
                "the person became active or was deactivated",
            ),
            InvitationsBulk { import_id, rows, invited, resent, stopped, .. } => {
                let mut details = json!({ "import_id": import_id, "invited": invited, "resent": resent, "rows": rows });
                if *stopped {
                    details["stopped"] = json!(true);
                }
                details
            }
            UserCreated { origin, .. } => match origin {
                UserOrigin::Admin => json!({ "role": "admin" }),
                UserOrigin::Invited { user_id } => json!({ "user_id": user_id, "status": "invited" }),
                UserOrigin::Added { user_id } => json!({ "user_id": user_id, "status": "active" }),
            },
            UserActivated { via_invitation: true, .. } => json!({ "via": "invitation" }),
            UserUpdated { .. } => json!({ "fields": "profile" }),
            UserLoginIdAdded { added: value, .. } | UserLoginIdRemoved { removed: value, .. } => {
                json!({ "login_id": value })
            }
            UserPrimaryLoginIdChanged { login_id, was, .. } => json!({ "login_id": login_id, "was": was }),
            UserRolesUpdated { roles, granted_tenants, .. } => json!({ "roles": roles, "tenants": granted_tenants }),
            UserSessionsRevoked { sessions, .. } => json!({ "sessions": sessions }),
            UserDeleted { user_id, .. } => json!({ "user_id": user_id }),
            UserRemovedFromTenant { tenant_name, .. } => json!({ "tenant": tenant_name }),
            AccessDenied { capability, scope, refused, .. } => {
                let mut details = json!({ "capability": capability });
                if let Some(scope) = scope {
                    details["scope"] = json!(scope);
                }
                if let Some(refused) = refused {
                    details["refused"] = json!(refused);
                }
                details
            }
            SettingsUpdated { account_name, invitation_lifetime_secs, link_lifetime_secs, resend_cooldown_secs } => {
                json!({
                    "account_name": account_name,
                    "invitation_lifetime_secs": invitation_lifetime_secs,
                    "link_lifetime_secs": link_lifetime_secs,
                    "resend_cooldown_secs": resend_cooldown_secs,
                })
            }
            TenantCreated { name, .. } => json!({ "name": name }),
            TenantUpdated { name, allowed_domains, .. }
            | TenantDisabled { name, allowed_domains, .. }
            | TenantEnabled { name, allowed_domains, .. } => {
                json!({ "name": name, "allowed_domains": allowed_domains })
            }
            RoleCreated { description, scope, .. } => json!({ "description": description, "scope": scope }),
            RoleUpdated { description, .. } => json!({ "description": description }),
            ApiKeyCreated { prefix, role, .. } => json!({ "prefix": prefix, "role": role }),
            WebhookCreated { endpoint_id, events, .. } => json!({ "endpoint_id": endpoint_id, "events": events }),
            WebhookRedelivered { endpoint_id, redelivery_id, .. } => {
                json!({ "endpoint_id": endpoint_id, "redelivery_id": redelivery_id })
            }
            UserActivated { .. }
            | UserDeactivated { .. }
            | SessionLogin { .. }
            | SessionLoginFailed { .. }
            | RoleDeleted { .. }
            | ApiKeyRevoked { .. }
            | WebhookEnabled { .. }
            | WebhookDisabled { .. }
            | WebhookDeleted { .. }
            | WebhookTestSent { .. } => json!({}),
        }
    }
}

/// `details` with a `reason`, when there is one to give.
fn with_reason(mut details: Value, given: bool, reason: &str) -> Value {
    if given {
        details["reason"] = json!(reason);
    }
    details
}

/// The documented body of every webhook delivery: the event's type, when
/// it was sent, and its target, first tenant and details.
pub fn webhook_body(
    event_type: &str,
    target: &str,
    tenant_id: Option<Uuid>,
    details: &Value,
    at: DateTime<Utc>,
) -> String {
    json!({
        "type": event_type,
        "timestamp": at.to_rfc3339(),
        "data": { "target": target, "tenant_id": tenant_id, "details": details },
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_keep_the_shapes_stored_today() {
        let id = Uuid::nil();
        let expired = |superseded| Event::InvitationExpired {
            invitation_id: id,
            login_id: "ada@x.io".into(),
            tenant_id: None,
            superseded,
        };
        assert_eq!(expired(false).details(), json!({ "invitation_id": id }));
        assert_eq!(
            expired(true).details(),
            json!({ "invitation_id": id, "reason": "the person became active or was deactivated" })
        );
        let denied = Event::AccessDenied {
            target: "/admin/audit".into(),
            tenant_id: None,
            capability: "view_audit".into(),
            scope: None,
            refused: None,
        };
        assert_eq!(denied.details(), json!({ "capability": "view_audit" }));
        assert_eq!(denied.target(), "/admin/audit");
        let body: Value =
            serde_json::from_str(&webhook_body("user.deleted", "ada@x.io", None, &json!({}), Utc::now())).unwrap();
        assert_eq!(body["type"], "user.deleted");
        assert_eq!(body["data"], json!({ "target": "ada@x.io", "tenant_id": null, "details": {} }));
    }
}
