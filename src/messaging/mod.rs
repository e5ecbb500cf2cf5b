//! Messages: composing them, the outbox worker, and delivery backends.

pub mod compose;
pub mod mailer;
pub mod worker;
