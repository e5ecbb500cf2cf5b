//! `usher seed`: fill a database with realistic fake people, for
//! benchmarks and demos. Writes in large multi-row statements.

use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::domain::token::Token;
use crate::on_conn;
use crate::store::{Conn, Db, users::Listing, values_placeholders};

const GIVEN: [&str; 16] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia", "Dennis",
    "Hedy", "Tim", "Sophie", "Linus",
];
const FAMILY: [&str; 16] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Backus",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "Torvalds",
];
const BATCH: usize = 500;

/// Insert `count` users (60% active, 30% invited with a pending invitation,
/// 5% invite_expired, 5% disabled), spread over `tenants` tenants.
pub async fn seed(db: &Db, count: usize, tenants: usize) -> anyhow::Result<()> {
    // `usher seed` runs outside the application, on the real time.
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let mut tenant_ids = Vec::new();
    for t in 0..tenants {
        let id = Uuid::new_v4();
        let sql = "INSERT INTO tenants (id, name, slug, disabled, created_at, allowed_domains) VALUES ($1, $2, $3, FALSE, $4, '')";
        let slug = format!("seed-{}-{t}", &id.simple().to_string()[..6]);
        on_conn!(&mut tx.conn(), c => sqlx::query(sql).bind(id).bind(format!("Tenant {t}")).bind(slug).bind(now).execute(c).await.map(|_| ()))?;
        tenant_ids.push(id);
    }
    tx.commit().await?;
    let run = Uuid::new_v4().simple().to_string()[..6].to_string();
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let mut tx = db.begin().await?;
        let mut c = tx.conn();
        let rows: Vec<Person> = (start..end).map(|i| Person::new(i, &run, now, &tenant_ids)).collect();
        insert_users(&mut c, &rows).await?;
        insert_login_ids(&mut c, &rows).await?;
        insert_memberships(&mut c, &rows).await?;
        insert_invitations(&mut c, &rows).await?;
        tx.commit().await?;
    }
    // PostgreSQL: what autovacuum would do soon anyway — statistics for the
    // planner, and all-visible pages for index-only counts. (SQLite plans
    // the users table's queries well without statistics.)
    if db.is_postgres() {
        on_conn!(&mut db.acquire().await?.conn(), c => sqlx::query("VACUUM ANALYZE").execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

struct Person {
    id: Uuid,
    login: String,
    given: &'static str,
    family: &'static str,
    status: &'static str,
    created_at: chrono::DateTime<Utc>,
    last_login: Option<chrono::DateTime<Utc>>,
    tenant: Option<Uuid>,
    listing: Listing,
}

impl Person {
    fn new(i: usize, run: &str, now: chrono::DateTime<Utc>, tenants: &[Uuid]) -> Self {
        let given = GIVEN[i % GIVEN.len()];
        let family = FAMILY[(i / GIVEN.len()) % FAMILY.len()];
        let login = format!("{}.{}.{i}.{run}@example.com", given.to_lowercase(), family.to_lowercase());
        let status = match i % 20 {
            0..=11 => "active",
            12..=17 => "invited",
            18 => "invite_expired",
            _ => "disabled",
        };
        let listing = Listing::of(&[login.as_str()], given, family, "", None);
        Self {
            id: Uuid::new_v4(),
            given,
            family,
            status,
            created_at: now - Duration::minutes(i as i64),
            last_login: (status == "active").then(|| now - Duration::minutes((i * 7 % 10_000) as i64)),
            tenant: (!tenants.is_empty()).then(|| tenants[i % tenants.len()]),
            login,
            listing,
        }
    }
}

async fn insert_users(c: &mut Conn<'_>, rows: &[Person]) -> anyhow::Result<()> {
    let sql = format!(
        "INSERT INTO users (id, given_name, family_name, status, created_at, updated_at, last_login_at, primary_login_id, sort_name, search_text) VALUES {}",
        values_placeholders(c, rows.len(), 10)
    );
    on_conn!(c, c => {
        let mut q = crate::store::batch_statement(&sql);
        for p in rows {
            q = q.bind(p.id).bind(p.given).bind(p.family).bind(p.status).bind(p.created_at).bind(p.created_at)
                .bind(p.last_login).bind(&p.listing.primary_login_id).bind(&p.listing.sort_name).bind(&p.listing.search_text);
        }
        q.execute(c).await.map(|_| ())
    })?;
    Ok(())
}

async fn insert_login_ids(c: &mut Conn<'_>, rows: &[Person]) -> anyhow::Result<()> {
    let sql = format!(
        "INSERT INTO login_ids (value, user_id, kind, created_at) VALUES {}",
        values_placeholders(c, rows.len(), 4)
    );
    on_conn!(c, c => {
        let mut q = crate::store::batch_statement(&sql);
        for p in rows {
            q = q.bind(&p.login).bind(p.id).bind("email").bind(p.created_at);
        }
        q.execute(c).await.map(|_| ())
    })?;
    Ok(())
}

async fn insert_memberships(c: &mut Conn<'_>, rows: &[Person]) -> anyhow::Result<()> {
    let members: Vec<&Person> = rows.iter().filter(|p| p.tenant.is_some() && p.status == "active").collect();
    if members.is_empty() {
        return Ok(());
    }
    let sql =
        format!("INSERT INTO user_tenants (user_id, tenant_id) VALUES {}", values_placeholders(c, members.len(), 2));
    on_conn!(c, c => {
        let mut q = crate::store::batch_statement(&sql);
        for p in &members {
            q = q.bind(p.id).bind(p.tenant);
        }
        q.execute(c).await.map(|_| ())
    })?;
    Ok(())
}

async fn insert_invitations(c: &mut Conn<'_>, rows: &[Person]) -> anyhow::Result<()> {
    let invited: Vec<&Person> = rows.iter().filter(|p| p.status != "disabled").collect();
    let sql = format!(
        "INSERT INTO invitations (id, user_id, tenant_id, status, login_id, channel, template_key, lang, grants, created_at, expires_at, resent_count, sent_at) VALUES {}",
        values_placeholders(c, invited.len(), 13)
    );
    let link_sql = format!(
        "INSERT INTO invitation_links (token_hash, invitation_id, state, created_at, expires_at) VALUES {}",
        values_placeholders(c, invited.len(), 5)
    );
    let ids: Vec<Uuid> = invited.iter().map(|_| Uuid::new_v4()).collect();
    let status = |p: &Person| match p.status {
        "active" => "accepted",
        "invited" => "pending",
        _ => "expired",
    };
    let expires = |p: &Person| if p.status == "invited" { p.created_at + Duration::days(7) } else { p.created_at };
    let grants = serde_json::json!({ "roles": [], "tenants": [] });
    on_conn!(c, c => {
        let mut q = crate::store::batch_statement(&sql);
        for (p, id) in invited.iter().zip(&ids) {
            q = q.bind(*id).bind(p.id).bind(p.tenant).bind(status(p)).bind(&p.login).bind("email").bind("invite").bind("en")
                .bind(sqlx::types::Json(&grants)).bind(p.created_at).bind(expires(p)).bind(0i64).bind(p.created_at);
        }
        q.execute(&mut *c).await.map(|_| ())
    })?;
    on_conn!(c, c => {
        let mut q = crate::store::batch_statement(&link_sql);
        for (p, id) in invited.iter().zip(&ids) {
            let state = if p.status == "invited" { "live" } else { "used" };
            q = q.bind(Token::generate().hash()).bind(*id).bind(state).bind(p.created_at).bind(expires(p));
        }
        q.execute(c).await.map(|_| ())
    })?;
    Ok(())
}
