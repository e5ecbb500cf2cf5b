//! Storage: the [`Db`] handle and one module of queries per aggregate.

mod db;

pub mod api_keys;
pub mod audit;
pub mod bulk_imports;
pub mod idempotency;
pub mod invitation_links;
pub mod invitation_list;
pub mod invitations;
pub mod locks;
pub mod mailbox;
pub mod memberships;
pub mod outbox;
pub mod roles;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod tenants;
pub mod user_list;
pub mod users;
pub mod webhooks;

pub use db::{Arg, Conn, Db, PooledConn, Tx, batch_statement, in_list, is_unique_violation, values_placeholders};
