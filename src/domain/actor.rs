//! Who does something: the person, API key or the system itself, and from
//! where. Every audit entry names one.

use uuid::Uuid;

/// Who acted and from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    /// A login ID, "system", "setup link" or "invitee".
    pub label: String,
    /// The API key acting, for calls through the API.
    pub api_key_id: Option<Uuid>,
    pub ip: String,
    pub user_agent: String,
}

impl Actor {
    /// The system itself (the sweeper, expiry on acceptance).
    pub fn system() -> Self {
        Self { label: "system".into(), ..Self::default() }
    }
}
