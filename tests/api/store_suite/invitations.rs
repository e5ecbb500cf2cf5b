//! `store::invitations`: links found by token hash and used once, status
//! filters judged by the clock, the page's search and paging, the API's
//! cursor, resend and expiry bookkeeping, the daily quota's counts.

use uuid::Uuid;

use usher::domain::token::{Token, hash_token};
use usher::domain::{invitation::InvitationStatus, user::UserStatus};
use usher::store::invitations::{self, ApiQuery, Invitation, InvitationQuery, Inviter, LinkState, MadeBy};
use usher::store::{Conn, api_keys, tenants};

use super::{at, fresh_db, invitation, user};

/// Insert an invitation for a new user with `login_id`.
async fn invite(c: &mut Conn<'_>, login_id: &str, tenant: Option<Uuid>, created: i64, expires: i64) -> Invitation {
    let id = match usher::store::users::find_by_login_id(c, login_id).await.unwrap() {
        Some(u) => u.id,
        None => user(c, login_id, "", "", UserStatus::Invited, at(created)).await,
    };
    let inv = invitation(id, login_id, tenant, at(created), at(expires));
    invitations::insert_many(c, std::slice::from_ref(&inv)).await.unwrap();
    inv
}

#[tokio::test]
async fn a_link_is_found_by_its_token_hash_and_works_once() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let inv = invite(c, "ada@example.com", None, 0, 600).await;
    let token = Token::generate();
    invitations::insert_link(c, &token.hash(), inv.id, at(0), at(60)).await.unwrap();

    let (link, found) = invitations::find_by_token_hash(c, &token.hash()).await.unwrap().expect("found by hash");
    assert_eq!((link.state, link.expires_at), (LinkState::Live, at(60)));
    assert_eq!((found.id, found.status, &found.grants), (inv.id, InvitationStatus::Pending, &inv.grants));
    assert!(invitations::find_by_token_hash(c, token.as_str()).await.unwrap().is_none(), "the raw token finds nothing");
    assert!(invitations::find_by_token_hash(c, &hash_token("guess")).await.unwrap().is_none());

    // Two requests with the same link at once: one of them gets it.
    let (mut a, mut b) = (t.conn().await, t.conn().await);
    let (mut ca, mut cb) = (a.conn(), b.conn());
    let hash = token.hash();
    let (x, y) = tokio::join!(invitations::use_link(&mut ca, &hash), invitations::use_link(&mut cb, &hash));
    assert!(x.unwrap() ^ y.unwrap(), "exactly one use succeeds");
    let (link, _) = invitations::find_by_token_hash(c, &hash).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Used);

    let newer = Token::generate();
    invitations::insert_link(c, &newer.hash(), inv.id, at(1), at(61)).await.unwrap();
    invitations::supersede_links_of_user(c, inv.user_id).await.unwrap();
    let (link, _) = invitations::find_by_token_hash(c, &newer.hash()).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Superseded);
    assert!(!invitations::use_link(c, &newer.hash()).await.unwrap(), "a superseded link does not work");
    let (link, _) = invitations::find_by_token_hash(c, &hash).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Used, "a used link stays used");
}

/// One invitation in each status; p2 is pending but past its expiry.
async fn one_of_each(c: &mut Conn<'_>) {
    invite(c, "p1@example.com", None, 1, 100).await;
    invite(c, "p2@example.com", None, 2, 10).await;
    let e1 = invite(c, "e1@example.com", None, 3, 5).await;
    assert!(invitations::expire_if_due(c, e1.id, at(5)).await.unwrap());
    for (login_id, minute, status) in [
        ("r1@example.com", 4, InvitationStatus::Revoked),
        ("a1@example.com", 5, InvitationStatus::Accepted),
        ("d1@example.com", 6, InvitationStatus::Declined),
    ] {
        let inv = invite(c, login_id, None, minute, 100).await;
        invitations::set_status(c, inv.id, status, at(minute)).await.unwrap();
    }
}

#[tokio::test]
async fn status_filters_read_pending_and_expired_by_the_clock() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    one_of_each(c).await;
    let s = Some;
    let cases: &[(Option<InvitationStatus>, i64, &[&str])] = &[
        (s(InvitationStatus::Pending), 20, &["p1"]),
        (s(InvitationStatus::Pending), 9, &["p2", "p1"]),
        (s(InvitationStatus::Expired), 20, &["e1", "p2"]),
        (s(InvitationStatus::Revoked), 20, &["r1"]),
        (s(InvitationStatus::Accepted), 20, &["a1"]),
        (s(InvitationStatus::Declined), 20, &["d1"]),
        (None, 20, &["d1", "a1", "r1", "e1", "p2", "p1"]),
    ];
    for (status, now, want) in cases {
        let want: Vec<String> = want.iter().map(|w| format!("{w}@example.com")).collect();
        let q = InvitationQuery { status: *status, search: None, scope: None, now: at(*now), offset: 0, limit: 100 };
        let (rows, total) = invitations::list(c, &q).await.unwrap();
        let page: Vec<String> = rows.into_iter().map(|r| r.login_id).collect();
        assert_eq!((&page, total as usize), (&want, want.len()), "the page: {status:?} at minute {now}");
        let q = ApiQuery { status: *status, now: Some(at(*now)), limit: 100, ..Default::default() };
        let api: Vec<String> = invitations::list_keyset(c, &q).await.unwrap().into_iter().map(|i| i.login_id).collect();
        assert_eq!(api, want, "the API: {status:?} at minute {now}");
    }
}

#[tokio::test]
async fn the_invitations_page_searches_login_ids_literally_within_scope() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let south = tenants::insert(c, "South", "south", at(0)).await.unwrap();
    invite(c, "a_b@example.com", Some(north), 1, 100).await;
    invite(c, "axb@example.com", Some(north), 2, 100).await;
    invite(c, "carol@example.org", Some(south), 3, 100).await;
    invite(c, "dave@example.org", None, 4, 100).await;

    let q = |search: Option<&str>, scope: Option<Uuid>, offset: i64| InvitationQuery {
        status: None,
        search: search.map(str::to_string),
        scope,
        now: at(20),
        offset,
        limit: 2,
    };
    let cases: &[(Option<&str>, Option<Uuid>, &[&str])] = &[
        (Some("a_b"), None, &["a_b@example.com"]),
        (Some("EXAMPLE.ORG"), None, &["dave@example.org", "carol@example.org"]),
        (Some("%"), None, &[]),
        (None, Some(north), &["axb@example.com", "a_b@example.com"]),
        (Some("axb"), Some(north), &["axb@example.com"]),
        (Some("carol"), Some(north), &[]),
    ];
    for (search, scope, want) in cases {
        let (rows, total) = invitations::list(c, &q(*search, *scope, 0)).await.unwrap();
        let page: Vec<&str> = rows.iter().map(|r| r.login_id.as_str()).collect();
        assert_eq!((&page[..], total as usize), (*want, want.len()), "{search:?} in {scope:?}");
    }
    let (first, total) = invitations::list(c, &q(None, None, 0)).await.unwrap();
    let (second, again) = invitations::list(c, &q(None, None, 2)).await.unwrap();
    let pages: Vec<&str> = first.iter().chain(&second).map(|r| r.login_id.as_str()).collect();
    assert_eq!(pages, ["dave@example.org", "carol@example.org", "axb@example.com", "a_b@example.com"]);
    assert_eq!((total, again), (4, 4), "each page tells the whole total");
    assert_eq!(second[0].tenant_name.as_deref(), Some("North"));
    assert_eq!((first[0].tenant_name.as_deref(), first[0].user_status.as_deref()), (None, Some("invited")));
}

#[tokio::test]
async fn the_api_list_pages_by_cursor_and_filters() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let mut made = Vec::new();
    for (login_id, tenant, minute) in [
        ("ada@example.com", None, 1),
        ("bob@example.com", Some(north), 2),
        ("cyd@example.com", None, 2),
        ("ada@example.com", Some(north), 2),
        ("dee@example.com", None, 3),
    ] {
        made.push(invite(c, login_id, tenant, minute, 100).await);
    }
    // Newest first; the same moment falls back to the id, descending.
    made.sort_by_key(|i| std::cmp::Reverse((i.created_at, i.id)));
    let want: Vec<Uuid> = made.iter().map(|i| i.id).collect();

    let (mut walked, mut after) = (Vec::new(), None);
    loop {
        let page = invitations::list_keyset(c, &ApiQuery { after, limit: 2, ..Default::default() }).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.created_at, last.id));
        walked.extend(page.iter().map(|i| i.id));
    }
    assert_eq!(walked, want, "every invitation once, in order");

    let db = &t;
    let ids = |q: ApiQuery| async move {
        let found = invitations::list_keyset(&mut db.conn().await.conn(), &ApiQuery { limit: 100, ..q }).await;
        found.unwrap().into_iter().map(|i| (i.login_id, i.tenant_id)).collect::<Vec<_>>()
    };
    let q = ApiQuery { login_id: Some("ada@example.com".into()), ..Default::default() };
    assert_eq!(ids(q).await, [("ada@example.com".into(), Some(north)), ("ada@example.com".into(), None)]);
    let q = ApiQuery { login_id: Some("ADA@example.com".into()), ..Default::default() };
    assert!(ids(q).await.is_empty(), "the login ID filter matches the stored form exactly");
    let q = ApiQuery { created_after: Some(at(2)), created_before: Some(at(3)), ..Default::default() };
    assert_eq!(ids(q).await.len(), 3, "from inclusive, before exclusive");
    let q = ApiQuery { tenant: Some(north), ..Default::default() };
    assert!(ids(q).await.iter().all(|(_, t)| *t == Some(north)));
    let q = ApiQuery { tenant: Some(north), scope: Some(Uuid::new_v4()), ..Default::default() };
    assert!(ids(q).await.is_empty(), "a scope narrows, never widens");
}

#[tokio::test]
async fn resend_accept_and_expiry_are_recorded() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let accepted = invite(c, "ada@example.com", None, 0, 10).await;
    let resent = invite(c, "ada@example.com", None, 1, 10).await;
    let kept = invite(c, "ada@example.com", None, 2, 10).await;
    let other = invite(c, "bob@example.com", None, 3, 10).await;
    invitations::set_status(c, accepted.id, InvitationStatus::Accepted, at(5)).await.unwrap();
    invitations::mark_resent(c, resent.id, at(50), at(6)).await.unwrap();
    invitations::mark_sent(c, resent.id, at(7)).await.unwrap();

    let read = invitations::find(c, accepted.id).await.unwrap().unwrap();
    assert_eq!((read.status, read.accepted_at), (InvitationStatus::Accepted, Some(at(5))));
    let read = invitations::find(c, resent.id).await.unwrap().unwrap();
    assert_eq!((read.status, read.resent_count, read.expires_at), (InvitationStatus::Pending, 1, at(50)));
    assert_eq!((read.last_issued(), read.sent_at), (at(6), Some(at(7))));

    let due = invitations::due_for_expiry(c, at(20), 10).await.unwrap();
    let due: Vec<Uuid> = due.into_iter().map(|i| i.id).collect();
    assert_eq!(due.len(), 2, "kept and other are due, the resent one is not: {due:?}");
    assert!(due.contains(&kept.id) && due.contains(&other.id));
    assert!(invitations::expire_if_due(c, other.id, at(20)).await.unwrap());
    assert!(!invitations::expire_if_due(c, other.id, at(20)).await.unwrap(), "a second sweeper reports nothing");
    assert!(!invitations::expire_if_due(c, resent.id, at(20)).await.unwrap(), "not due yet");

    let expired = invitations::expire_others(c, accepted.user_id, Some(kept.id), at(8)).await.unwrap();
    assert_eq!(expired, [(resent.id, "ada@example.com".to_string(), None)], "pending ones only, not the kept one");
    let history: Vec<(Uuid, InvitationStatus)> =
        invitations::list_for_user(c, accepted.user_id).await.unwrap().into_iter().map(|i| (i.id, i.status)).collect();
    let want = [
        (kept.id, InvitationStatus::Pending),
        (resent.id, InvitationStatus::Expired),
        (accepted.id, InvitationStatus::Accepted),
    ];
    assert_eq!(history, want, "newest first");
    assert_eq!(invitations::latest_for_user(c, accepted.user_id).await.unwrap().unwrap().id, kept.id);
}

#[tokio::test]
async fn the_daily_quota_counts_what_a_person_or_an_api_key_made() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let boss = user(c, "boss@example.com", "Boss", "", UserStatus::Active, at(0)).await;
    let key = api_keys::NewKey {
        name: "Robot",
        prefix: "usk_robo",
        key_hash: "hash-of-robot",
        role: "admin",
        tenant_id: None,
        created_by: None,
        expires_at: None,
    };
    let robot = api_keys::insert(c, &key, at(0)).await.unwrap();
    let mut rows = Vec::new();
    for (n, minute) in [(1, 1), (2, 2), (3, 3)] {
        let invitee = user(c, &format!("p{n}@example.com"), "", "", UserStatus::Invited, at(minute)).await;
        let mut inv = invitation(invitee, &format!("p{n}@example.com"), None, at(minute), at(600));
        inv.invited_by = Some(boss);
        rows.push(inv);
    }
    let invitee = user(c, "k@example.com", "", "", UserStatus::Invited, at(2)).await;
    let mut by_key = invitation(invitee, "k@example.com", None, at(2), at(600));
    by_key.invited_by_api_key = Some(robot);
    rows.push(by_key.clone());
    invitations::insert_many(c, &rows).await.unwrap();

    let (person, key) = (MadeBy::Person(boss), MadeBy::ApiKey(robot));
    assert_eq!(invitations::count_made_since(c, person, at(0)).await.unwrap(), 3);
    assert_eq!(invitations::count_made_since(c, person, at(1)).await.unwrap(), 2, "strictly after the cut-off");
    assert_eq!(invitations::count_made_since(c, key, at(0)).await.unwrap(), 1);
    assert_eq!(invitations::nth_made_since(c, person, at(0), 0).await.unwrap(), Some(at(1)));
    assert_eq!(invitations::nth_made_since(c, person, at(0), 2).await.unwrap(), Some(at(3)));
    assert_eq!(invitations::nth_made_since(c, person, at(0), 3).await.unwrap(), None);

    let by_boss = invitations::find(c, rows[0].id).await.unwrap().unwrap().inviter.unwrap();
    assert_eq!(by_boss, Inviter::Person { id: boss, login_id: "boss@example.com".into() });
    let by_robot = invitations::find(c, by_key.id).await.unwrap().unwrap().inviter.unwrap();
    assert_eq!(by_robot.label(), "API key: Robot");
}
