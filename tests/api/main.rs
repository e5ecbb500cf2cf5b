//! Black-box tests against the real server. Run against SQLite by default;
//! set `USHER_TEST_POSTGRES` to run the same suite against PostgreSQL.

mod access;
mod api;
mod architecture;
mod audit;
mod browser;
mod bulk;
mod bulk_upload;
mod hardening_api;
mod hardening_csv;
mod hardening_input;
mod hardening_logs;
mod hardening_openapi;
mod hardening_scope;
mod hardening_users;
mod helpers;
mod instances;
mod invitations;
mod invitee;
mod management;
mod one_way_in;
mod outbox;
mod routes;
mod setup_and_login;
mod smtp_sink;
mod webhook_sink;
mod webhooks;
