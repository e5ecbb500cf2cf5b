//! Console roles and what each may do (DESIGN.md, "Console roles"). The web
//! guard asks these questions; nothing else decides access.

use std::collections::BTreeSet;

use uuid::Uuid;

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

/// What one signed-in person holds: their highest console role, the tenant
/// it is limited to (none: project-wide), and every role name they hold.
#[derive(Clone, Debug, Default)]
pub struct Access {
    pub console: Option<ConsoleRole>,
    /// A tenant-scoped holder sees and acts on that tenant's people only.
    pub tenant_scope: Option<Uuid>,
    pub held_roles: BTreeSet<String>,
}

impl Access {
    /// Project-wide roles only.
    pub fn from_roles<'a>(roles: impl IntoIterator<Item = &'a str>) -> Self {
        let grants: Vec<(String, Option<Uuid>)> = roles.into_iter().map(|r| (r.to_string(), None)).collect();
        Self::from_grants(&grants)
    }

    /// From role assignments `(role, tenant)`. A console role held
    /// project-wide wins; otherwise the scope is the tenant of the highest
    /// console role.
    pub fn from_grants(grants: &[(String, Option<Uuid>)]) -> Self {
        let held_roles: BTreeSet<String> = grants.iter().map(|(r, _)| r.clone()).collect();
        let console_grants: Vec<(ConsoleRole, Option<Uuid>)> =
            grants.iter().filter_map(|(r, t)| ConsoleRole::parse(r).map(|c| (c, *t))).collect();
        let project = console_grants.iter().filter(|(_, t)| t.is_none()).map(|(c, _)| *c).max();
        let (console, tenant_scope) = match project {
            Some(c) => (Some(c), None),
            None => match console_grants.iter().max_by_key(|(c, _)| *c) {
                Some((c, t)) => (Some(*c), *t),
                None => (None, None),
            },
        };
        Self { console, tenant_scope, held_roles }
    }

    /// May this person see or act on someone in `tenants` (their memberships
    /// and invitations)?
    pub fn covers(&self, tenants: &[Uuid]) -> bool {
        match self.tenant_scope {
            None => true,
            Some(t) => tenants.contains(&t),
        }
    }

    /// A project-wide admin.
    pub fn is_admin(&self) -> bool {
        self.console == Some(ConsoleRole::Admin) && self.tenant_scope.is_none()
    }

    pub fn can(&self, capability: Capability) -> bool {
        use Capability::*;
        use ConsoleRole::*;
        match (self.console, capability) {
            (None, _) => false,
            (Some(_), ViewPeople | Invite) => true,
            (Some(Admin | SecondaryAdmin), ManageUsers | ViewAudit) => true,
            (Some(Admin), ManageSettings) => self.tenant_scope.is_none(),
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
            (Some(Admin), _) if self.tenant_scope.is_none() => true,
            (Some(Admin), Some(_)) => true,
            (Some(SecondaryAdmin), Some(SecondaryAdmin | UserInvite)) => true,
            (Some(_), Some(_)) => false,
            (Some(_), None) => self.held_roles.contains(role),
        }
    }

    /// May this person edit, deactivate or delete someone holding `target`?
    /// Secondary admins may not touch admins.
    pub fn can_manage(&self, target: &Access) -> bool {
        // Holding admin for one tenant still makes the target an admin.
        self.can(Capability::ManageUsers) && (self.is_admin() || target.console != Some(ConsoleRole::Admin))
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
        assert!(!Access::from_roles(["editor"]).can(ViewPeople), "a catalog role opens no console page");
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
    fn a_console_role_held_for_one_tenant_is_scoped_to_it() {
        let t = Uuid::new_v4();
        let scoped = Access::from_grants(&[("secondary_admin".into(), Some(t))]);
        assert_eq!(scoped.tenant_scope, Some(t));
        assert!(scoped.covers(&[t]) && !scoped.covers(&[Uuid::new_v4()]) && !scoped.covers(&[]));
        let both = Access::from_grants(&[("user_invite".into(), None), ("admin".into(), Some(t))]);
        assert_eq!((both.console, both.tenant_scope), (Some(ConsoleRole::UserInvite), None), "project-wide wins");
        assert!(Access::from_roles(["admin"]).covers(&[]));
    }

    #[test]
    fn secondary_admins_cannot_manage_admins() {
        assert!(!of("secondary_admin").can_manage(&of("admin")));
        assert!(of("secondary_admin").can_manage(&of("user_invite")));
        assert!(of("admin").can_manage(&of("admin")));
        assert!(!of("user_invite").can_manage(&of("user_invite")));
    }
}
