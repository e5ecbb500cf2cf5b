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

/// How an operation treats a caller whose console role is held for one
/// tenant. Every console route and API operation declares one next to its
/// capability (`web::routes`, `web::api::ROUTES`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Project-wide staff only: a tenant-scoped caller is refused (403).
    Project,
    /// Tenant-scoped callers too, within their tenant: lists hold their
    /// tenant's entries only, what they create lands in their tenant, a
    /// person or invitation of another tenant is not found (404), and a
    /// change to a person follows [`Access::may_change`].
    Tenant,
    /// Tenant-scoped callers too, and everyone sees the same: data no
    /// tenant owns (the roles catalog).
    Shared,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Project => "project",
            Self::Tenant => "tenant",
            Self::Shared => "shared",
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

    /// May this person use an operation that needs `capability` in
    /// `scope`? The route tables ask this once per request.
    pub fn allows(&self, capability: Capability, scope: Scope) -> bool {
        self.can(capability) && (scope != Scope::Project || self.tenant_scope.is_none())
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

    /// May this person give or take `role` when editing someone's roles,
    /// held project-wide (`tenant = None`) or within `tenant`? A role they
    /// may grant; project-wide only as project-wide staff, within a tenant
    /// only one they cover. The user page offers exactly these.
    pub fn may_assign(&self, role: &str, tenant: Option<Uuid>) -> bool {
        self.can_grant(role)
            && match tenant {
                None => self.tenant_scope.is_none(),
                Some(t) => self.covers(&[t]),
            }
    }

    /// May this person make `change` to `person`? The one rule for every
    /// edit, activation, deactivation, deletion and sign-out, console and
    /// API alike:
    /// - it takes the capability to manage users;
    /// - project-wide staff: an admin manages anyone, a secondary admin
    ///   anyone who holds admin nowhere;
    /// - tenant-scoped staff manage only people who hold no project-wide
    ///   console role (and no admin role anywhere) and whose console role in
    ///   the staff member's tenant is lower than their own;
    /// - what a person is everywhere (names, attributes, login IDs, status,
    ///   sessions, the account itself) is changed by tenant-scoped staff only
    ///   when the person belongs to no other tenant; their membership and
    ///   roles in the staff member's tenant always may be.
    pub fn may_change(&self, person: &Person, change: Change) -> Result<(), Denied> {
        if !self.can(Capability::ManageUsers) {
            return Err(Denied::Role);
        }
        let holds_admin = person.grants.iter().any(|(r, _)| ConsoleRole::parse(r) == Some(ConsoleRole::Admin));
        let outranked = match self.tenant_scope {
            None => self.is_admin() || !holds_admin,
            Some(t) => {
                let project_wide =
                    person.grants.iter().any(|(r, tenant)| tenant.is_none() && ConsoleRole::parse(r).is_some());
                let here = person
                    .grants
                    .iter()
                    .filter(|(_, tenant)| *tenant == Some(t))
                    .filter_map(|(r, _)| ConsoleRole::parse(r))
                    .max();
                !project_wide && (self.console == Some(ConsoleRole::Admin) || !holds_admin) && here < self.console
            }
        };
        if !outranked {
            return Err(Denied::Rank);
        }
        let elsewhere = self.tenant_scope.is_some_and(|t| person.tenants.iter().any(|other| *other != t));
        if change == Change::Account && elsewhere {
            return Err(Denied::OtherTenants);
        }
        Ok(())
    }
}

/// What the access rules need to know about the person acted on.
#[derive(Clone, Debug, Default)]
pub struct Person {
    /// Every role they hold: (role, tenant or None for project-wide).
    pub grants: Vec<(String, Option<Uuid>)>,
    /// Every tenant they belong to: memberships and live invitations.
    pub tenants: Vec<Uuid>,
}

/// What a change to a person touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Their membership and roles in the acting staff member's tenant
    /// (project-wide staff: any tenant).
    Membership,
    /// What they are everywhere: names, custom attributes, login IDs,
    /// activation, sessions, the account itself.
    Account,
}

/// Why [`Access::may_change`] said no.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The role does not manage users at all.
    Role,
    /// The person holds a console role this role may not manage.
    Rank,
    /// The person also belongs to another tenant: only project-wide staff
    /// change what they are everywhere.
    OtherTenants,
}

impl Denied {
    /// Completes "Your role does not allow …" (and the API's "This API
    /// key's role does not allow …").
    pub fn what(self) -> &'static str {
        match self {
            Self::Role => "managing users",
            Self::Rank => "managing someone who holds this console role",
            Self::OtherTenants => {
                "changing or deleting someone who also belongs to other tenants; remove them from your tenant instead"
            }
        }
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
    fn a_project_wide_operation_refuses_tenant_scoped_staff_whatever_they_hold() {
        let t = Uuid::new_v4();
        let scoped = Access::from_grants(&[("admin".into(), Some(t))]);
        for scope in [Scope::Tenant, Scope::Shared] {
            assert!(scoped.allows(Capability::ManageUsers, scope), "{scope:?}");
        }
        assert!(!scoped.allows(Capability::ManageUsers, Scope::Project));
        assert!(of("admin").allows(Capability::ManageSettings, Scope::Project));
        assert!(!of("user_invite").allows(Capability::ManageUsers, Scope::Tenant), "the capability still counts");
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
    fn tenant_staff_assign_roles_within_their_tenant_only() {
        let t = Uuid::new_v4();
        let scoped = Access::from_grants(&[("secondary_admin".into(), Some(t))]);
        assert!(scoped.may_assign("user_invite", Some(t)));
        assert!(!scoped.may_assign("user_invite", None), "not project-wide");
        assert!(!scoped.may_assign("user_invite", Some(Uuid::new_v4())), "not in another tenant");
        assert!(!scoped.may_assign("admin", Some(t)), "not a role they may not grant");
        assert!(of("admin").may_assign("admin", None) && of("admin").may_assign("editor", Some(t)));
    }

    fn person(grants: &[(&str, Option<Uuid>)], tenants: &[Uuid]) -> Person {
        Person { grants: grants.iter().map(|(r, t)| (r.to_string(), *t)).collect(), tenants: tenants.to_vec() }
    }

    #[test]
    fn project_wide_secondary_admins_manage_everyone_but_admins() {
        let t = Uuid::new_v4();
        let second = of("secondary_admin");
        assert_eq!(second.may_change(&person(&[("admin", None)], &[]), Change::Account), Err(Denied::Rank));
        assert_eq!(second.may_change(&person(&[("admin", Some(t))], &[t]), Change::Account), Err(Denied::Rank));
        assert_eq!(second.may_change(&person(&[("user_invite", None)], &[t]), Change::Account), Ok(()));
        assert_eq!(of("admin").may_change(&person(&[("admin", None)], &[]), Change::Account), Ok(()));
        assert_eq!(of("user_invite").may_change(&person(&[], &[]), Change::Account), Err(Denied::Role));
    }

    #[test]
    fn tenant_staff_manage_only_people_ranked_below_them_in_their_tenant_with_no_project_wide_role() {
        let (acme, globex) = (Uuid::new_v4(), Uuid::new_v4());
        let lead = Access::from_grants(&[("secondary_admin".into(), Some(acme))]);
        let boss = Access::from_grants(&[("admin".into(), Some(acme))]);
        let cases = [
            (person(&[], &[acme]), Ok(()), Ok(())),
            (person(&[("user_invite", Some(acme))], &[acme]), Ok(()), Ok(())),
            (person(&[("secondary_admin", Some(acme))], &[acme]), Err(Denied::Rank), Ok(())),
            (person(&[("admin", Some(acme))], &[acme]), Err(Denied::Rank), Err(Denied::Rank)),
            (person(&[("user_invite", None)], &[acme]), Err(Denied::Rank), Err(Denied::Rank)),
            (person(&[("secondary_admin", None)], &[acme]), Err(Denied::Rank), Err(Denied::Rank)),
            (person(&[("admin", Some(globex))], &[acme, globex]), Err(Denied::Rank), Err(Denied::OtherTenants)),
            (person(&[("editor", None)], &[acme]), Ok(()), Ok(())),
        ];
        for (who, by_lead, by_boss) in cases {
            assert_eq!(lead.may_change(&who, Change::Account), by_lead, "lead: {who:?}");
            assert_eq!(boss.may_change(&who, Change::Account), by_boss, "boss: {who:?}");
        }
    }

    #[test]
    fn tenant_staff_change_a_shared_person_only_within_their_tenant() {
        let (acme, globex) = (Uuid::new_v4(), Uuid::new_v4());
        let lead = Access::from_grants(&[("secondary_admin".into(), Some(acme))]);
        let shared = person(&[("user_invite", Some(globex))], &[acme, globex]);
        assert_eq!(lead.may_change(&shared, Change::Account), Err(Denied::OtherTenants));
        assert_eq!(lead.may_change(&shared, Change::Membership), Ok(()));
        assert_eq!(of("secondary_admin").may_change(&shared, Change::Account), Ok(()), "project-wide staff may");
    }
}
