//! The JSON bodies the API answers with. A handler serializes these types,
//! and the OpenAPI document's response schemas are derived from the same
//! types, so the document describes what is sent. (The pages, the batch
//! result and `SessionsEnded` are still written with `json!` around the
//! item types; schemathesis checks those against the document.)

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::problem::Problem;
use super::schema;
use crate::store::{invitations, roles, tenants, users::Attributes};

/// An invitation as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct Invitation {
    pub id: Uuid,
    pub user_id: Uuid,
    pub login_id: String,
    /// The status now (a pending invitation past its expiry is `expired`).
    #[schema(schema_with = schema::invitation_status)]
    pub status: &'static str,
    #[schema(schema_with = channel)]
    pub channel: String,
    pub lang: String,
    pub template_key: String,
    pub tenant_id: Option<Uuid>,
    /// The roles and tenants the invitee gets on accepting.
    #[schema(value_type = Object)]
    pub grants: invitations::Grants,
    pub redirect_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub resent_at: Option<DateTime<Utc>>,
    pub resent_count: i64,
    /// Who made it: a console user (name: their login ID) or an API key
    /// (name: the key's name).
    pub invited_by: Option<Inviter>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// Only in the answer to a create with send=false or to /link (never in
    /// a replay).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub link: Option<String>,
    /// In a replay (Idempotent-Replayed) of an answer that carried a link:
    /// the link was shown once and is not kept; if it was lost, ask for a
    /// fresh one with POST /api/v1/invitations/{id}/link.
    // Set by the idempotency layer (`caller::without_links`), never here.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub link_withheld: Option<bool>,
}

/// The channel an invitation goes through ([`crate::domain::login_id::LoginId::channel`]).
fn channel() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["email", "sms"]))
        .build()
}

impl Invitation {
    /// The invitation as shown now, with its link when it is shown once.
    pub fn new(i: &invitations::Invitation, link: Option<&str>, now: DateTime<Utc>) -> Self {
        Self {
            id: i.id,
            user_id: i.user_id,
            login_id: i.login_id.clone(),
            status: i.status_at(now).as_str(),
            channel: i.channel.clone(),
            lang: i.lang.clone(),
            template_key: i.template_key.clone(),
            tenant_id: i.tenant_id,
            grants: i.grants.clone(),
            redirect_url: i.redirect_url.clone(),
            created_at: i.created_at,
            expires_at: i.expires_at,
            sent_at: i.sent_at,
            resent_at: i.resent_at,
            resent_count: i.resent_count,
            invited_by: i.inviter.as_ref().map(Inviter::new),
            accepted_at: i.accepted_at,
            link: link.map(str::to_string),
            link_withheld: None,
        }
    }
}

/// Who made an invitation; a person's name is their login ID.
#[derive(Serialize, ToSchema)]
pub struct Inviter {
    #[serde(rename = "type")]
    #[schema(inline)]
    pub kind: InviterKind,
    pub id: Uuid,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InviterKind {
    User,
    ApiKey,
}

impl Inviter {
    fn new(inviter: &invitations::Inviter) -> Self {
        match inviter {
            invitations::Inviter::Person { id, login_id } => {
                Self { kind: InviterKind::User, id: *id, name: login_id.clone() }
            }
            invitations::Inviter::ApiKey { id, name } => {
                Self { kind: InviterKind::ApiKey, id: *id, name: name.clone() }
            }
        }
    }
}

/// A page of invitations, newest first.
#[derive(Serialize, ToSchema)]
pub struct InvitationPage {
    pub data: Vec<Invitation>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// What became of each item of a batch.
#[derive(Serialize, ToSchema)]
pub struct InvitationBatchResult {
    pub created: usize,
    pub failed: usize,
    /// Items after an unexpected failure (code `internal`); send them again.
    pub not_attempted: usize,
    pub results: Vec<BatchItem>,
}

/// One item of a batch: created (with the invitation), refused (with its
/// problem), or not attempted.
#[derive(Serialize, ToSchema)]
pub struct BatchItem {
    pub index: usize,
    #[schema(inline)]
    pub status: BatchItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub invitation: Option<Invitation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<Problem>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
// The batch handler still writes its items with `json!`.
#[allow(dead_code)]
pub enum BatchItemStatus {
    Created,
    Error,
    NotAttempted,
}

/// A user as the API shows it; a tenant-scoped caller sees only their
/// tenant's memberships and roles.
#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    /// The primary login ID.
    pub login_id: String,
    pub login_ids: Vec<String>,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub custom_attributes: Attributes,
    #[schema(schema_with = schema::user_status)]
    pub status: &'static str,
    pub roles: Vec<RoleGrant>,
    pub tenants: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A role a user holds: project-wide (no tenant) or within a tenant.
#[derive(Serialize, ToSchema)]
pub struct RoleGrant {
    pub role: String,
    pub tenant_id: Option<Uuid>,
}

/// A page of users, newest first.
#[derive(Serialize, ToSchema)]
pub struct UserPage {
    /// How many users match the query (the same on every page).
    pub total: i64,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub data: Vec<UserSummary>,
}

/// A user in a list.
#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    pub id: Uuid,
    pub login_id: String,
    pub name: String,
    #[schema(schema_with = schema::user_status)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The answer to "log out everywhere".
#[derive(Serialize, ToSchema)]
pub struct SessionsEnded {
    pub sessions_ended: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Tenant {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub disabled: bool,
    /// Empty: any email domain (and phone numbers) may be invited.
    pub allowed_domains: Vec<String>,
}

impl From<&tenants::Tenant> for Tenant {
    fn from(t: &tenants::Tenant) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            slug: t.slug.clone(),
            disabled: t.disabled,
            allowed_domains: t.domains().into_iter().map(str::to_string).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TenantList {
    pub data: Vec<Tenant>,
}

#[derive(Serialize, ToSchema)]
pub struct Role {
    pub name: String,
    pub description: String,
    /// A built-in console role (cannot be deleted).
    pub console: bool,
    #[schema(schema_with = schema::role_scope)]
    pub scope: String,
}

impl From<&roles::Role> for Role {
    fn from(r: &roles::Role) -> Self {
        Self { name: r.name.clone(), description: r.description.clone(), console: r.console, scope: r.scope.clone() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RoleList {
    pub data: Vec<Role>,
}
