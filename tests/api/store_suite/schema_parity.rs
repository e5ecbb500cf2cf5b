//! The two migration folders must build one logical schema. This test
//! migrates a fresh SQLite and a fresh PostgreSQL database and compares
//! what each catalog says: tables, columns (types in a common
//! vocabulary) and their nullability, primary keys, unique constraints,
//! indexes (name, columns, unique or not) and foreign keys. It needs
//! `USHER_TEST_POSTGRES`, so CI's PostgreSQL run is the one that checks.

use std::collections::BTreeSet;

use sqlx::{PgPool, SqlitePool};
use usher::store::Db;

use super::migrated;
use crate::helpers;

/// Search is built differently on purpose: an FTS5 table (and its shadow
/// tables `users_fts_*`) on SQLite, a pg_trgm GIN index on PostgreSQL.
/// Each must exist on its side; neither is compared.
const SQLITE_SEARCH_TABLE: &str = "users_fts";
const POSTGRES_SEARCH_INDEX: &str = "users_search_trgm";
/// sqlx's own bookkeeping, not the application's schema.
const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

/// One database's schema as comparable lines (`table: what`), and the
/// search objects set aside.
#[derive(Default)]
struct Schema {
    lines: BTreeSet<String>,
    search: BTreeSet<String>,
}

#[tokio::test]
async fn both_migration_folders_build_the_same_schema() {
    let Some(server) = helpers::postgres_server() else {
        eprintln!(
            "schema parity: SKIPPED — set USHER_TEST_POSTGRES to compare the schemas that migrations/sqlite and \
             migrations/postgres build (CI's PostgreSQL run does)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Db::Sqlite(sqlite) = migrated(&helpers::sqlite_database(&dir)).await else { unreachable!() };
    let Db::Postgres(postgres) = migrated(&helpers::fresh_postgres_database(&server).await).await else {
        unreachable!()
    };
    let (s, p) = (sqlite_schema(&sqlite).await, postgres_schema(&postgres).await);
    assert!(s.search.contains(SQLITE_SEARCH_TABLE), "SQLite has its search table: {:?}", s.search);
    assert!(p.search.contains(POSTGRES_SEARCH_INDEX), "PostgreSQL has its search index: {:?}", p.search);
    assert!(s.lines.iter().any(|l| l.starts_with("users: column")), "the comparison read the catalogs");

    let only_sqlite: Vec<&String> = s.lines.difference(&p.lines).collect();
    let only_postgres: Vec<&String> = p.lines.difference(&s.lines).collect();
    let list = |lines: &[&String]| lines.iter().map(|l| format!("\n    {l}")).collect::<String>();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the SQLite and PostgreSQL schemas differ\n  only in SQLite (migrations/sqlite):{}\n  only in PostgreSQL \
         (migrations/postgres):{}",
        list(&only_sqlite),
        list(&only_postgres)
    );
}

/// SQLite's declared types in the common vocabulary. Timestamps (RFC 3339)
/// and JSON documents are TEXT; UUIDs are 16-byte BLOBs.
fn sqlite_type(declared: &str) -> String {
    match declared.to_ascii_uppercase().as_str() {
        "TEXT" => "text".into(),
        "BLOB" => "uuid".into(),
        "BOOLEAN" => "boolean".into(),
        "BIGINT" => "bigint".into(),
        "INTEGER" => "integer".into(),
        other => format!("unmapped SQLite type {other}"),
    }
}

/// PostgreSQL's types in the common vocabulary: what SQLite stores as text
/// (timestamptz, jsonb) reads as text, so a mix-up between those shows in
/// the store suite (a value fails to decode), not here.
fn postgres_type(udt: &str) -> String {
    match udt {
        "text" | "varchar" | "timestamptz" | "jsonb" => "text".into(),
        "uuid" => "uuid".into(),
        "bool" => "boolean".into(),
        "int8" => "bigint".into(),
        "int4" => "integer".into(),
        other => format!("unmapped PostgreSQL type {other}"),
    }
}

fn null(nullable: bool) -> &'static str {
    if nullable { "NULL" } else { "NOT NULL" }
}

/// Index lines. Sort direction is not compared: SQLite walks an ascending
/// index backwards (NULLs already last) where PostgreSQL spells
/// `DESC NULLS LAST` out.
fn index_line(table: &str, name: &str, unique: bool, columns: &[String]) -> String {
    format!("{table}: {}index {name} ({})", if unique { "unique " } else { "" }, columns.join(", "))
}

async fn sqlite_schema(pool: &SqlitePool) -> Schema {
    let mut schema = Schema::default();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables.into_iter().filter(|t| t != MIGRATIONS_TABLE) {
        if table.starts_with(SQLITE_SEARCH_TABLE) {
            schema.search.insert(table);
            continue;
        }
        let lines = &mut schema.lines;
        lines.insert(format!("{table}: table"));
        let columns: Vec<(String, String, i64, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
        // A PRIMARY KEY column is NOT NULL on PostgreSQL; SQLite's (a
        // legacy quirk) would take a NULL, which no statement writes.
        for (name, declared, not_null, pk) in &columns {
            lines.insert(format!(
                "{table}: column {name} {} {}",
                sqlite_type(declared),
                null(*not_null == 0 && *pk == 0)
            ));
        }
        let mut pk: Vec<&(String, String, i64, i64)> = columns.iter().filter(|c| c.3 > 0).collect();
        pk.sort_by_key(|c| c.3);
        if !pk.is_empty() {
            let names: Vec<&str> = pk.iter().map(|c| c.0.as_str()).collect();
            lines.insert(format!("{table}: primary key ({})", names.join(", ")));
        }
        let indexes: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
        for (name, unique, origin) in indexes {
            let cols: Vec<Option<String>> = sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&name)
                .fetch_all(pool)
                .await
                .unwrap();
            let cols: Vec<String> = cols.into_iter().map(|c| c.unwrap_or_else(|| "<expression>".into())).collect();
            match origin.as_str() {
                "pk" => {} // the primary key line says it
                "u" => {
                    lines.insert(format!("{table}: unique ({})", cols.join(", ")));
                }
                _ => {
                    lines.insert(index_line(&table, &name, unique != 0, &cols));
                }
            }
        }
        let keys: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let ids: BTreeSet<i64> = keys.iter().map(|k| k.0).collect();
        for id in ids {
            let parts: Vec<_> = keys.iter().filter(|k| k.0 == id).collect();
            let from: Vec<&str> = parts.iter().map(|k| k.2.as_str()).collect();
            let to: Vec<&str> = parts.iter().map(|k| k.3.as_deref().unwrap_or("<primary key>")).collect();
            let (target, on_delete) = (&parts[0].1, &parts[0].4);
            lines.insert(foreign_key_line(&table, &from, target, &to, on_delete));
        }
    }
    schema
}

fn foreign_key_line(table: &str, from: &[&str], target: &str, to: &[&str], on_delete: &str) -> String {
    format!(
        "{table}: foreign key ({}) references {target} ({}) on delete {}",
        from.join(", "),
        to.join(", "),
        on_delete.to_lowercase()
    )
}

/// An index on PostgreSQL, with what backs it.
#[derive(sqlx::FromRow)]
struct PgIndex {
    table: String,
    name: String,
    unique: bool,
    primary: bool,
    /// It backs a UNIQUE constraint (not one made by CREATE UNIQUE INDEX).
    constraint: bool,
    columns: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct PgForeignKey {
    table: String,
    columns: Vec<String>,
    target: String,
    target_columns: Vec<String>,
    on_delete: String,
}

async fn postgres_schema(pool: &PgPool) -> Schema {
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.udt_name::text, c.is_nullable::text
         FROM information_schema.columns c JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let lines = &mut schema.lines;
    for (table, column, udt, nullable) in columns.into_iter().filter(|c| c.0 != MIGRATIONS_TABLE) {
        lines.insert(format!("{table}: table"));
        lines.insert(format!("{table}: column {column} {} {}", postgres_type(&udt), null(nullable == "YES")));
    }
    // Every index on the schema's tables, with what backs it.
    let indexes: Vec<PgIndex> = sqlx::query_as(
        "SELECT t.relname::text AS table, ic.relname::text AS name, i.indisunique AS unique, i.indisprimary AS primary,
             EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u') AS constraint,
             ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(num, pos)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos) AS columns
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for PgIndex { table, name, unique, primary, constraint, columns: cols } in indexes {
        if table == MIGRATIONS_TABLE {
            continue;
        }
        if name == POSTGRES_SEARCH_INDEX {
            schema.search.insert(name);
        } else if primary {
            lines.insert(format!("{table}: primary key ({})", cols.join(", ")));
        } else if constraint {
            lines.insert(format!("{table}: unique ({})", cols.join(", ")));
        } else {
            lines.insert(index_line(&table, &name, unique, &cols));
        }
    }
    let keys: Vec<PgForeignKey> = sqlx::query_as(
        "SELECT t.relname::text AS table,
             ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS x(num, pos)
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.num ORDER BY x.pos) AS columns,
             r.relname::text AS target,
             ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY AS x(num, pos)
                   JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.num ORDER BY x.pos) AS target_columns,
             CASE k.confdeltype WHEN 'c' THEN 'cascade' WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default'
                                WHEN 'r' THEN 'restrict' ELSE 'no action' END AS on_delete
         FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = k.connamespace WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for k in keys {
        let (from, to): (Vec<&str>, Vec<&str>) =
            (k.columns.iter().map(String::as_str).collect(), k.target_columns.iter().map(String::as_str).collect());
        lines.insert(foreign_key_line(&k.table, &from, &k.target, &to, &k.on_delete));
    }
    schema
}
