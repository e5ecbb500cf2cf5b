//! Reading the audit log: filters (an entry about several tenants is seen
//! in each), order, paging, retention. Entries are written with plain SQL
//! so that these tests do not depend on how the writer is shaped.

use uuid::Uuid;

use usher::store::audit::{self, Filter};
use usher::store::{Arg, Conn, tenants};

use super::{at, exec, fresh_db};

/// One entry; `tenants` are the tenants it concerns, the first in
/// `audit_log.tenant_id`, every one in `audit_log_tenants` when several.
async fn entry(c: &mut Conn<'_>, minute: i64, actor: &str, action: &str, target: &str, tenants: &[Uuid]) {
    let id = Uuid::new_v4();
    let mut args = vec![
        Arg::Id(id),
        Arg::Time(at(minute)),
        Arg::Text(actor.into()),
        Arg::Text(action.into()),
        Arg::Text(target.into()),
    ];
    let sql = match tenants.first() {
        Some(t) => {
            args.push(Arg::Id(*t));
            "INSERT INTO audit_log (id, at, actor, action, target, tenant_id) VALUES ($1, $2, $3, $4, $5, $6)"
        }
        None => "INSERT INTO audit_log (id, at, actor, action, target) VALUES ($1, $2, $3, $4, $5)",
    };
    exec(c, sql, &args).await;
    if tenants.len() > 1 {
        for t in tenants {
            exec(c, "INSERT INTO audit_log_tenants (audit_id, tenant_id) VALUES ($1, $2)", &[Arg::Id(id), Arg::Id(*t)])
                .await;
        }
    }
}

/// The targets listed (newest first), checking the total against them.
async fn targets(c: &mut Conn<'_>, f: &Filter) -> Vec<String> {
    let (rows, total) = audit::list(c, f, 0, 100).await.unwrap();
    assert_eq!(total as usize, rows.len(), "{f:?}: the total counts what is listed");
    rows.into_iter().map(|e| e.target).collect()
}

#[tokio::test]
async fn the_audit_log_filters_by_tenant_actor_action_target_and_time() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let south = tenants::insert(c, "South", "south", at(0)).await.unwrap();
    entry(c, 1, "ada@example.com", "invitation.created", "e1@example.com", &[north]).await;
    entry(c, 2, "API key: Zoë's ROBOT", "user.updated", "e2@example.com", &[north, south]).await;
    entry(c, 3, "system", "invitation.expired", "e3@example.com", &[south]).await;
    entry(c, 4, "admin@example.com", "tenant.updated", "Sale 50%_off", &[]).await;

    let f = Filter::default;
    let cases: Vec<(Filter, &[&str])> = vec![
        (f(), &["Sale 50%_off", "e3@example.com", "e2@example.com", "e1@example.com"]),
        (Filter { tenant: Some(south), ..f() }, &["e3@example.com", "e2@example.com"]),
        (Filter { tenant: Some(north), ..f() }, &["e2@example.com", "e1@example.com"]),
        (Filter { actor: Some("ROBOT".into()), ..f() }, &["e2@example.com"]),
        (Filter { actor: Some("zoë".into()), ..f() }, &["e2@example.com"]),
        (Filter { actor: Some("ada@".into()), ..f() }, &["e1@example.com"]),
        (Filter { action: Some("invitation.created".into()), ..f() }, &["e1@example.com"]),
        (Filter { action: Some("invitation".into()), ..f() }, &[]),
        (Filter { target: Some("%".into()), ..f() }, &["Sale 50%_off"]),
        (Filter { target: Some("_off".into()), ..f() }, &["Sale 50%_off"]),
        (Filter { target: Some("E3@EXAMPLE".into()), ..f() }, &["e3@example.com"]),
        (Filter { from: Some(at(2)), to: Some(at(4)), ..f() }, &["e3@example.com", "e2@example.com"]),
        (Filter { tenant: Some(south), from: Some(at(3)), ..f() }, &["e3@example.com"]),
    ];
    for (filter, want) in cases {
        assert_eq!(targets(c, &filter).await, want, "{filter:?}");
    }

    let (rows, _) = audit::list(c, &Filter { tenant: Some(south), ..f() }, 0, 100).await.unwrap();
    assert!(rows.iter().all(|e| e.tenant_id == Some(south)), "listed for South, the entries name South");
    let (first, total) = audit::list(c, &f(), 0, 2).await.unwrap();
    let (second, again) = audit::list(c, &f(), 2, 2).await.unwrap();
    let paged: Vec<&str> = first.iter().chain(&second).map(|e| e.target.as_str()).collect();
    assert_eq!(paged, ["Sale 50%_off", "e3@example.com", "e2@example.com", "e1@example.com"]);
    assert_eq!((total, again), (4, 4));
}

#[tokio::test]
async fn retention_removes_old_entries_with_their_tenants() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let north = tenants::insert(c, "North", "north", at(0)).await.unwrap();
    let south = tenants::insert(c, "South", "south", at(0)).await.unwrap();
    entry(c, 1, "system", "user.updated", "old", &[north, south]).await;
    entry(c, 2, "system", "user.updated", "new", &[south, north]).await;
    assert_eq!(audit::purge_before(c, at(2)).await.unwrap(), 1);
    assert_eq!(targets(c, &Filter { tenant: Some(north), ..Filter::default() }).await, ["new"]);
    assert_eq!(targets(c, &Filter { tenant: Some(south), ..Filter::default() }).await, ["new"]);
    // The old entry's tenant rows went with it (the foreign key cascades).
    let left: i64 =
        usher::on_conn!(c, c => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log_tenants").fetch_one(c).await)
            .unwrap();
    assert_eq!(left, 2, "only the remaining entry's two tenants");
}
