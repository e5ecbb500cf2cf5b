//! The tenants and roles catalogs.

use uuid::Uuid;

use usher::domain::user::UserStatus;
use usher::store::{is_unique_violation, roles, tenants, users};

use super::{at, fresh_db, login, user};

#[tokio::test]
async fn tenants_are_listed_by_name_with_unique_slugs() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let south = tenants::insert(c, "South", "south", at(0)).await.unwrap();
    let north = tenants::insert(c, "North", "north", at(1)).await.unwrap();
    let taken = tenants::insert(c, "Another North", "north", at(2)).await.unwrap_err();
    assert!(is_unique_violation(&taken), "a taken slug is refused: {taken:#}");

    assert!(tenants::update(c, south, "Süd", true, "example.com, example.org").await.unwrap());
    assert!(!tenants::update(c, Uuid::new_v4(), "Nowhere", false, "").await.unwrap(), "no such tenant");
    let listed: Vec<(String, String, bool)> =
        tenants::list(c).await.unwrap().into_iter().map(|t| (t.name, t.slug, t.disabled)).collect();
    assert_eq!(listed, [("North".into(), "north".into(), false), ("Süd".into(), "south".into(), true)]);

    let read = tenants::find(c, south).await.unwrap().expect("found");
    assert_eq!(read.domains(), ["example.com", "example.org"]);
    assert!(read.allows(&login("ada@EXAMPLE.org")) && !read.allows(&login("ada@example.net")));
    let open = tenants::find(c, north).await.unwrap().unwrap();
    assert!(open.allows(&login("+4915100000003")), "no allow-list: anyone");
    assert!(tenants::find(c, Uuid::new_v4()).await.unwrap().is_none());
}

#[tokio::test]
async fn the_built_in_roles_come_first_and_cannot_be_deleted() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    roles::insert(c, "viewer", "Reads reports", "tenant", at(0)).await.unwrap();
    roles::insert(c, "billing", "", "project", at(0)).await.unwrap();
    let taken = roles::insert(c, "viewer", "Again", "project", at(1)).await.unwrap_err();
    assert!(is_unique_violation(&taken), "a taken role name is refused: {taken:#}");
    let admin_again = roles::insert(c, "admin", "", "project", at(1)).await.unwrap_err();
    assert!(is_unique_violation(&admin_again), "built-in names are taken too");

    let listed: Vec<(String, bool, String)> =
        roles::list(c).await.unwrap().into_iter().map(|r| (r.name, r.console, r.scope)).collect();
    let want = [
        ("admin", true, "project"),
        ("secondary_admin", true, "project"),
        ("user_invite", true, "project"),
        ("billing", false, "project"),
        ("viewer", false, "tenant"),
    ];
    let want: Vec<(String, bool, String)> = want.iter().map(|(n, c, s)| (n.to_string(), *c, s.to_string())).collect();
    assert_eq!(listed, want, "console roles first, then by scope and name");

    assert!(roles::update_description(c, "viewer", "Reads everything").await.unwrap());
    assert!(!roles::update_description(c, "nobody", "x").await.unwrap());
    assert_eq!(roles::find(c, "viewer").await.unwrap().unwrap().description, "Reads everything");
    assert!(roles::exists(c, "billing").await.unwrap() && !roles::exists(c, "Billing").await.unwrap());

    assert!(!roles::delete(c, "admin").await.unwrap(), "a built-in role stays");
    assert!(roles::find(c, "admin").await.unwrap().is_some());
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Active, at(0)).await;
    users::grant_role(c, ada, "billing", None).await.unwrap();
    users::grant_role(c, ada, "user_invite", None).await.unwrap();
    assert!(roles::delete(c, "billing").await.unwrap());
    assert!(!roles::delete(c, "billing").await.unwrap(), "already gone");
    assert_eq!(users::roles_of(c, ada).await.unwrap(), ["user_invite"], "its holders lost it");
    let unknown = users::grant_role(c, ada, "billing", None).await;
    assert!(unknown.is_err(), "a role not in the catalog cannot be granted");
}
