//! User statuses and console roles.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Invited,
    InviteExpired,
    Active,
    Disabled,
}

impl UserStatus {
    pub const ALL: [Self; 4] = [Self::Invited, Self::InviteExpired, Self::Active, Self::Disabled];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::InviteExpired => "invite_expired",
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Invited => "Invited",
            Self::InviteExpired => "Invite expired",
            Self::Active => "Active",
            Self::Disabled => "Disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}
