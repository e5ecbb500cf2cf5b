//! The OpenAPI 3.1 document, generated from [`super::ROUTES`] and the
//! schemas below.

use serde_json::{Map, Value, json};

use super::ROUTES;

/// What a login ID looks like: an email address or an E.164 phone number.
const LOGIN_ID: &str = r"^([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+|\+[1-9][0-9]{7,14})$";

fn schemas() -> Value {
    let uuid = json!({ "type": "string", "format": "uuid" });
    let time = json!({ "type": "string", "format": "date-time" });
    let opt_time = json!({ "type": ["string", "null"], "format": "date-time" });
    let opt_uuid = json!({ "type": ["string", "null"], "format": "uuid" });
    let tenant_role = json!({ "type": "object", "required": ["tenant", "role"], "properties": { "tenant": uuid, "role": { "type": "string" } } });
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
            "link": { "type": "string", "description": "Only in the answer to a create with send=false or to /link (never in a replay)" }
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
                "login_id": { "type": "string", "pattern": LOGIN_ID, "description": "Email address, or phone number in E.164" },
                "given_name": { "type": "string" }, "family_name": { "type": "string" },
                "custom_attributes": { "type": "object" },
                "roles": { "type": "array", "items": { "type": "string" } },
                "tenants": { "type": "array", "items": uuid },
                "tenant_roles": { "type": "array", "items": tenant_role },
                "send": { "type": "boolean", "default": true },
                "lang": { "enum": ["en", "de"] },
                "template_key": { "type": "string", "default": "invite" },
                "redirect_url": { "type": "string", "format": "uri" },
                "expires_in": { "type": "integer", "minimum": 3600, "maximum": 7776000, "description": "Seconds" }
            }
        },
        "InvitationBatchIn": {
            "type": "object", "required": ["invitations"], "additionalProperties": false,
            "properties": { "invitations": { "type": "array", "minItems": 1, "maxItems": 1000, "items": { "$ref": "#/components/schemas/InvitationIn" } } }
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
            "properties": { "login_id": { "type": "string", "pattern": LOGIN_ID }, "given_name": { "type": "string" }, "family_name": { "type": "string" },
                "display_name": { "type": "string" }, "external_id": { "type": "string" }, "custom_attributes": { "type": "object" } }
        },
        "UserPatch": {
            "type": "object", "additionalProperties": false, "description": "Fields left out or null stay as they are.",
            "properties": { "login_id": { "type": ["string", "null"], "description": "Make this one of the user's login IDs the primary one" },
                "given_name": { "type": ["string", "null"] }, "family_name": { "type": ["string", "null"] },
                "display_name": { "type": ["string", "null"] }, "external_id": { "type": ["string", "null"] },
                "custom_attributes": { "type": ["object", "null"] } }
        },
        "UserPage": {
            "type": "object", "required": ["data", "total"],
            "properties": { "total": { "type": "integer" }, "next_cursor": { "type": ["string", "null"] },
                "data": { "type": "array", "items": { "type": "object", "properties": { "id": uuid, "login_id": { "type": "string" },
                    "name": { "type": "string" }, "status": { "type": "string" }, "created_at": time, "last_login_at": opt_time } } } }
        },
        "LoginIdIn": { "type": "object", "required": ["login_id"], "additionalProperties": false, "properties": { "login_id": { "type": "string", "pattern": LOGIN_ID } } },
        "RolesIn": { "type": "object", "required": ["roles"], "additionalProperties": false, "properties": { "roles": { "type": "array", "items": { "type": "string" } } } },
        "TenantMembershipIn": {
            "type": "object", "required": ["tenant_id"], "additionalProperties": false,
            "properties": { "tenant_id": uuid, "roles": { "type": "array", "items": { "type": "string" } } }
        },
        "SessionsEnded": { "type": "object", "properties": { "sessions_ended": { "type": "integer" } } },
        "Tenant": tenant,
        "TenantIn": { "type": "object", "required": ["name", "slug"], "additionalProperties": false,
            "properties": { "name": { "type": "string", "minLength": 1, "maxLength": 100 }, "slug": { "type": "string", "pattern": "^[a-z0-9-]{1,50}$" } } },
        "TenantPatch": { "type": "object", "additionalProperties": false,
            "description": "Fields left out or null stay as they are.",
            "properties": { "name": { "type": ["string", "null"], "minLength": 1, "maxLength": 100 }, "disabled": { "type": ["boolean", "null"] },
                "allowed_domains": { "type": ["array", "null"], "items": { "type": "string", "pattern": "^[a-z0-9-]+(\\.[a-z0-9-]+)+$" } } } },
        "TenantList": { "type": "object", "properties": { "data": { "type": "array", "items": { "$ref": "#/components/schemas/Tenant" } } } },
        "Role": role,
        "RoleIn": { "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": { "name": { "type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,60}$" }, "description": { "type": "string" }, "scope": { "enum": ["project", "tenant"] } } },
        "RolePatch": { "type": "object", "required": ["description"], "additionalProperties": false, "properties": { "description": { "type": "string" } } },
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
            q("status", json!({ "enum": ["pending", "accepted", "expired", "revoked", "declined"] })),
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
            q("status", json!({ "enum": ["invited", "invite_expired", "active", "disabled"] })),
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
                "description": "A retry with the same key returns the first response and changes nothing", "schema": { "type": "string", "maxLength": 200 } }));
        }
        let mut responses = Map::new();
        let ok = match r.response {
            Some(schema) => {
                json!({ "description": "Success", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
            }
            None => json!({ "description": "Done" }),
        };
        responses.insert(r.status.to_string(), ok);
        responses.insert("400".into(), problem("The body is not valid JSON for this endpoint"));
        responses.insert("401".into(), problem("No valid API key"));
        responses.insert("403".into(), problem("The key's role does not allow this"));
        responses.insert("404".into(), problem("No such resource, or another tenant's"));
        responses.insert(
            "409".into(),
            problem("A conflict (code `conflict.*`: e.g. login ID taken, or the rules refuse it in this state)"),
        );
        responses.insert("422".into(), problem("Invalid input, with field-level errors"));
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
