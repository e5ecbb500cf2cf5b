//! Small stores: instance secrets, idempotency keys, sessions, account
//! settings, API keys.

use chrono::Duration;
use uuid::Uuid;

use usher::domain::user::UserStatus;
use usher::store::{api_keys, idempotency, is_unique_violation, secrets, sessions, settings};

use super::{at, fresh_db, user};

#[tokio::test]
async fn instances_starting_together_agree_on_one_secret() {
    let t = fresh_db().await;
    // As each instance does on start: its own transaction, its own candidate.
    let start = |candidate: String| {
        let db = t.db.clone();
        async move {
            let mut tx = db.begin().await.unwrap();
            let stored = secrets::get_or_insert(&mut tx.conn(), "cookie_key", &candidate).await.unwrap();
            tx.commit().await.unwrap();
            stored
        }
    };
    let candidates: Vec<String> = (0..6).map(|n| format!("candidate-{n}")).collect();
    let agreed = futures_util::future::join_all(candidates.iter().cloned().map(start)).await;
    assert!(candidates.contains(&agreed[0]), "one of the candidates won: {agreed:?}");
    assert!(agreed.iter().all(|v| *v == agreed[0]), "every instance reads the same value: {agreed:?}");

    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    assert_eq!(secrets::get_or_insert(c, "cookie_key", "late").await.unwrap(), agreed[0]);
    secrets::set(c, "cookie_key", "replaced").await.unwrap();
    assert_eq!(secrets::get(c, "cookie_key").await.unwrap().as_deref(), Some("replaced"));

    for name in ["setup_token_hash:aaa", "setup_token_hash:bbb", "setup_token_hashXccc", "setup_token_hash"] {
        secrets::set(c, name, "x").await.unwrap();
    }
    assert_eq!(secrets::delete_prefixed(c, secrets::SETUP_TOKEN_PREFIX).await.unwrap(), 2, "the prefix is literal");
    assert!(secrets::get(c, "setup_token_hashXccc").await.unwrap().is_some());
    assert!(secrets::delete(c, "setup_token_hash").await.unwrap());
    assert!(!secrets::delete(c, "setup_token_hash").await.unwrap());
    assert!(secrets::get(c, "setup_token_hash:aaa").await.unwrap().is_none());
}

#[tokio::test]
async fn an_idempotency_key_runs_the_work_once_and_replays_the_response() {
    let t = fresh_db().await;
    let (key_a, key_b) = (Uuid::new_v4(), Uuid::new_v4());
    let (mut a, mut b) = (t.conn().await, t.conn().await);
    let (mut ca, mut cb) = (a.conn(), b.conn());
    let (x, y) = tokio::join!(
        idempotency::reserve(&mut ca, key_a, "retry-1", "hash-1", at(0)),
        idempotency::reserve(&mut cb, key_a, "retry-1", "hash-1", at(0))
    );
    assert!(x.unwrap() ^ y.unwrap(), "two concurrent retries: one runs");

    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let stored = idempotency::find(c, key_a, "retry-1").await.unwrap().expect("reserved");
    assert_eq!((stored.status, stored.request_hash.as_str()), (0, "hash-1"), "in progress");
    assert!(idempotency::reserve(c, key_b, "retry-1", "hash-2", at(0)).await.unwrap(), "keys are per API key");
    idempotency::finish(c, key_a, "retry-1", 201, r#"{"id":"x"}"#).await.unwrap();
    let stored = idempotency::find(c, key_a, "retry-1").await.unwrap().unwrap();
    assert_eq!((stored.status, stored.body.as_str(), stored.created_at), (201, r#"{"id":"x"}"#, at(0)));

    idempotency::release(c, key_a, "retry-1").await.unwrap();
    assert!(idempotency::find(c, key_a, "retry-1").await.unwrap().is_some(), "a finished response is kept");
    idempotency::release(c, key_b, "retry-1").await.unwrap();
    assert!(idempotency::find(c, key_b, "retry-1").await.unwrap().is_none(), "a failed reservation is let go");
    assert!(idempotency::reserve(c, key_b, "retry-1", "hash-2", at(1)).await.unwrap(), "and can be retried");

    assert_eq!(idempotency::purge_before(c, at(1)).await.unwrap(), 1, "only the older one");
    assert!(idempotency::find(c, key_a, "retry-1").await.unwrap().is_none());
    assert!(idempotency::find(c, key_b, "retry-1").await.unwrap().is_some());
}

#[tokio::test]
async fn sessions_load_until_they_expire_and_log_out_everywhere() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let ada = user(c, "ada@example.com", "Ada", "", UserStatus::Active, at(0)).await;
    sessions::upsert(c, "laptop", Some(ada), r#"{"n":1}"#, at(60)).await.unwrap();
    sessions::upsert(c, "phone", Some(ada), "{}", at(60)).await.unwrap();
    sessions::upsert(c, "anonymous", None, "{}", at(60)).await.unwrap();

    assert_eq!(sessions::load(c, "laptop", at(59)).await.unwrap().as_deref(), Some(r#"{"n":1}"#));
    assert!(sessions::load(c, "laptop", at(60)).await.unwrap().is_none(), "expired at its expiry");
    sessions::upsert(c, "laptop", Some(ada), r#"{"n":2}"#, at(60)).await.unwrap();
    assert_eq!(sessions::load(c, "laptop", at(0)).await.unwrap().as_deref(), Some(r#"{"n":2}"#), "replaced");
    sessions::touch(c, "laptop", at(120)).await.unwrap();
    assert!(sessions::load(c, "laptop", at(90)).await.unwrap().is_some(), "extended");
    assert!(sessions::load(c, "nobody", at(0)).await.unwrap().is_none());

    assert_eq!(sessions::purge_expired(c, at(60)).await.unwrap(), 2, "phone and anonymous ran out");
    sessions::upsert(c, "tablet", Some(ada), "{}", at(180)).await.unwrap();
    assert_eq!(sessions::delete_for_user(c, ada).await.unwrap(), 2);
    assert!(sessions::load(c, "laptop", at(0)).await.unwrap().is_none());
    sessions::upsert(c, "again", None, "{}", at(60)).await.unwrap();
    sessions::delete(c, "again").await.unwrap();
    assert!(sessions::load(c, "again", at(0)).await.unwrap().is_none());
}

#[tokio::test]
async fn account_settings_start_with_the_defaults_and_keep_what_is_saved() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let s = settings::get(c).await.unwrap();
    assert_eq!((s.account_name.as_str(), s.default_lang.as_str()), ("Usher", "en"));
    assert_eq!((s.invitation_lifetime, s.link_lifetime), (Duration::days(7), Duration::days(7)));
    assert_eq!(
        (s.resend_cooldown, s.invites_per_inviter_per_day, s.audit_retention_days),
        (Duration::seconds(60), 0, 365)
    );

    let saved = settings::AccountSettings {
        account_name: "Zoë's Café".into(),
        invitation_lifetime: Duration::days(30),
        link_lifetime: Duration::hours(1),
        resend_cooldown: Duration::minutes(5),
        default_lang: "de".into(),
        invites_per_inviter_per_day: 50,
        audit_retention_days: 90,
    };
    settings::update(c, &saved).await.unwrap();
    let s = settings::get(c).await.unwrap();
    assert_eq!(
        (s.account_name, s.invitation_lifetime, s.link_lifetime),
        (saved.account_name, saved.invitation_lifetime, saved.link_lifetime)
    );
    assert_eq!(
        (s.resend_cooldown, s.default_lang, s.invites_per_inviter_per_day),
        (saved.resend_cooldown, saved.default_lang, 50)
    );
    assert_eq!(s.audit_retention_days, 90);
}

#[tokio::test]
async fn an_api_key_is_found_by_its_hash_until_revoked() {
    let t = fresh_db().await;
    let mut pc = t.conn().await;
    let c = &mut pc.conn();
    let new = |name: &'static str, hash: &'static str| api_keys::NewKey {
        name,
        prefix: "usk_1234",
        key_hash: hash,
        role: "user_invite",
        tenant_id: None,
        created_by: None,
        expires_at: Some(at(600)),
    };
    let first = api_keys::insert(c, &new("First", "hash-1"), at(0)).await.unwrap();
    let second = api_keys::insert(c, &new("Second", "hash-2"), at(1)).await.unwrap();
    let taken = api_keys::insert(c, &new("Copy", "hash-1"), at(2)).await.unwrap_err();
    assert!(is_unique_violation(&taken), "two keys cannot share a hash: {taken:#}");

    let found = api_keys::find_by_hash(c, "hash-1").await.unwrap().expect("found");
    assert_eq!((found.id, found.name.as_str(), found.expires_at), (first, "First", Some(at(600))));
    assert!(found.usable(at(599)) && !found.usable(at(600)));
    let names: Vec<String> = api_keys::list(c).await.unwrap().into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["Second", "First"], "newest first");

    api_keys::touch(c, first, at(10)).await.unwrap();
    api_keys::touch(c, first, at(10) + Duration::seconds(30)).await.unwrap();
    let used = api_keys::find_by_hash(c, "hash-1").await.unwrap().unwrap().last_used_at;
    assert_eq!(used, Some(at(10)), "use is recorded at most once a minute");
    api_keys::touch(c, first, at(12)).await.unwrap();
    assert_eq!(api_keys::find_by_hash(c, "hash-1").await.unwrap().unwrap().last_used_at, Some(at(12)));

    assert!(api_keys::revoke(c, second, at(20)).await.unwrap());
    assert!(!api_keys::revoke(c, second, at(21)).await.unwrap(), "revoked once");
    let revoked = api_keys::find_by_hash(c, "hash-2").await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(at(20)));
    assert!(!revoked.usable(at(21)));
}
