//! `store::user_list`: the users table's search, filters, sort orders,
//! offset and cursor paging, and the invitation details of each row.

use uuid::Uuid;

use usher::domain::{invitation::InvitationStatus, user::UserStatus};
use usher::store::user_list::{self, ListQuery, Sort};
use usher::store::{Conn, api_keys, invitations, tenants, users};

use super::{at, fresh_db, invitation, user};

fn query() -> ListQuery {
    ListQuery { limit: 100, ..Default::default() }
}

/// The login IDs a query lists, in its order; asserts the total agrees.
async fn listed(c: &mut Conn<'_>, q: &ListQuery) -> Vec<String> {
    let (rows, total) = user_list::list(c, q).await.unwrap();
    assert_eq!(total as usize, rows.len(), "the total counts what is listed (one page here)");
    rows.into_iter().map(|r| r.login_id).collect()
}

async fn search(c: &mut Conn<'_>, term: &str) -> Vec<String> {
    let mut found = listed(c, &ListQuery { search: Some(term.into()), ..query() }).await;
    found.sort();
    found
}

#[tokio::test]
async fn search_finds_login_ids_names_and_external_ids_as_literal_text() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    user(c, "ada@example.com", "Ada", "Lovelace", UserStatus::Active, at(0)).await;
    let grace = user(c, "grace@example.com", "Grace", "Hopper", UserStatus::Active, at(1)).await;
    user(c, "+4915123459876", "Zoë", "Ärger", UserStatus::Invited, at(2)).await;
    user(c, "percy@example.com", "Percy", "Kara_Lee 100%", UserStatus::Invited, at(3)).await;
    let empty = users::Attributes::new();
    let profile = users::Profile {
        given_name: "Grace",
        family_name: "Hopper",
        display_name: "",
        external_id: Some("NAVY-1906"),
        custom_attributes: &empty,
    };
    users::update_profile(c, grace, &profile, at(4)).await.unwrap();

    let (ada, grace, zoe, percy) = ("ada@example.com", "grace@example.com", "+4915123459876", "percy@example.com");
    let cases: &[(&str, &[&str])] = &[
        ("LOVELACE", &[ada]),
        ("ove", &[ada]),
        ("op", &[grace]),
        ("navy-19", &[grace]),
        ("ZOË", &[zoe]),
        ("ärg", &[zoe]),
        ("0049 (151) 2345-9876", &[zoe]),
        ("2345 9876", &[zoe]),
        ("example.com", &[ada, grace, percy]),
        // LIKE's wildcards and FTS5's syntax are plain text.
        ("%", &[percy]),
        ("_", &[percy]),
        ("a_l", &[percy]),
        ("ada OR grace", &[]),
        ("\"", &[]),
        ("ada\"", &[]),
        ("lovelace\0", &[ada]),
    ];
    for (term, want) in cases {
        let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(search(c, term).await, want, "searching {term:?}");
    }
    assert_eq!(search(c, "  ").await.len(), 4, "a blank search lists everyone");
}

#[tokio::test]
async fn filters_by_status_tenant_role_and_scope_combine() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let south = tenants::insert(c, "South", "south", at(0)).await.unwrap();
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Active, at(0)).await;
    let grace = user(c, "grace@example.com", "Grace", "", UserStatus::Active, at(1)).await;
    let zoe = user(c, "zoe@example.com", "Zoe", "", UserStatus::Invited, at(2)).await;
    let rev = user(c, "rev@example.com", "Rev", "", UserStatus::Invited, at(3)).await;
    let dan = user(c, "dan@example.com", "Dan", "", UserStatus::Disabled, at(4)).await;
    users::add_tenant(c, ada, north).await.unwrap();
    users::grant_role(c, ada, "user_invite", Some(north)).await.unwrap();
    users::grant_role(c, grace, "admin", None).await.unwrap();
    users::add_tenant(c, dan, south).await.unwrap();
    let pending = invitation(zoe, "zoe@example.com", Some(north), at(2), at(600));
    let revoked = invitation(rev, "rev@example.com", Some(north), at(3), at(600));
    invitations::insert_many(c, &[pending, revoked.clone()]).await.unwrap();
    invitations::set_status(c, revoked.id, InvitationStatus::Revoked, at(5)).await.unwrap();

    let cases: Vec<(ListQuery, &[&str])> = vec![
        (ListQuery { status: Some(UserStatus::Active), ..query() }, &["grace@example.com", "ada@example.com"]),
        (ListQuery { status: Some(UserStatus::Disabled), ..query() }, &["dan@example.com"]),
        (ListQuery { tenant: Some(north), ..query() }, &["zoe@example.com", "ada@example.com"]),
        (ListQuery { scope: Some(north), ..query() }, &["zoe@example.com", "ada@example.com"]),
        (ListQuery { tenant: Some(south), ..query() }, &["dan@example.com"]),
        (ListQuery { role: Some("user_invite".into()), ..query() }, &["ada@example.com"]),
        (ListQuery { role: Some("admin".into()), ..query() }, &["grace@example.com"]),
        (ListQuery { status: Some(UserStatus::Invited), tenant: Some(north), ..query() }, &["zoe@example.com"]),
        (ListQuery { search: Some("ada".into()), scope: Some(north), ..query() }, &["ada@example.com"]),
        (ListQuery { search: Some("grace".into()), scope: Some(north), ..query() }, &[]),
        (ListQuery { tenant: Some(north), scope: Some(south), ..query() }, &[]),
    ];
    for (q, want) in cases {
        assert_eq!(listed(c, &q).await, want, "{q:?}");
    }
}

/// Six users: two with the same name and three created at the same moment
/// (ties fall back to the id), one without a name (sorted by login ID).
async fn sortable(c: &mut Conn<'_>) -> Vec<(String, Uuid)> {
    let mut out = Vec::new();
    for (login_id, given, family, minute) in [
        ("b@example.com", "Bea", "Zed", 0),
        ("a@example.com", "", "", 1),
        ("c@example.com", "Sam", "Same", 2),
        ("d@example.com", "Sam", "Same", 2),
        ("e@example.com", "sam", "SAME", 2),
        ("f@example.com", "Abe", "Young", 3),
    ] {
        out.push((login_id.to_string(), user(c, login_id, given, family, UserStatus::Active, at(minute)).await));
    }
    out
}

/// The login IDs of `users` among `logins`, ordered by id, descending or not.
fn by_id(users: &[(String, Uuid)], logins: &[&str], descending: bool) -> Vec<String> {
    let mut picked: Vec<&(String, Uuid)> = users.iter().filter(|(l, _)| logins.contains(&l.as_str())).collect();
    picked.sort_by_key(|(_, id)| *id);
    if descending {
        picked.reverse();
    }
    picked.into_iter().map(|(l, _)| l.clone()).collect()
}

#[tokio::test]
async fn each_sort_order_is_total_with_the_id_breaking_ties() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let all = sortable(c).await;
    let id = |l: &str| all.iter().find(|(x, _)| x == l).unwrap().1;
    let same = ["c@example.com", "d@example.com", "e@example.com"];

    let mut want = vec!["f@example.com".to_string()];
    want.extend(by_id(&all, &same, true));
    want.extend(["a@example.com".into(), "b@example.com".into()]);
    assert_eq!(listed(c, &query()).await, want, "newest first");

    let mut want: Vec<String> = vec!["a@example.com".into(), "f@example.com".into(), "b@example.com".into()];
    want.extend(by_id(&all, &same, false));
    assert_eq!(listed(c, &ListQuery { sort: Sort::Name, ..query() }).await, want, "by name, case-blind");

    users::touch_login(c, id("b@example.com"), at(10)).await.unwrap();
    users::touch_login(c, id("f@example.com"), at(20)).await.unwrap();
    let mut want: Vec<String> = vec!["f@example.com".into(), "b@example.com".into()];
    want.extend(by_id(&all, &["a@example.com", "c@example.com", "d@example.com", "e@example.com"], true));
    let q = ListQuery { sort: Sort::LastActivity, ..query() };
    assert_eq!(listed(c, &q).await, want, "latest sign-in first, never signed in last");
}

#[tokio::test]
async fn offset_pages_and_cursor_pages_list_everyone_once_with_the_same_total() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    sortable(c).await;
    for sort in [Sort::Created, Sort::Name, Sort::LastActivity] {
        let whole = listed(c, &ListQuery { sort, ..query() }).await;
        let mut paged = Vec::new();
        for offset in [0, 4] {
            let (rows, total) = user_list::list(c, &ListQuery { sort, offset, limit: 4, ..query() }).await.unwrap();
            assert_eq!(total, 6, "every page tells the whole total");
            paged.extend(rows.into_iter().map(|r| r.login_id));
        }
        assert_eq!(paged, whole, "{sort:?}: two pages are the whole list");
        let (rows, total) = user_list::list(c, &ListQuery { sort, offset: 10, limit: 4, ..query() }).await.unwrap();
        assert_eq!((rows.len(), total), (0, 6), "past the end: nothing, same total");
    }

    let whole = listed(c, &query()).await;
    let (mut walked, mut after) = (Vec::new(), None);
    loop {
        let (rows, total) = user_list::list(c, &ListQuery { after, limit: 2, ..query() }).await.unwrap();
        assert_eq!(total, 6, "the total ignores the cursor");
        let Some(last) = rows.last() else { break };
        after = Some((last.created_at, last.id));
        walked.extend(rows.into_iter().map(|r| r.login_id));
    }
    assert_eq!(walked, whole, "the cursor walks the newest-first order, ties included, once");
}

#[tokio::test]
async fn each_row_shows_the_latest_invitation_the_viewer_may_see() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let south = tenants::insert(c, "South", "south", at(0)).await.unwrap();
    let boss = user(c, "boss@example.com", "Boss", "", UserStatus::Active, at(0)).await;
    let key = api_keys::NewKey {
        name: "Robot",
        prefix: "usk_robo",
        key_hash: "hash-of-robot",
        role: "admin",
        tenant_id: None,
        created_by: Some(boss),
        expires_at: None,
    };
    let robot = api_keys::insert(c, &key, at(0)).await.unwrap();
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Invited, at(1)).await;
    let mut into_north = invitation(ada, "ada@example.com", Some(north), at(1), at(600));
    into_north.invited_by = Some(boss);
    let mut into_south = invitation(ada, "ada@example.com", Some(south), at(2), at(600));
    into_south.invited_by_api_key = Some(robot);
    invitations::insert_many(c, &[into_north.clone(), into_south.clone()]).await.unwrap();
    invitations::mark_resent(c, into_north.id, at(700), at(3)).await.unwrap();
    // Created by Boss directly, never invited.
    let (made_login, no_attributes) = (super::login("made@example.com"), users::Attributes::new());
    let made = users::NewUser {
        login_id: &made_login,
        given_name: "Made",
        family_name: "",
        custom_attributes: &no_attributes,
        status: UserStatus::Active,
        invited_by: Some(boss),
        password_hash: None,
    };
    let made = users::insert(c, made, at(4)).await.unwrap();

    let row = |rows: Vec<user_list::Listed>, id: Uuid| rows.into_iter().find(|r| r.id == id).expect("listed");
    let everyone = user_list::details(c, &[ada, made], None).await.unwrap();
    let ada_row = row(everyone.clone(), ada);
    assert_eq!(ada_row.invitation_id, Some(into_south.id), "the newest invitation");
    assert_eq!(ada_row.invited_by_login.as_deref(), Some("API key: Robot"));
    assert_eq!((ada_row.invitation_status.as_deref(), ada_row.resent_count), (Some("pending"), Some(0)));
    assert_eq!(row(everyone, made).invited_by_login.as_deref(), Some("boss@example.com"), "who created them");

    let in_north = user_list::details(c, &[ada, made], Some(north)).await.unwrap();
    let ada_row = row(in_north.clone(), ada);
    assert_eq!((ada_row.invitation_id, ada_row.invitation_tenant_id), (Some(into_north.id), Some(north)));
    assert_eq!(ada_row.invited_by_login.as_deref(), Some("boss@example.com"));
    assert_eq!((ada_row.resent_count, ada_row.invitation_expires_at), (Some(1), Some(at(700))));
    assert_eq!(row(in_north, made).invited_by_login, None, "a tenant viewer is not told who created them");
}

#[tokio::test]
async fn resend_all_expired_finds_latest_expired_invitations_in_scope() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let closed = tenants::insert(c, "Closed", "closed", at(0)).await.unwrap();
    tenants::update(c, closed, "Closed", true, "").await.unwrap();
    let mut rows = Vec::new();
    // (login ID, user status, tenant, expires at minute, then expired by the sweeper)
    for (login_id, status, tenant, expires, swept) in [
        ("u1@example.com", UserStatus::Invited, None, 10, false),
        ("u2@example.com", UserStatus::InviteExpired, None, 10, true),
        ("u3@example.com", UserStatus::Invited, None, 100, false),
        ("u5@example.com", UserStatus::Invited, Some(closed), 10, true),
        ("u6@example.com", UserStatus::Active, None, 10, true),
        ("u7@example.com", UserStatus::Invited, Some(north), 10, false),
    ] {
        let id = user(c, login_id, "U", "", status, at(0)).await;
        let inv = invitation(id, login_id, tenant, at(0), at(expires));
        invitations::insert_many(c, std::slice::from_ref(&inv)).await.unwrap();
        if swept {
            assert!(invitations::expire_if_due(c, inv.id, at(expires)).await.unwrap());
        }
        rows.push(inv);
    }
    // u4's older invitation expired, a newer one is pending: nothing to resend.
    let u4 = user(c, "u4@example.com", "U", "", UserStatus::Invited, at(0)).await;
    let older = invitation(u4, "u4@example.com", None, at(0), at(10));
    let newer = invitation(u4, "u4@example.com", None, at(1), at(100));
    invitations::insert_many(c, &[older, newer]).await.unwrap();

    let logins = |found: Vec<user_list::Expired>| found.into_iter().map(|e| e.login_id).collect::<Vec<_>>();
    let found = user_list::with_expired_invitations(c, None, at(20)).await.unwrap();
    assert_eq!(logins(found), ["u1@example.com", "u2@example.com", "u7@example.com"]);
    let found = user_list::with_expired_invitations(c, Some(north), at(20)).await.unwrap();
    assert_eq!(logins(found), ["u7@example.com"]);
    let found = user_list::with_expired_invitations(c, None, at(5)).await.unwrap();
    assert_eq!(logins(found), ["u2@example.com"], "before the clock runs out only the swept one");
}
