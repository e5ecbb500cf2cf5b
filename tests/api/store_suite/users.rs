//! `store::users`: login IDs, the primary one, roles, tenants, deletion.

use usher::domain::user::UserStatus;
use usher::store::{invitations, is_unique_violation, tenants, users};

use super::{TestDb, at, fresh_db, invitation, login, user};

#[tokio::test]
async fn a_login_id_belongs_to_one_user_whatever_its_case() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "Ada@Example.com", "Ada", "Lovelace", UserStatus::Active, at(0)).await;

    let again = user_err(&t, "ADA@example.COM").await;
    assert!(is_unique_violation(&again), "a second user with the same email is refused: {again:#}");
    let grace = user(c, "grace@example.com", "Grace", "Hopper", UserStatus::Active, at(1)).await;
    let taken = users::add_login_id(c, grace, &login("ada@EXAMPLE.com"), at(2)).await.unwrap_err();
    assert!(is_unique_violation(&taken), "another user cannot add it either: {taken:#}");

    user(c, "+49 151 2345-6789", "Phone", "Person", UserStatus::Active, at(3)).await;
    let phone = user_err(&t, "+4915123456789").await;
    assert!(is_unique_violation(&phone), "a phone number typed differently is the same login ID");

    let found = users::find_by_login_id(c, "ada@example.com").await.unwrap().expect("found by the stored form");
    assert_eq!((found.id, found.login_id.as_str()), (ada, "ada@example.com"));
    assert_eq!(users::login_ids_of(c, grace).await.unwrap(), ["grace@example.com"], "the refused add left no trace");
    assert!(users::find_by_login_id(c, "nobody@example.com").await.unwrap().is_none());
}

/// Insert a user as the application does, in a transaction (rolled back
/// here); the error.
async fn user_err(t: &TestDb, raw: &str) -> anyhow::Error {
    let mut tx = t.db.begin().await.unwrap();
    let attributes = users::Attributes::new();
    let login_id = login(raw);
    let new = users::NewUser {
        login_id: &login_id,
        given_name: "",
        family_name: "",
        custom_attributes: &attributes,
        status: UserStatus::Invited,
        invited_by: None,
        password_hash: None,
    };
    users::insert(&mut tx.conn(), new, at(10)).await.expect_err("refused")
}

#[tokio::test]
async fn any_login_id_finds_the_user_who_is_named_by_the_primary_one() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "ada@example.com", "Ada", "Lovelace", UserStatus::Active, at(0)).await;
    let other = user(c, "other@example.com", "", "", UserStatus::Active, at(0)).await;
    users::add_login_id(c, ada, &login("+4915100000001"), at(1)).await.unwrap();
    users::add_login_id(c, ada, &login("aaa@example.com"), at(2)).await.unwrap();

    let by_phone = users::find_by_login_id(c, "+4915100000001").await.unwrap().unwrap();
    assert_eq!((by_phone.id, by_phone.login_id.as_str()), (ada, "ada@example.com"), "the first one stays primary");
    assert_eq!(users::login_ids_of(c, ada).await.unwrap(), ["+4915100000001", "aaa@example.com", "ada@example.com"]);

    assert!(users::set_primary_login_id(c, ada, "+4915100000001").await.unwrap());
    assert_eq!(users::find(c, ada).await.unwrap().unwrap().login_id, "+4915100000001");
    assert!(!users::set_primary_login_id(c, ada, "other@example.com").await.unwrap(), "not theirs: refused");
    assert_eq!(users::find(c, ada).await.unwrap().unwrap().login_id, "+4915100000001");
    assert_eq!(users::find(c, other).await.unwrap().unwrap().login_id, "other@example.com");

    assert!(users::remove_login_id(c, ada, "+4915100000001").await.unwrap());
    let after = users::find(c, ada).await.unwrap().unwrap();
    assert_eq!(after.login_id, "ada@example.com", "removing the primary one hands over to the oldest left");
    assert!(!users::remove_login_id(c, ada, "+4915100000001").await.unwrap(), "already gone");
    assert!(!users::remove_login_id(c, ada, "other@example.com").await.unwrap(), "not theirs");
    assert!(users::find_by_login_id(c, "other@example.com").await.unwrap().is_some());
}

#[tokio::test]
async fn roles_are_granted_once_per_scope_and_leave_with_their_tenant() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Active, at(0)).await;
    let (north, south) = (
        tenants::insert(c, "North", "north", at(0)).await.unwrap(),
        tenants::insert(c, "South", "south", at(0)).await.unwrap(),
    );
    users::grant_role(c, ada, "user_invite", None).await.unwrap();
    users::grant_role(c, ada, "user_invite", None).await.unwrap();
    users::grant_role(c, ada, "secondary_admin", Some(north)).await.unwrap();
    users::grant_role(c, ada, "user_invite", Some(south)).await.unwrap();
    users::add_tenant(c, ada, south).await.unwrap();
    users::add_tenant(c, ada, north).await.unwrap();
    users::add_tenant(c, ada, north).await.unwrap();

    assert_eq!(users::roles_of(c, ada).await.unwrap(), ["secondary_admin", "user_invite"]);
    let mut grants = users::role_grants_of(c, ada).await.unwrap();
    grants.sort();
    let mut want = vec![
        ("secondary_admin".to_string(), Some(north)),
        ("user_invite".into(), None),
        ("user_invite".into(), Some(south)),
    ];
    want.sort();
    assert_eq!(grants, want, "granting twice is a no-op; project-wide reads as None");
    assert_eq!(users::tenant_names_of(c, ada).await.unwrap(), ["North", "South"]);

    users::remove_tenant(c, ada, south).await.unwrap();
    assert_eq!(users::tenant_names_of(c, ada).await.unwrap(), ["North"]);
    let grants = users::role_grants_of(c, ada).await.unwrap();
    assert!(!grants.contains(&("user_invite".into(), Some(south))), "the tenant's roles went with it: {grants:?}");
    assert!(grants.contains(&("user_invite".into(), None)), "the project-wide grant stays: {grants:?}");
    users::revoke_role(c, ada, "user_invite", None).await.unwrap();
    assert_eq!(users::roles_of(c, ada).await.unwrap(), ["secondary_admin"]);
}

#[tokio::test]
async fn only_an_active_admin_counts_as_an_admin() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    assert!(!users::admin_exists(c).await.unwrap());
    let ada = user(c, "ada@example.com", "", "", UserStatus::Invited, at(0)).await;
    users::grant_role(c, ada, "admin", None).await.unwrap();
    assert!(!users::admin_exists(c).await.unwrap(), "an invited admin is not one yet");
    users::set_status(c, ada, UserStatus::Active, at(1)).await.unwrap();
    assert!(users::admin_exists(c).await.unwrap());
    users::set_status(c, ada, UserStatus::Disabled, at(2)).await.unwrap();
    assert!(!users::admin_exists(c).await.unwrap());
    assert_eq!(users::find(c, ada).await.unwrap().unwrap().status, UserStatus::Disabled);
}

#[tokio::test]
async fn deleting_a_user_takes_what_is_theirs_and_frees_the_login_id() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Active, at(0)).await;
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    users::grant_role(c, ada, "admin", None).await.unwrap();
    users::add_tenant(c, ada, north).await.unwrap();
    users::add_login_id(c, ada, &login("+4915100000002"), at(1)).await.unwrap();
    // Ada invited Grace.
    let grace = user(c, "grace@example.com", "Grace", "", UserStatus::Invited, at(2)).await;
    let mut inv = invitation(grace, "grace@example.com", None, at(2), at(100));
    inv.invited_by = Some(ada);
    invitations::insert_many(c, std::slice::from_ref(&inv)).await.unwrap();
    let own = invitation(ada, "ada@example.com", None, at(0), at(100));
    invitations::insert_many(c, std::slice::from_ref(&own)).await.unwrap();

    assert!(users::delete(c, ada).await.unwrap());
    assert!(!users::delete(c, ada).await.unwrap(), "deleting twice finds nobody");
    assert!(users::find(c, ada).await.unwrap().is_none());
    assert!(users::find_by_login_id(c, "+4915100000002").await.unwrap().is_none());
    assert!(invitations::find(c, own.id).await.unwrap().is_none(), "their invitations went with them");
    assert!(!users::admin_exists(c).await.unwrap(), "their roles went with them");
    let kept = invitations::find(c, inv.id).await.unwrap().expect("the invitation Ada made stays");
    assert_eq!((kept.invited_by, kept.inviter), (None, None), "its inviter is forgotten");

    let again = user(c, "ada@example.com", "Ada", "Again", UserStatus::Invited, at(3)).await;
    assert_eq!(users::find_by_login_id(c, "ada@example.com").await.unwrap().unwrap().id, again);
    assert!(users::tenant_names_of(c, again).await.unwrap().is_empty(), "no membership carried over");
}

#[tokio::test]
async fn the_profile_and_its_attributes_read_back_as_written() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "ada@example.com", "Ada", "Lovelace", UserStatus::Active, at(0)).await;
    let attributes: users::Attributes = serde_json::from_value(serde_json::json!({
        "department": "Analytical Engines", "floor": 3, "remote": true, "aliases": ["Countess", "Zoë ✓"],
        "manager": {"name": "Babbage", "since": null}
    }))
    .unwrap();
    let profile = users::Profile {
        given_name: "Augusta Ada",
        family_name: "King",
        display_name: "Ada, Countess of Lovelace",
        external_id: Some("EMP-1815"),
        custom_attributes: &attributes,
    };
    users::update_profile(c, ada, &profile, at(1)).await.unwrap();
    users::touch_login(c, ada, at(2)).await.unwrap();

    let read = users::find(c, ada).await.unwrap().unwrap();
    assert_eq!(read.custom_attributes, attributes);
    assert_eq!((read.given_name.as_str(), read.family_name.as_str()), ("Augusta Ada", "King"));
    assert_eq!(read.display_name, "Ada, Countess of Lovelace");
    assert_eq!(read.external_id.as_deref(), Some("EMP-1815"));
    assert_eq!((read.created_at, read.last_login_at), (at(0), Some(at(2))));

    let found = users::existing_login_ids(c, &["ada@example.com".into(), "nobody@example.com".into()]).await.unwrap();
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["ada@example.com"]);
}

#[tokio::test]
async fn a_user_belongs_to_tenants_they_are_in_or_invited_into() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Invited, at(0)).await;
    let mut ids = Vec::new();
    for (name, slug) in [("Member", "member"), ("Pending", "pending"), ("Lapsed", "lapsed"), ("Revoked", "revoked")] {
        ids.push(tenants::insert(c, name, slug, at(0)).await.unwrap());
    }
    let (member, pending, lapsed, revoked) = (ids[0], ids[1], ids[2], ids[3]);
    users::add_tenant(c, ada, member).await.unwrap();
    let rows: Vec<_> = [pending, lapsed, revoked]
        .iter()
        .map(|t| invitation(ada, "ada@example.com", Some(*t), at(0), at(60)))
        .collect();
    invitations::insert_many(c, &rows).await.unwrap();
    invitations::expire_if_due(c, rows[1].id, at(61)).await.unwrap();
    invitations::set_status(c, rows[2].id, usher::domain::invitation::InvitationStatus::Revoked, at(1)).await.unwrap();

    for (tenant, belongs) in [(member, true), (pending, true), (lapsed, true), (revoked, false)] {
        assert_eq!(users::belongs_to_tenant(c, ada, tenant).await.unwrap(), belongs, "tenant {tenant}");
    }
    let mut of = users::tenants_of(c, ada).await.unwrap();
    of.sort();
    let mut want = vec![member, pending, lapsed];
    want.sort();
    assert_eq!(of, want, "a revoked invitation does not count");
    assert_eq!(users::tenant_ids_of(c, ada).await.unwrap(), [member], "membership alone");
}
