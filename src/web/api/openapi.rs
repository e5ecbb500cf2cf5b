//! The OpenAPI 3.1 document, built with utoipa: one operation for each
//! entry of [`super::ROUTES`] (the table the router is built from), with
//! request, response and query-parameter schemas derived from the types the
//! handlers read and write, so the document cannot describe an endpoint or
//! a field the server does not have.

use serde_json::{Value, json};
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, HeaderBuilder, InfoBuilder, ObjectBuilder, OpenApi, OpenApiBuilder, Paths, Ref,
    RefOr, Required, ResponseBuilder, Schema, SecurityRequirement, Server, Type,
};
use utoipa::{IntoParams, ToSchema};

use super::{ApiRoute, ROUTES, catalog, invitations, problem, users, views};

/// An `Idempotency-Key`: 1 to 200 visible ASCII characters (as
/// [`super::caller::idempotency_layer`] checks it).
const IDEMPOTENCY_KEY: &str = "^[!-~]{1,200}$";

/// The whole document, as served at `/api/openapi.json`.
pub fn document(base_url: &str) -> Value {
    serde_json::to_value(openapi(base_url)).expect("the OpenAPI document serializes")
}

fn openapi(base_url: &str) -> OpenApi {
    let mut paths = Paths::new();
    for r in ROUTES {
        paths.add_path_operation(r.path, vec![method(r)], operation(r));
    }
    let info = InfoBuilder::new().title("Usher management API").version(env!("CARGO_PKG_VERSION")).description(Some(
        "Invitations, users, tenants and roles. Authenticate with `Authorization: Bearer <API key>`; a key is \
             held to the same role and tenant rules as a person with its role. Errors are application/problem+json.",
    ));
    OpenApiBuilder::new()
        .info(info)
        .servers(Some([Server::new(base_url)]))
        .security(Some([SecurityRequirement::new("apiKey", Vec::<String>::new())]))
        .paths(paths)
        .components(Some(components()))
        .build()
}

/// A schema by its name, and the schemas it refers to.
type Named = Vec<(String, RefOr<Schema>)>;

fn add<T: ToSchema>(schemas: &mut Named) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

/// Every request and response body's schema, by the name [`ROUTES`] uses
/// (with the schemas they refer to), and the bearer-token scheme.
fn components() -> utoipa::openapi::Components {
    let bodies: [fn(&mut Named); 22] = [
        add::<problem::Problem>,
        add::<invitations::InvitationIn>,
        add::<invitations::BatchIn>,
        add::<views::Invitation>,
        add::<views::InvitationBatchResult>,
        add::<views::InvitationPage>,
        add::<users::UserIn>,
        add::<users::UserPatch>,
        add::<users::LoginIdIn>,
        add::<users::RolesIn>,
        add::<users::TenantIn>,
        add::<views::User>,
        add::<views::UserPage>,
        add::<views::SessionsEnded>,
        add::<catalog::TenantIn>,
        add::<catalog::TenantPatch>,
        add::<views::Tenant>,
        add::<views::TenantList>,
        add::<catalog::RoleIn>,
        add::<catalog::RolePatch>,
        add::<views::Role>,
        add::<views::RoleList>,
    ];
    let mut schemas = Named::new();
    bodies.iter().for_each(|add| add(&mut schemas));
    ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme("apiKey", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)))
        .build()
}

fn method(r: &ApiRoute) -> HttpMethod {
    match r.method {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        other => panic!("unsupported method {other} for {}", r.id),
    }
}

/// The capability a route needs, as the document names it.
fn needs(r: &ApiRoute) -> String {
    r.needs.as_str().to_string()
}

fn json_body(schema: &str) -> ContentBuilder {
    ContentBuilder::new().schema(Some(Ref::from_schema_name(schema)))
}

fn operation(r: &ApiRoute) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new()
        .operation_id(Some(r.id))
        .summary(Some(r.summary))
        .description(Some(format!("Needs the `{}` capability.", needs(r))))
        .tag(r.path.split('/').nth(3).unwrap_or("api"))
        .parameters(Some(parameters(r)));
    if let Some(schema) = r.request {
        let content = json_body(schema).example(example(schema));
        // An empty PATCH changes nothing and is accepted.
        let required = if r.method == "PATCH" { Required::False } else { Required::True };
        op = op.request_body(Some(
            RequestBodyBuilder::new().required(Some(required)).content("application/json", content.build()).build(),
        ));
    }
    let mut ok = match r.response {
        Some(schema) => {
            ResponseBuilder::new().description("Success").content("application/json", json_body(schema).build())
        }
        None => ResponseBuilder::new().description("Done"),
    };
    for (name, link) in links(r.id) {
        ok = ok.link(name, link);
    }
    op = op.response(r.status.to_string(), ok.build());
    for (status, response) in problems(r) {
        op = op.response(status, response);
    }
    op.build()
}

/// Path parameters (from the path), query parameters (from the list
/// handlers' query types) and, on every POST, `Idempotency-Key`.
fn parameters(r: &ApiRoute) -> Vec<Parameter> {
    let mut parameters: Vec<Parameter> = r
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = ObjectBuilder::new().schema_type(Type::String);
            let schema = if name.ends_with("id") && name != "login_id" {
                schema.format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid)))
            } else {
                schema
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(schema))
                .build()
        })
        .collect();
    parameters.extend(match r.id {
        "list_invitations" => invitations::ListQuery::into_params(|| Some(ParameterIn::Query)),
        "list_users" => users::ListQuery::into_params(|| Some(ParameterIn::Query)),
        _ => vec![],
    });
    if r.method == "POST" {
        let key = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(200))
            .pattern(Some(IDEMPOTENCY_KEY));
        parameters.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "A retry with the same key returns the first response and changes nothing; use a new key for \
                     every other request",
                ))
                .schema(Some(key))
                .build(),
        );
    }
    parameters
}

/// An error response: a [`problem::Problem`] as `application/problem+json`.
fn problem(description: &str) -> ResponseBuilder {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(problem::Problem::name())));
    ResponseBuilder::new().description(description).content("application/problem+json", content.build())
}

/// The error responses every operation may give.
fn problems(r: &ApiRoute) -> Vec<(&'static str, utoipa::openapi::Response)> {
    let challenge = HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String).pattern(Some("^Bearer"))))
        .description(Some("`Bearer`, with `error=\"invalid_token\"` when a key was sent"))
        // OpenAPI's Header Object has `required`; utoipa's `Header` lacks
        // the field, so it goes in through the map its fields flatten into.
        .extensions(Some(Extensions::from_iter([("required", true)])))
        .build();
    let mut responses = vec![
        ("400", problem("The body (or a query parameter) is malformed").build()),
        (
            "401",
            problem("No API key, or one that is unknown, expired or revoked")
                .header("WWW-Authenticate", challenge)
                .build(),
        ),
        ("403", problem("The key's role does not allow this").build()),
        ("404", problem("No such resource, or another tenant's").build()),
        (
            "409",
            problem(
                "A conflict (code `conflict.*`): a login ID, slug or name already taken, or the rules refuse it in \
                 this state (resend cooldown, final status)",
            )
            .build(),
        ),
        (
            "422",
            problem(
                "Invalid input, with field-level errors (also: a role or tenant that does not exist, or an \
                 Idempotency-Key reused for another request)",
            )
            .build(),
        ),
    ];
    if r.id == "create_invitation" {
        let retry_after = HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1))))
            .description(Some("Seconds until the next invitation is possible"))
            .build();
        let over = problem("Over the inviter's daily quota; `Retry-After` says when the next one is possible")
            .header("Retry-After", retry_after);
        responses.push(("429", over.build()));
    }
    responses
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
/// clients and schemathesis's stateful tests follow them), by name.
fn links(id: &str) -> Vec<(String, utoipa::openapi::link::Link)> {
    let to = |op: &str, params: &[(&str, &str)]| {
        let link = params.iter().fold(LinkBuilder::new().operation_id(op), |l, (name, expr)| l.parameter(*name, *expr));
        (op.to_string(), link.build())
    };
    let by_id = |ops: &[&str]| ops.iter().map(|op| to(op, &[("id", "$response.body#/id")])).collect::<Vec<_>>();
    match id {
        "create_invitation" | "resend_invitation" | "revoke_invitation" | "issue_invitation_link" => {
            let mut links =
                by_id(&["get_invitation", "resend_invitation", "revoke_invitation", "issue_invitation_link"]);
            links.push(to("get_user", &[("id", "$response.body#/user_id")]));
            links
        }
        "create_invitation_batch" => vec![to("get_invitation", &[("id", "$response.body#/results/0/invitation/id")])],
        "create_user" | "add_login_id" | "add_tenant" | "set_roles" | "activate_user" | "deactivate_user" => {
            let mut links = by_id(&[
                "get_user",
                "update_user",
                "delete_user",
                "add_login_id",
                "set_roles",
                "add_tenant",
                "activate_user",
                "deactivate_user",
                "log_out_user",
            ]);
            links.push(to(
                "remove_login_id",
                &[("id", "$response.body#/id"), ("login_id", "$response.body#/login_ids/0")],
            ));
            links
        }
        "create_tenant" => by_id(&["update_tenant"]),
        "create_role" | "update_role" => {
            ["update_role", "delete_role"].iter().map(|op| to(op, &[("name", "$response.body#/name")])).collect()
        }
        _ => vec![],
    }
}
