//! The database handle: one small enum over sqlx's native SQLite and
//! PostgreSQL pools (not the `Any` driver, which lacks chrono and uuid).
//!
//! SQL is written once with `$N` placeholders; both drivers accept it. The
//! [`on_conn!`] macro runs the same query expression against whichever
//! connection is active.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::{
    PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
    pool::PoolConnection,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A borrowed connection (from a pool or inside a transaction).
pub enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

/// An open transaction on either database.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A connection checked out of the pool, for reads outside a transaction.
pub enum PooledConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

/// Run `$body` with `$c` bound to the active `&mut` connection.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($c) => {
                let $c = &mut **$c;
                $body
            }
            $crate::store::Conn::Postgres($c) => {
                let $c = &mut **$c;
                $body
            }
        }
    };
}

impl Db {
    /// Connect to `DATABASE_URL`: `sqlite:` (created if missing, WAL, busy
    /// timeout) or `postgres://`.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .context("invalid sqlite DATABASE_URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // 8 MiB of page cache per connection keeps the users
                // table's indexes in memory at 100,000 users.
                .pragma("cache_size", "-8000");
            let pool = SqlitePoolOptions::new()
                // Readers run in parallel under WAL; more connections than
                // cores only add page caches that each hold the same pages.
                .max_connections(4)
                .connect_with(options)
                .await
                .context("cannot open the SQLite database")?;
            Ok(Self::Sqlite(pool))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Self::Postgres(pool))
        }
    }

    /// SQLite: rebuild the users search index from the users table. Its
    /// rows are matched by rowid, which `VACUUM` may renumber (the users
    /// table has a UUID key); `usher migrate` runs this.
    pub async fn rebuild_search_index(&self) -> anyhow::Result<()> {
        if let Self::Sqlite(pool) = self {
            sqlx::query("INSERT INTO users_fts (users_fts) VALUES ('rebuild')")
                .execute(pool)
                .await
                .context("rebuilding the search index")?;
        }
        Ok(())
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("database migration failed")
    }

    /// Start a transaction. On SQLite it is `BEGIN IMMEDIATE`, so a
    /// read-then-write transaction takes the write lock up front instead of
    /// failing with "database is locked" at its first write.
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Self::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn acquire(&self) -> anyhow::Result<PooledConn> {
        Ok(match self {
            Self::Sqlite(pool) => PooledConn::Sqlite(pool.acquire().await?),
            Self::Postgres(pool) => PooledConn::Postgres(pool.acquire().await?),
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    pub async fn ping(&self) -> bool {
        match self.acquire().await {
            Ok(mut c) => {
                on_conn!(&mut c.conn(), c => sqlx::query("SELECT 1").execute(c).await.map(|r| r.rows_affected()).is_ok())
            }
            Err(_) => false,
        }
    }
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(t) => Conn::Sqlite(&mut *t),
            Self::Postgres(t) => Conn::Postgres(&mut *t),
        }
    }

    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            Self::Sqlite(t) => t.commit().await?,
            Self::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl PooledConn {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(c) => Conn::Sqlite(&mut *c),
            Self::Postgres(c) => Conn::Postgres(&mut *c),
        }
    }
}

/// True when `err` is a unique-key violation (either database).
pub fn is_unique_violation(err: &anyhow::Error) -> bool {
    err.downcast_ref::<sqlx::Error>().and_then(|e| e.as_database_error()).is_some_and(|e| e.is_unique_violation())
}

/// Placeholders for a multi-row INSERT of `rows` rows of `cols` values:
/// `($1, $2), ($3, $4), …` on PostgreSQL, `(?, ?), (?, ?), …` on SQLite.
/// The one place SQL differs by driver for speed: SQLite looks numbered
/// parameters up by name in a list, which is quadratic in their count
/// (a 7,000-value insert spent most of its time there); positional `?`
/// costs nothing. Callers keep rows × cols under SQLite's limit of 32,766.
pub fn values_placeholders(c: &Conn<'_>, rows: usize, cols: usize) -> String {
    let sqlite = matches!(c, Conn::Sqlite(_));
    (0..rows)
        .map(|r| {
            let row: Vec<String> =
                (1..=cols).map(|i| if sqlite { "?".to_string() } else { format!("${}", r * cols + i) }).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Placeholders for `IN (…)` with `n` values (positional on SQLite, see
/// [`values_placeholders`]).
pub fn in_list(c: &Conn<'_>, n: usize) -> String {
    values_placeholders(c, 1, n).trim_start_matches('(').trim_end_matches(')').to_string()
}

/// A bind value of a dynamically built query (filters that are present).
#[derive(Clone, Debug)]
pub enum Arg {
    Text(String),
    Id(uuid::Uuid),
    Int(i64),
    Time(chrono::DateTime<chrono::Utc>),
}

/// Keyset pagination newest first (`ORDER BY created_at DESC, id DESC`),
/// as the API's lists page: the rows after `cursor`, the `(created_at, id)`
/// of the previous page's last row. `param` binds a value and returns its
/// placeholder; `alias` is the table's alias with its dot, or "".
pub(super) fn keyset_after(
    alias: &str,
    (at, id): (chrono::DateTime<chrono::Utc>, uuid::Uuid),
    mut param: impl FnMut(Arg) -> String,
) -> String {
    let (a, b, i) = (param(Arg::Time(at)), param(Arg::Time(at)), param(Arg::Id(id)));
    format!("({alias}created_at < {a} OR ({alias}created_at = {b} AND {alias}id < {i}))")
}

/// Bind `args` in order onto a query, for either driver.
#[macro_export]
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                // No stored text holds a NUL (PostgreSQL refuses it), so a filter
                // value with one matches as if it had none, never a 500.
                $crate::store::Arg::Text(v) => q.bind(v.replace('\0', "")),
                $crate::store::Arg::Id(v) => q.bind(*v),
                $crate::store::Arg::Int(v) => q.bind(*v),
                $crate::store::Arg::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// A multi-row statement, kept out of the prepared-statement cache: every
/// batch size is a different, large statement, and caching them per
/// connection costs memory for nothing.
pub fn batch_statement<'a, DB: sqlx::Database + sqlx::database::HasStatementCache>(
    sql: &str,
) -> sqlx::query::Query<'a, DB, <DB as sqlx::Database>::Arguments> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).persistent(false)
}
