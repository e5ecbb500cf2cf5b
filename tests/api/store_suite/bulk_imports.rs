//! Bulk imports: the record kept from preview to commit, committed once,
//! listed newest first within a tenant; and the rows an import writes —
//! users, invitations and links in batches larger than one statement.

use serde_json::json;
use uuid::Uuid;

use usher::domain::user::UserStatus;
use usher::store::bulk_imports::{self, Counts, NewImport};
use usher::store::user_list::{self, ListQuery};
use usher::store::{Conn, invitations, tenants, users};

use super::{at, fresh_db, invitation, login, user};

async fn preview(c: &mut Conn<'_>, by: Uuid, tenant: Option<Uuid>, minute: i64) -> Uuid {
    let options = json!({"send_now": true, "lang": "en", "roles": ["viewer"]});
    let new = NewImport {
        created_by: by,
        created_by_label: "boss@example.com",
        tenant_id: tenant,
        mode: "csv",
        input: "login_id,given_name\nada@example.com,Ada\n",
        options: &options,
    };
    bulk_imports::insert(c, &new, at(minute)).await.unwrap()
}

#[tokio::test]
async fn an_import_is_committed_once_and_keeps_its_result() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let boss = user(c, "boss@example.com", "Boss", "", UserStatus::Active, at(0)).await;
    let id = preview(c, boss, None, 1).await;

    let kept = bulk_imports::find(c, id).await.unwrap().expect("kept for the commit");
    assert_eq!((kept.status.as_str(), kept.mode.as_str(), kept.created_at), ("previewed", "csv", at(1)));
    assert_eq!(kept.input, "login_id,given_name\nada@example.com,Ada\n");
    assert_eq!(kept.options.0, json!({"send_now": true, "lang": "en", "roles": ["viewer"]}));
    assert!(bulk_imports::recent(c, None, 10).await.unwrap().is_empty(), "a preview is not an import yet");

    // A double submit: two requests claim it at once, one commits.
    let (mut a, mut b) = (t.conn().await, t.conn().await);
    let (mut ca, mut cb) = (a.conn(), b.conn());
    let (x, y) = tokio::join!(bulk_imports::claim(&mut ca, id), bulk_imports::claim(&mut cb, id));
    assert!(x.unwrap() ^ y.unwrap(), "exactly one claim succeeds");
    assert_eq!(bulk_imports::find(c, id).await.unwrap().unwrap().status, "committing");

    let result = json!([{"row": 1, "login_id": "ada@example.com", "outcome": "invited"}]);
    let counts = Counts { rows: 1, invited: 1, resent: 0 };
    assert!(bulk_imports::finish(c, id, false, &result, counts, at(2)).await.unwrap());
    assert!(!bulk_imports::finish(c, id, true, &json!([]), counts, at(3)).await.unwrap(), "finished once");
    let done = bulk_imports::find(c, id).await.unwrap().unwrap();
    assert_eq!((done.status.as_str(), done.committed_at, done.input.as_str()), ("committed", Some(at(2)), ""));
    assert_eq!(done.result.map(|r| r.0), Some(result));
    let listed = bulk_imports::recent(c, None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    let s = &listed[0];
    assert_eq!((s.id, s.created_by_label.as_str(), s.status.as_str()), (id, "boss@example.com", "committed"));
    assert_eq!((s.row_count, s.invited_count, s.resent_count), (Some(1), Some(1), Some(0)));
    assert!(bulk_imports::find(c, Uuid::new_v4()).await.unwrap().is_none());
}

#[tokio::test]
async fn recent_imports_are_newest_first_within_the_viewers_tenant() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let boss = user(c, "boss@example.com", "Boss", "", UserStatus::Active, at(0)).await;
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let mut made = Vec::new();
    for (minute, tenant, failed) in
        [(1, None, false), (2, Some(north), true), (3, Some(north), false), (4, None, false)]
    {
        let id = preview(c, boss, tenant, minute).await;
        assert!(bulk_imports::claim(c, id).await.unwrap());
        bulk_imports::finish(c, id, failed, &json!([]), Counts::default(), at(minute)).await.unwrap();
        made.push(id);
    }
    preview(c, boss, Some(north), 5).await;

    let ids = |rows: Vec<bulk_imports::Summary>| rows.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(bulk_imports::recent(c, None, 10).await.unwrap()), [made[3], made[2], made[1], made[0]]);
    assert_eq!(ids(bulk_imports::recent(c, None, 2).await.unwrap()), [made[3], made[2]]);
    let in_north = bulk_imports::recent(c, Some(north), 10).await.unwrap();
    let statuses: Vec<&str> = in_north.iter().map(|s| s.status.as_str()).collect();
    assert_eq!((ids(in_north.clone()), statuses), (vec![made[2], made[1]], vec!["committed", "failed"]));
}

#[tokio::test]
async fn an_import_writes_every_row_past_one_statement() {
    const N: usize = 1_201;
    let t = fresh_db().await;
    let mut tx = t.db.begin().await.unwrap();
    let c = &mut tx.conn();
    let boss = user(c, "boss@example.com", "Boss", "", UserStatus::Active, at(0)).await;
    let logins: Vec<_> = (0..N).map(|n| login(&format!("person{n:04}@example.com"))).collect();
    let attributes = users::Attributes::new();
    let rows: Vec<(Uuid, users::NewUser<'_>)> = logins
        .iter()
        .map(|l| {
            let new = users::NewUser {
                login_id: l,
                given_name: "Bulk",
                family_name: "Person",
                custom_attributes: &attributes,
                status: UserStatus::Invited,
                invited_by: Some(boss),
                password_hash: None,
            };
            (Uuid::new_v4(), new)
        })
        .collect();
    users::insert_many(c, &rows, at(1)).await.unwrap();
    let invs: Vec<_> =
        rows.iter().map(|(id, new)| invitation(*id, new.login_id.as_str(), None, at(1), at(600))).collect();
    invitations::insert_many(c, &invs).await.unwrap();
    let links: Vec<invitations::NewLink> = invs
        .iter()
        .enumerate()
        .map(|(n, i)| invitations::NewLink { token_hash: format!("hash-{n}"), invitation_id: i.id, expires_at: at(60) })
        .collect();
    invitations::insert_links(c, &links, at(1)).await.unwrap();
    tx.commit().await.unwrap();

    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let q = ListQuery { status: Some(UserStatus::Invited), limit: 1, ..Default::default() };
    assert_eq!(user_list::list(c, &q).await.unwrap().1, N as i64, "every user is listed");
    let q = ListQuery { search: Some("person1200".into()), limit: 10, ..Default::default() };
    assert_eq!(user_list::list(c, &q).await.unwrap().0[0].login_id, "person1200@example.com", "and searchable");
    for n in [0, 499, 500, 999, 1000, N - 1] {
        let (_, found) = invitations::find_by_token_hash(c, &format!("hash-{n}")).await.unwrap().expect("link");
        assert_eq!((found.id, found.login_id.as_str()), (invs[n].id, logins[n].as_str()), "row {n}");
    }
    let all: Vec<String> = logins.iter().map(|l| l.as_str().to_string()).chain(["nobody@example.com".into()]).collect();
    assert_eq!(users::existing_login_ids(c, &all).await.unwrap().len(), N, "one query finds them all");
}
