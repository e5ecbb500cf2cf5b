//! The OpenAPI 3.1 document, generated from [`super::ROUTES`] and the
//! schemas below.

use serde_json::{Map, Value, json};

use super::ROUTES;

/// What a login ID looks like: an email address (HTML's "valid e-mail
/// address" with a dotted ASCII domain) or an E.164 phone number; the same
/// rule as [`crate::domain::login_id::LoginId::parse`].
const LOGIN_ID: &str = concat!(
    r"^([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@",
    r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    r"|\+[1-9][0-9]{7,14})$"
);
/// Role names, as [`crate::service::accounts::create_role`] accepts them.
const ROLE_NAME: &str = "^[A-Za-z0-9_.:-]{1,60}$";
/// Names and external IDs: no control characters between the spaces
/// around them (which are trimmed), as
/// [`crate::domain::person_name::PersonName::parse`] takes them.
const PROFILE_TEXT: &str = r"^\s*[^\u0000-\u001f\u007f-\u009f]*\s*$";
/// Custom attribute names, as [`crate::domain::attributes::AttributeKey::parse`]
/// takes them.
const ATTRIBUTE_KEY: &str = "^[A-Za-z0-9_-]{1,60}$";
/// An email domain, as the tenant allow-list takes it.
const DOMAIN: &str = r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$";
/// An `Idempotency-Key`: 1 to 200 visible ASCII characters.
const IDEMPOTENCY_KEY: &str = "^[!-~]{1,200}$";

fn schemas() -> Value {
    let uuid = json!({ "type": "string", "format": "uuid" });
    let time = json!({ "type": "string", "format": "date-time" });
    let opt_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let opt_uuid = json!({ "type": ["string", "null"], "format": "uuid" });
    let role_name = json!({ "type": "string", "pattern": ROLE_NAME });
    let login_id = json!({ "type": "string", "pattern": LOGIN_ID, "maxLength": 254,
        "description": "Email address (kept in lowercase), or phone number in E.164" });
    let tenant_role = json!({ "type": "object", "required": ["tenant", "role"], "properties": { "tenant": uuid, "role": role_name } });
    // Names must hold more than spaces (they are stored trimmed).
    let tenant_name = |types: Value| json!({ "type": types, "minLength": 1, "maxLength": 100, "pattern": "\\S" });
    let profile_field = |types: Value| {
        json!({ "type": types, "maxLength": crate::domain::person_name::MAX_CHARS, "pattern": PROFILE_TEXT })
    };
    let attributes = |types: Value| json!({ "type": types, "propertyNames": { "pattern": ATTRIBUTE_KEY } });
    let inviter = json!({ "type": ["object", "null"], "required": ["type", "id", "name"],
        "description": "Who made it: a console user (name: their login ID) or an API key (name: the key's name)",
        "properties": { "type": { "enum": ["user", "api_key"] }, "id": uuid, "name": { "type": "string" } } });
    let invitation = json!({
        "type": "object",
        "required": ["id", "user_id", "login_id", "status", "created_at", "expires_at", "resent_count"],
        "properties": {
            "id": uuid, "user_id": uuid, "login_id": { "type": "string" },
            "status": { "enum": ["pending", "accepted", "expired", "revoked", "declined"] },
            "channel": { "enum": ["email", "sms"] }, "lang": { "type": "string" }, "template_key": { "type": "string" },
            "tenant_id": opt_uuid, "grants": { "type": "object" }, "redirect_url": { "type": ["string", "null"] },
            "created_at": time, "expires_at": time, "sent_at": opt_time, "resent_at": opt_time,
            "resent_count": { "type": "integer" }, "invited_by": inviter, "accepted_at": opt_time,
            "link": { "type": "string", "description": "Only in the answer to a create with send=false or to /link (never in a replay)" },
            "link_withheld": { "type": "boolean", "description": "In a replay (Idempotent-Replayed) of an answer that carried a link: the link was shown once and is not kept; if it was lost, ask for a fresh one with POST /api/v1/invitations/{id}/link" }
        }
    });
    let user = json!({
        "type": "object",
        "required": ["id", "login_ids", "status", "created_at"],
        "properties": {
            "id": uuid, "login_id": { "type": "string", "description": "The primary login ID" },
            "login_ids": { "type": "array", "items": { "type": "string" } },
            "given_name": { "type": "string" }, "family_name": { "type": "string" }, "display_name": { "type": "string" },
            "external_id": { "type": ["string", "null"] }, "custom_attributes": { "type": "object" },
            "status": { "enum": ["invited", "invite_expired", "active", "disabled"] },
            "roles": { "type": "array", "items": { "type": "object", "properties": { "role": { "type": "string" }, "tenant_id": opt_uuid } } },
            "tenants": { "type": "array", "items": uuid }, "created_at": time, "last_login_at": opt_time
        }
    });
    let tenant = json!({
        "type": "object", "required": ["id", "name", "slug", "disabled"],
        "properties": { "id": uuid, "name": { "type": "string" }, "slug": { "type": "string" }, "disabled": { "type": "boolean" },
            "allowed_domains": { "type": "array", "items": { "type": "string" } } }
    });
    let role = json!({
        "type": "object", "required": ["name", "scope"],
        "properties": { "name": { "type": "string" }, "description": { "type": "string" }, "console": { "type": "boolean" },
            "scope": { "enum": ["project", "tenant"] } }
    });
    json!({
        "Problem": problem_schema(),
        "Invitation": invitation,
        "InvitationIn": {
            "type": "object", "required": ["login_id"], "additionalProperties": false,
            "properties": {
                "login_id": login_id,
                "given_name": profile_field(json!("string")), "family_name": profile_field(json!("string")),
                "custom_attributes": attributes(json!("object")),
                "roles": { "type": "array", "items": role_name },
                "tenants": { "type": "array", "items": uuid },
                "tenant_roles": { "type": "array", "items": tenant_role },
                "send": { "type": "boolean", "default": true },
                "lang": { "enum": ["en", "de", null], "description": "Left out or null: the account's language" },
                "template_key": { "enum": ["invite", null], "default": "invite" },
                "redirect_url": { "type": ["string", "null"], "format": "uri", "pattern": "^https?://[^\\s/?#]+([/?#]\\S*)?$" },
                "expires_in": { "type": ["integer", "null"], "minimum": 3600, "maximum": 7776000,
                    "description": "Seconds; left out or null: the account's invitation lifetime" }
            }
        },
        "InvitationBatchIn": {
            "type": "object", "required": ["invitations"], "additionalProperties": false,
            "properties": { "invitations": { "type": "array", "minItems": 1, "maxItems": 1000, "items": { "$ref": "#/components/schemas/InvitationIn" },
                "description": "An item that is not a valid InvitationIn fails on its own (see results); the others are created" } }
        },
        "InvitationBatchResult": {
            "type": "object", "required": ["created", "failed", "results"],
            "properties": { "created": { "type": "integer" }, "failed": { "type": "integer" },
                "not_attempted": { "type": "integer", "description": "Items after an unexpected failure (code `internal`); send them again" },
                "results": { "type": "array", "items": { "type": "object", "properties": {
                    "index": { "type": "integer" }, "status": { "enum": ["created", "error", "not_attempted"] },
                    "invitation": { "$ref": "#/components/schemas/Invitation" }, "error": { "$ref": "#/components/schemas/Problem" } } } } }
        },
        "InvitationPage": {
            "type": "object", "required": ["data"],
            "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Invitation" } }, "next_cursor": { "type": ["string", "null"] } }
        },
        "User": user,
        "UserIn": {
            "type": "object", "required": ["login_id"], "additionalProperties": false,
            "properties": { "login_id": login_id, "given_name": profile_field(json!("string")), "family_name": profile_field(json!("string")),
                "display_name": profile_field(json!("string")), "external_id": profile_field(json!("string")), "custom_attributes": attributes(json!("object")) }
        },
        "UserPatch": {
            "type": "object", "additionalProperties": false, "description": "Fields left out or null stay as they are.",
            "properties": { "login_id": { "type": ["string", "null"], "pattern": LOGIN_ID, "maxLength": 254, "description": "Make this one of the user's login IDs the primary one" },
                "given_name": profile_field(json!(["string", "null"])), "family_name": profile_field(json!(["string", "null"])),
                "display_name": profile_field(json!(["string", "null"])), "external_id": profile_field(json!(["string", "null"])),
                "custom_attributes": attributes(json!(["object", "null"])) }
        },
        "UserPage": {
            "type": "object", "required": ["data", "total"],
            "properties": { "total": { "type": "integer", "description": "How many users match the query (the same on every page)" },
                "next_cursor": { "type": ["string", "null"] },
                "data": { "type": "array", "items": { "type": "object", "properties": { "id": uuid, "login_id": { "type": "string" },
                    "name": { "type": "string" }, "status": { "type": "string" }, "created_at": time, "last_login_at": opt_time } } } }
        },
        "LoginIdIn": { "type": "object", "required": ["login_id"], "additionalProperties": false, "properties": { "login_id": login_id } },
        "RolesIn": { "type": "object", "required": ["roles"], "additionalProperties": false, "properties": { "roles": { "type": "array", "items": role_name } } },
        "TenantMembershipIn": {
            "type": "object", "required": ["tenant_id"], "additionalProperties": false,
            "properties": { "tenant_id": uuid, "roles": { "type": "array", "items": role_name } }
        },
        "SessionsEnded": { "type": "object", "properties": { "sessions_ended": { "type": "integer" } } },
        "Tenant": tenant,
        "TenantIn": { "type": "object", "required": ["name", "slug"], "additionalProperties": false,
            "properties": { "name": tenant_name(json!("string")), "slug": { "type": "string", "pattern": "^[a-z0-9-]{1,50}$" } } },
        "TenantPatch": { "type": "object", "additionalProperties": false,
            "description": "Fields left out or null stay as they are.",
            "properties": { "name": tenant_name(json!(["string", "null"])), "disabled": { "type": ["boolean", "null"] },
                "allowed_domains": { "type": ["array", "null"], "description": "Empty: any email domain (and phone numbers) may be invited",
                    "items": { "type": "string", "minLength": 1, "maxLength": 253, "pattern": DOMAIN } } } },
        "TenantList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Tenant" } } } },
        "Role": role,
        "RoleIn": { "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": { "name": role_name, "description": { "type": "string" }, "scope": { "enum": ["project", "tenant"], "default": "project" } } },
        "RolePatch": { "type": "object", "additionalProperties": false, "description": "Fields left out or null stay as they are.",
            "properties": { "description": { "type": ["string", "null"] } } },
        "RoleList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Role" } } } }
    })
}

/// RFC 9457 problem details, with the stable codes of the problem and of
/// each field error.
fn problem_schema() -> Value {
    use crate::service::codes;
    let conflicts = codes::CONFLICTS.iter().map(|c| format!("conflict.{c}"));
    let mut problem_codes: Vec<String> = super::problem::CODES.iter().map(|c| c.to_string()).chain(conflicts).collect();
    problem_codes.sort();
    let field_codes = [
        codes::INVALID,
        codes::REQUIRED,
        codes::OUT_OF_RANGE,
        codes::INVALID_EMAIL,
        codes::INVALID_PHONE,
        codes::DOMAIN_NOT_ALLOWED,
    ]
    .into_iter()
    .chain(codes::CONFLICTS)
    .chain(["invalid_json"])
    .collect::<Vec<_>>();
    json!({
        "type": "object", "description": "RFC 9457 problem details", "required": ["type", "title", "status", "code"],
        "properties": { "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" },
            "code": { "type": "string", "description": "Stable machine-readable reason; branch on this, not on the text (new codes may be added)",
                "enum": problem_codes },
            "detail": { "type": "string" },
            "errors": { "type": "array", "items": { "type": "object", "required": ["field", "code", "message"],
                "properties": { "field": { "type": "string" },
                    "code": { "type": "string", "description": "Stable machine-readable reason for this field", "enum": field_codes },
                    "message": { "type": "string" } } } } }
    })
}

fn query_parameters(id: &str) -> Vec<Value> {
    let q = |name: &str, schema: Value| json!({ "name": name, "in": "query", "required": false, "schema": schema });
    let common = [
        q("limit", json!({ "type": "integer", "minimum": 1, "maximum": 500 })),
        q("cursor", json!({ "type": "string" })),
    ];
    match id {
        "list_invitations" => [
            q("status", json!({ "enum": ["", "pending", "accepted", "expired", "revoked", "declined"], "description": "Empty or left out: any" })),
            q("tenant", json!({ "type": "string", "format": "uuid" })),
            q("login_id", json!({ "type": "string" })),
            q("created_after", json!({ "type": "string", "format": "date-time" })),
            q("created_before", json!({ "type": "string", "format": "date-time" })),
        ]
        .into_iter()
        .chain(common)
        .collect(),
        "list_users" => [
            q("q", json!({ "type": "string" })),
            q("status", json!({ "enum": ["", "invited", "invite_expired", "active", "disabled"], "description": "Empty or left out: any" })),
            q("tenant", json!({ "type": "string", "format": "uuid" })),
            q("role", json!({ "type": "string" })),
        ]
        .into_iter()
        .chain(common)
        .collect(),
        _ => vec![],
    }
}

fn problem(description: &str) -> Value {
    json!({ "description": description, "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

/// A request body that works on a fresh installation (schemathesis sends
/// these first, in its examples phase).
fn example(schema: &str) -> Option<Value> {
    Some(match schema {
        "InvitationIn" => json!({ "login_id": "ada@example.com", "given_name": "Ada", "family_name": "Lovelace",
            "custom_attributes": { "team": "engines" }, "send": false, "lang": "en", "expires_in": 604800 }),
        "InvitationBatchIn" => json!({ "invitations": [{ "login_id": "grace@example.com", "send": false },
            { "login_id": "+4915112345678", "send": false }] }),
        "UserIn" => {
            json!({ "login_id": "alan@example.com", "given_name": "Alan", "family_name": "Turing", "external_id": "E-1912" })
        }
        "UserPatch" => json!({ "display_name": "Alan M. Turing" }),
        "LoginIdIn" => json!({ "login_id": "+4915112345679" }),
        "RolesIn" => json!({ "roles": [] }),
        "TenantIn" => json!({ "name": "Acme", "slug": "acme" }),
        "TenantPatch" => json!({ "allowed_domains": ["acme.example"] }),
        "RoleIn" => json!({ "name": "editor", "description": "Edits content", "scope": "project" }),
        "RolePatch" => json!({ "description": "Edits and publishes content" }),
        _ => return None,
    })
}

/// What can be done next with what an operation returned (OpenAPI links:
/// clients and schemathesis's stateful tests follow them).
fn links(id: &str) -> Value {
    let to = |op: &str, params: Value| json!({ "operationId": op, "parameters": params });
    let user = json!({ "id": "$response.body#/id" });
    let user_ops = |links: &mut Map<String, Value>| {
        for op in [
            "get_user",
            "update_user",
            "delete_user",
            "add_login_id",
            "set_roles",
            "add_tenant",
            "activate_user",
            "deactivate_user",
            "log_out_user",
        ] {
            links.insert(op.into(), to(op, user.clone()));
        }
        links.insert(
            "remove_login_id".into(),
            to("remove_login_id", json!({ "id": "$response.body#/id", "login_id": "$response.body#/login_ids/0" })),
        );
    };
    let mut links = Map::new();
    match id {
        "create_invitation" | "resend_invitation" | "revoke_invitation" | "issue_invitation_link" => {
            for op in ["get_invitation", "resend_invitation", "revoke_invitation", "issue_invitation_link"] {
                links.insert(op.into(), to(op, json!({ "id": "$response.body#/id" })));
            }
            links.insert("get_user".into(), to("get_user", json!({ "id": "$response.body#/user_id" })));
        }
        "create_invitation_batch" => {
            links.insert(
                "get_invitation".into(),
                to("get_invitation", json!({ "id": "$response.body#/results/0/invitation/id" })),
            );
        }
        "create_user" | "add_login_id" | "add_tenant" | "set_roles" | "activate_user" | "deactivate_user" => {
            user_ops(&mut links)
        }
        "create_tenant" => {
            links.insert("update_tenant".into(), to("update_tenant", json!({ "id": "$response.body#/id" })));
        }
        "create_role" | "update_role" => {
            for op in ["update_role", "delete_role"] {
                links.insert(op.into(), to(op, json!({ "name": "$response.body#/name" })));
            }
        }
        _ => {}
    }
    Value::Object(links)
}

/// The whole document.
pub fn document(base_url: &str) -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let mut parameters: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| {
                let schema = if name.ends_with("id") && name != "login_id" {
                    json!({ "type": "string", "format": "uuid" })
                } else {
                    json!({ "type": "string" })
                };
                json!({ "name": name, "in": "path", "required": true, "schema": schema })
            })
            .collect();
        parameters.extend(query_parameters(r.id));
        if r.method == "POST" {
            parameters.push(json!({ "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "A retry with the same key returns the first response and changes nothing; use a new key for every other request",
                "schema": { "type": "string", "minLength": 1, "maxLength": 200, "pattern": IDEMPOTENCY_KEY } }));
        }
        let mut responses = Map::new();
        let mut ok = match r.response {
            Some(schema) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
            }
            None => json!({ "description": "Done" }),
        };
        let links = links(r.id);
        if links.as_object().is_some_and(|l| !l.is_empty()) {
            ok["links"] = links;
        }
        responses.insert(r.status.to_string(), ok);
        responses.insert("400".into(), problem("The body (or a query parameter) is malformed"));
        let mut unauthorized = problem("No API key, or one that is unknown, expired or revoked");
        unauthorized["headers"] = json!({ "WWW-Authenticate": { "required": true, "schema": { "type": "string", "pattern": "^Bearer" },
            "description": "`Bearer`, with `error=\"invalid_token\"` when a key was sent" } });
        responses.insert("401".into(), unauthorized);
        responses.insert("403".into(), problem("The key's role does not allow this"));
        responses.insert("404".into(), problem("No such resource, or another tenant's"));
        responses.insert(
            "409".into(),
            problem("A conflict (code `conflict.*`): a login ID, slug or name already taken, or the rules refuse it in this state (resend cooldown, final status)"),
        );
        responses.insert(
            "422".into(),
            problem("Invalid input, with field-level errors (also: a role or tenant that does not exist, or an Idempotency-Key reused for another request)"),
        );
        if r.id == "create_invitation" {
            let mut over = problem("Over the inviter's daily quota; `Retry-After` says when the next one is possible");
            over["headers"] = json!({ "Retry-After": { "description": "Seconds until the next invitation is possible", "schema": { "type": "integer", "minimum": 1 } } });
            responses.insert("429".into(), over);
        }
        let mut op = json!({
            "operationId": r.id,
            "summary": r.summary,
            "description": format!("Needs the `{}` capability.", r.needs),
            "tags": [r.path.split('/').nth(3).unwrap_or("api")],
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(schema) = r.request {
            // An empty PATCH changes nothing and is accepted.
            op["requestBody"] = json!({ "required": r.method != "PATCH", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
            if let Some(example) = example(schema) {
                op["requestBody"]["content"]["application/json"]["example"] = example;
            }
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Usher management API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Invitations, users, tenants and roles. Authenticate with `Authorization: Bearer <API key>`; a key is held to the same role and tenant rules as a person with its role. Errors are application/problem+json." },
        "servers": [{ "url": base_url }],
        "security": [{ "apiKey": [] }],
        "paths": paths,
        "components": { "schemas": schemas(), "securitySchemes": { "apiKey": { "type": "http", "scheme": "bearer" } } }
    })
}
