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
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ\n only in SQLite: {only_sqlite:#?}\n only in PostgreSQL: {only_postgres:#?}"
    );
}

#[tokio::test]
async fn both_migration_folders_have_the_same_files() {
    let names = |backend: &str| -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
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
