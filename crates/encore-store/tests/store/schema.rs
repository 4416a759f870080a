//! The SQLite and PostgreSQL migrations must describe the same schema.

use encore_store::testing::{TestBackend, TestStore};
use sqlx::{Connection, Row};
use std::collections::BTreeSet;

/// (table, column, type family, not null) for every column of every Encore table.
type Shape = BTreeSet<(String, String, &'static str, bool)>;

fn family(column: &str, declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "integer",
        "boolean" => "boolean",
        "real" | "double precision" => "float",
        "timestamp with time zone" => "timestamp",
        // SQLite keeps timestamps as RFC 3339 text; by convention their columns end in `_at`.
        "text" if column.ends_with("_at") => "timestamp",
        "text" => "text",
        _ => "other",
    }
}

async fn sqlite_shape() -> Shape {
    let test = TestStore::new(TestBackend::Sqlite).await;
    let mut conn = sqlx::SqliteConnection::connect(&test.options.database_url)
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS tbl, c.name AS col, c.type AS ty, c.\"notnull\" AS nn, c.pk AS pk \
         FROM sqlite_master m JOIN pragma_table_info(m.name) c \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let col: String = r.get("col");
            let ty: String = r.get("ty");
            // An INTEGER PRIMARY KEY is NOT NULL in effect though the pragma does not say so.
            let not_null =
                r.get::<i64, _>("nn") == 1 || r.get::<i64, _>("pk") == 1 && ty == "INTEGER";
            (r.get("tbl"), col.clone(), family(&col, &ty), not_null)
        })
        .collect()
}

async fn postgres_shape() -> Shape {
    let url = encore_store::testing::fresh_pg_database().await;
    let options = encore_store::StoreOptions {
        database_url: url.clone(),
        media_dir: tempfile_dir(),
        pool: encore_store::PoolOptions::default(),
    };
    let store = encore_store::Store::open(&options).await.unwrap();
    store.migrate().await.unwrap();
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS tbl, column_name::text AS col, data_type::text AS ty, is_nullable::text AS nullable \
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let col: String = r.get("col");
            let ty: String = r.get("ty");
            (
                r.get("tbl"),
                col.clone(),
                family(&col, &ty),
                r.get::<String, _>("nullable") == "NO",
            )
        })
        .collect()
}

fn tempfile_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("encore-schema-{}", std::process::id()))
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_describe_the_same_schema() {
    let sqlite = sqlite_shape().await;
    let postgres = postgres_shape().await;
    assert!(sqlite.len() > 40, "expected a full schema, got {sqlite:?}");
    assert!(
        !sqlite.iter().any(|c| c.2 == "other"),
        "unexpected column type in SQLite: {sqlite:?}"
    );
    same("columns", &sqlite, &postgres);
}

/// Primary keys, unique constraints and indexes, and foreign keys with their delete rules: the
/// parts of a schema that decide what the database refuses and how fast it finds rows.
#[tokio::test]
async fn both_migrations_have_the_same_keys_foreign_keys_and_indexes() {
    let test = TestStore::new(TestBackend::Sqlite).await;
    let mut lite = sqlx::SqliteConnection::connect(&test.options.database_url)
        .await
        .unwrap();
    let url = encore_store::testing::fresh_pg_database().await;
    let options = encore_store::StoreOptions {
        database_url: url.clone(),
        media_dir: tempfile_dir(),
        pool: encore_store::PoolOptions::default(),
    };
    let store = encore_store::Store::open(&options).await.unwrap();
    store.migrate().await.unwrap();
    let mut pg = sqlx::PgConnection::connect(&url).await.unwrap();

    let (lite_keys, lite_indexes) = sqlite_keys_and_indexes(&mut lite).await;
    let (pg_keys, pg_indexes) = postgres_keys_and_indexes(&mut pg).await;
    assert!(lite_keys.len() >= 15, "{lite_keys:#?}");
    assert!(
        lite_indexes.iter().any(|i| i.1 == "lower(username)" && i.2),
        "expression indexes are read: {lite_indexes:#?}"
    );
    same("primary keys", &lite_keys, &pg_keys);
    same("unique constraints and indexes", &lite_indexes, &pg_indexes);
    let lite_fks = sqlite_foreign_keys(&mut lite).await;
    let pg_fks = postgres_foreign_keys(&mut pg).await;
    assert!(lite_fks.len() >= 15, "{lite_fks:#?}");
    same("foreign keys", &lite_fks, &pg_fks);
}

fn same<T: Ord + std::fmt::Debug>(what: &str, sqlite: &BTreeSet<T>, postgres: &BTreeSet<T>) {
    let only_sqlite: Vec<_> = sqlite.difference(postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "{what} differ\n only in SQLite: {only_sqlite:#?}\n only in PostgreSQL: {only_postgres:#?}"
    );
}

/// (table, key columns): one entry per table.
type Keys = BTreeSet<(String, String)>;
/// (table, key parts with their order, unique, partial).
type Indexes = BTreeSet<(String, String, bool, bool)>;
/// (table, columns, referenced table, referenced columns, on delete).
type ForeignKeys = BTreeSet<(String, String, String, String, String)>;

/// One spelling of an index's key parts on both backends: `site_id,published_at desc,lower(username)`
/// (PostgreSQL quotes names that are also keywords, such as `"position"`).
fn key_parts(parts: &str) -> String {
    parts
        .replace('"', "")
        .split(',')
        .map(|p| {
            p.split_whitespace()
                .filter(|w| !w.eq_ignore_ascii_case("asc"))
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The text between the first `(` after ` ON table ` and its matching `)`.
fn parenthesised_after_on(definition: &str) -> String {
    let lower = definition.to_ascii_lowercase();
    let on = lower.find(" on ").unwrap();
    let open = on + lower[on..].find('(').unwrap();
    let mut depth = 0;
    for (i, c) in definition[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return definition[open + 1..open + i].to_owned();
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced index definition: {definition}")
}

async fn sqlite_tables(conn: &mut sqlx::SqliteConnection) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(conn)
    .await
    .unwrap()
}

async fn sqlite_keys_and_indexes(conn: &mut sqlx::SqliteConnection) -> (Keys, Indexes) {
    let mut keys = Keys::new();
    let mut indexes = Indexes::new();
    for table in sqlite_tables(conn).await {
        let pk: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        keys.insert((table.clone(), pk.join(",")));
        let list = sqlx::query(
            "SELECT name, \"unique\" AS is_unique, origin, partial FROM pragma_index_list($1)",
        )
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        for index in list {
            let name: String = index.get("name");
            if index.get::<String, _>("origin") == "pk" {
                continue;
            }
            let sql: Option<String> = sqlx::query_scalar(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
            )
            .bind(&name)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            let parts = match sql {
                Some(sql) => parenthesised_after_on(&sql),
                // A UNIQUE constraint's automatic index has no SQL of its own.
                None => sqlx::query_scalar::<_, String>(
                    "SELECT name FROM pragma_index_info($1) ORDER BY seqno",
                )
                .bind(&name)
                .fetch_all(&mut *conn)
                .await
                .unwrap()
                .join(","),
            };
            indexes.insert((
                table.clone(),
                key_parts(&parts),
                index.get::<i64, _>("is_unique") == 1,
                index.get::<i64, _>("partial") == 1,
            ));
        }
    }
    (keys, indexes)
}

async fn postgres_keys_and_indexes(conn: &mut sqlx::PgConnection) -> (Keys, Indexes) {
    let rows = sqlx::query(
        "SELECT t.relname::text AS tbl, pg_get_indexdef(i.indexrelid) AS def, i.indisunique AS is_unique, \
                i.indisprimary AS is_primary, i.indpred IS NOT NULL AS partial \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname NOT LIKE '_sqlx%'",
    )
    .fetch_all(conn)
    .await
    .unwrap();
    let mut keys = Keys::new();
    let mut indexes = Indexes::new();
    for row in rows {
        let table: String = row.get("tbl");
        let parts = key_parts(&parenthesised_after_on(&row.get::<String, _>("def")));
        if row.get("is_primary") {
            keys.insert((table, parts));
        } else {
            indexes.insert((table, parts, row.get("is_unique"), row.get("partial")));
        }
    }
    (keys, indexes)
}

async fn sqlite_foreign_keys(conn: &mut sqlx::SqliteConnection) -> ForeignKeys {
    let mut fks = ForeignKeys::new();
    for table in sqlite_tables(conn).await {
        let rows = sqlx::query(
            "SELECT id, \"table\" AS target, \"from\" AS col, \"to\" AS target_col, on_delete \
             FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>, String)> =
            Default::default();
        for row in rows {
            let entry = by_id.entry(row.get("id")).or_insert_with(|| {
                (
                    row.get("target"),
                    Vec::new(),
                    Vec::new(),
                    row.get::<String, _>("on_delete").to_ascii_lowercase(),
                )
            });
            entry.1.push(row.get("col"));
            entry.2.push(row.get("target_col"));
        }
        for (_, (target, from, to, on_delete)) in by_id {
            fks.insert((
                table.clone(),
                from.join(","),
                target,
                to.join(","),
                on_delete,
            ));
        }
    }
    fks
}

async fn postgres_foreign_keys(conn: &mut sqlx::PgConnection) -> ForeignKeys {
    let rows = sqlx::query(
        "SELECT t.relname::text AS tbl, r.relname::text AS target, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n) \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n) \
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS target_cols, \
                c.confdeltype::text AS on_delete \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(conn)
    .await
    .unwrap();
    rows.iter()
        .map(|row| {
            let on_delete = match row.get::<String, _>("on_delete").as_str() {
                "c" => "cascade",
                "n" => "set null",
                "d" => "set default",
                "r" => "restrict",
                _ => "no action",
            };
            (
                row.get("tbl"),
                row.get("cols"),
                row.get("target"),
                row.get("target_cols"),
                on_delete.to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn both_migration_folders_have_the_same_files() {
    let names = |backend: &str| -> Vec<String> {
        let dir = std::path::Path::new(
            &std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into()),
        )
        .join("migrations")
        .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqlite"), names("postgres"));
}
