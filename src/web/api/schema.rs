//! Field schemas built from the rules that check the values (the login-ID
//! pattern, the lifetime bounds, the statuses, the languages), for
//! `#[schema(schema_with = ..)]` on the API's types: the document states
//! the same constants the server enforces, so the two cannot drift apart.
//! Everything else about a field comes from its type and attributes.

use serde_json::{Value, json};
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Schema, SchemaType, Type};

use crate::domain::{invitation::InvitationStatus, lifetime, login_id, user::UserStatus};

/// Role names, as [`crate::service::accounts::create_role`] accepts them.
pub const ROLE_NAME: &str = "^[A-Za-z0-9_.:-]{1,60}$";
/// An email domain, as the tenant allow-list takes it
/// ([`crate::service::accounts::domain_list`]).
const DOMAIN: &str = r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$";

fn string_or_null() -> SchemaType {
    SchemaType::from_iter([Type::String, Type::Null])
}

fn login_id_rule(types: SchemaType, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(types)
        .pattern(Some(login_id::PATTERN))
        .max_length(Some(login_id::MAX_LEN))
        .description(Some(description))
        .build()
}

/// A login ID as [`login_id::LoginId::parse`] takes it.
pub fn login_id() -> Object {
    login_id_rule(Type::String.into(), "Email address (kept in lowercase), or phone number in E.164")
}

/// A user's new primary login ID (left out or null: unchanged).
pub fn primary_login_id() -> Object {
    login_id_rule(string_or_null(), "Make this one of the user's login IDs the primary one")
}

/// The message languages ([`crate::messaging::compose::LANGUAGES`]), or null.
pub fn lang() -> Object {
    let values = crate::messaging::compose::LANGUAGES.iter().map(|l| json!(l)).chain([Value::Null]);
    ObjectBuilder::new()
        .schema_type(string_or_null())
        .enum_values(Some(values))
        .description(Some("Left out or null: the account's language"))
        .build()
}

/// The templates an invitation may use, or null (the default).
pub fn template_key() -> Object {
    ObjectBuilder::new()
        .schema_type(string_or_null())
        .enum_values(Some([json!("invite"), Value::Null]))
        .default(Some(json!("invite")))
        .build()
}

/// Seconds within [`lifetime::MIN`] and [`lifetime::MAX`], or null.
pub fn expires_in() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .minimum(Some(lifetime::MIN.num_seconds()))
        .maximum(Some(lifetime::MAX.num_seconds()))
        .description(Some("Seconds; left out or null: the account's invitation lifetime"))
        .build()
}

pub fn role_name() -> Object {
    ObjectBuilder::new().schema_type(Type::String).pattern(Some(ROLE_NAME)).build()
}

pub fn role_names() -> Schema {
    ArrayBuilder::new().items(role_name()).into()
}

/// Custom attributes: names of letters, digits, `_` and `-` (1 to 60), as
/// [`crate::domain::attributes::AttributeKey`] takes them.
pub fn custom_attributes() -> Object {
    attributes_rule(Type::Object.into())
}

/// Custom attributes to set (left out or null: unchanged).
pub fn optional_custom_attributes() -> Object {
    attributes_rule(SchemaType::from_iter([Type::Object, Type::Null]))
}

fn attributes_rule(types: SchemaType) -> Object {
    ObjectBuilder::new()
        .schema_type(types)
        .property_names(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^[A-Za-z0-9_-]{1,60}$"))))
        .build()
}

/// Names and external IDs as [`crate::domain::text::single_line`] keeps
/// them: no control characters between the spaces around them, and at most
/// [`crate::domain::person_name::MAX_CHARS`] characters once those spaces
/// are trimmed. The count lives in the pattern, not in `maxLength`, which
/// would count the spaces the server trims.
fn profile_text_pattern() -> String {
    format!(r"^\s*[^\u0000-\u001f\u007f-\u009f]{{0,{}}}\s*$", crate::domain::person_name::MAX_CHARS)
}

/// A name or external ID.
pub fn profile_text() -> Object {
    profile_rule(Type::String.into())
}

/// A name or external ID to set (left out or null: unchanged).
pub fn optional_profile_text() -> Object {
    profile_rule(string_or_null())
}

fn profile_rule(types: SchemaType) -> Object {
    ObjectBuilder::new().schema_type(types).pattern(Some(profile_text_pattern())).build()
}

/// A tenant's email-domain allow-list (left out or null: unchanged).
pub fn allowed_domains() -> Schema {
    let domain =
        ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(253)).pattern(Some(DOMAIN));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(domain)
        .description(Some("Empty: any email domain (and phone numbers) may be invited"))
        .into()
}

/// `project` or `tenant`.
pub fn role_scope() -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["project", "tenant"])).build()
}

/// `project` (left out) or `tenant`.
pub fn role_scope_in() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["project", "tenant"]))
        .default(Some(json!("project")))
        .build()
}

/// An invitation's status ([`InvitationStatus::ALL`]).
pub fn invitation_status() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(InvitationStatus::ALL.map(InvitationStatus::as_str)))
        .build()
}

/// A user's status ([`UserStatus::ALL`]).
pub fn user_status() -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(UserStatus::ALL.map(UserStatus::as_str))).build()
}

/// A list filter on a status: empty or left out means any.
fn status_filter<'a>(statuses: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(std::iter::once("").chain(statuses)))
        .description(Some("Empty or left out: any"))
        .build()
}

pub fn invitation_status_filter() -> Object {
    status_filter(InvitationStatus::ALL.map(InvitationStatus::as_str))
}

pub fn user_status_filter() -> Object {
    status_filter(UserStatus::ALL.map(UserStatus::as_str))
}

/// The page size: 1 to 500 (50 when left out).
pub fn page_limit() -> Object {
    ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(500)).build()
}
