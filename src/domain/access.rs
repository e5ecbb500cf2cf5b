//! Console roles and what each may do (DESIGN.md, "Console roles"). The web
//! guard asks these questions; nothing else decides access.

use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConsoleRole {
    UserInvite,
    SecondaryAdmin,
    Admin,
}

impl ConsoleRole {
    pub const ALL: [Self; 3] = [Self::Admin, Self::SecondaryAdmin, Self::UserInvite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::SecondaryAdmin => "secondary_admin",
            Self::UserInvite => "user_invite",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// See users and invitations.
    ViewPeople,
    /// Invite, bulk invite, resend, revoke.
    Invite,
    /// Edit, activate, deactivate, delete users.
    ManageUsers,
    /// Settings, templates, roles and tenants catalog, dev mailbox.
    ManageSettings,
    ViewAudit,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewPeople => "view_people",
            Self::Invite => "invite",
            Self::ManageUsers => "manage_users",
            Self::ManageSettings => "manage_settings",
            Self::ViewAudit => "view_audit",
        }
    }
}

/// What one signed-in person holds: their highest console role and every
/// role name they hold (console and catalog roles alike).
#[derive(Clone, Debug, Default)]
pub struct Access {
    pub console: Option<ConsoleRole>,
    pub held_roles: BTreeSet<String>,
}

impl Access {
    pub fn from_roles<'a>(roles: impl IntoIterator<Item = &'a str>) -> Self {
        let held_roles: BTreeSet<String> = roles.into_iter().map(str::to_owned).collect();
        let console = held_roles
            .iter()
            .filter_map(|r| ConsoleRole::parse(r))
            .max();
        Self {
            console,
            held_roles,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.console == Some(ConsoleRole::Admin)
    }

    pub fn can(&self, capability: Capability) -> bool {
        use Capability::*;
        use ConsoleRole::*;
        match (self.console, capability) {
            (None, _) => false,
            (Some(_), ViewPeople | Invite) => true,
            (Some(Admin | SecondaryAdmin), ManageUsers | ViewAudit) => true,
            (Some(Admin), ManageSettings) => true,
            (Some(_), _) => false,
        }
    }

    /// May this person grant `role` in an invitation? Admins grant any role;
    /// secondary admins grant the lower console roles and catalog roles they
    /// hold; support staff grant catalog roles they hold, no console role.
    pub fn can_grant(&self, role: &str) -> bool {
        use ConsoleRole::*;
        match (self.console, ConsoleRole::parse(role)) {
            (None, _) => false,
            (Some(Admin), _) => true,
            (Some(SecondaryAdmin), Some(SecondaryAdmin | UserInvite)) => true,
            (Some(_), Some(_)) => false,
            (Some(_), None) => self.held_roles.contains(role),
        }
    }

    /// May this person edit, deactivate or delete someone holding `target`?
    /// Secondary admins may not touch admins.
    pub fn can_manage(&self, target: &Access) -> bool {
        self.can(Capability::ManageUsers) && (self.is_admin() || !target.is_admin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(role: &str) -> Access {
        Access::from_roles([role])
    }

    #[test]
    fn the_capability_table_matches_the_design() {
        use Capability::*;
        let rows = [
            (ViewPeople, [true, true, true]),
            (Invite, [true, true, true]),
            (ManageUsers, [true, true, false]),
            (ManageSettings, [true, false, false]),
            (ViewAudit, [true, true, false]),
        ];
        for (cap, expected) in rows {
            let got = ["admin", "secondary_admin", "user_invite"].map(|r| of(r).can(cap));
            assert_eq!(got, expected, "{cap:?}");
        }
        assert!(
            !Access::from_roles(["editor"]).can(ViewPeople),
            "a catalog role opens no console page"
        );
    }

    #[test]
    fn nobody_grants_a_role_they_do_not_hold() {
        assert!(of("admin").can_grant("admin"));
        assert!(of("admin").can_grant("editor"));
        assert!(!of("secondary_admin").can_grant("admin"));
        assert!(of("secondary_admin").can_grant("user_invite"));
        assert!(!of("secondary_admin").can_grant("editor"));
        assert!(Access::from_roles(["secondary_admin", "editor"]).can_grant("editor"));
        assert!(!of("user_invite").can_grant("user_invite"));
    }

    #[test]
    fn secondary_admins_cannot_manage_admins() {
        assert!(!of("secondary_admin").can_manage(&of("admin")));
        assert!(of("secondary_admin").can_manage(&of("user_invite")));
        assert!(of("admin").can_manage(&of("admin")));
        assert!(!of("user_invite").can_manage(&of("user_invite")));
    }
}
