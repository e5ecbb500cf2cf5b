//! Background work that runs inside the server process.

pub mod sweeper;
pub mod webhooks;
