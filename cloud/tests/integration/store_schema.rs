//! The two schemas stay in step: every table, column, type, nullability and
//! index the SQLite migrations make, the PostgreSQL ones make too, at the
//! same migration versions. Needs the PostgreSQL server `./run test`
//! starts (`ROOMCLOUD_TEST_POSTGRES`).

use std::collections::BTreeMap;
use std::str::FromStr;

use roomcloud::store::{create_database, Store};
use sqlx::Connection;

/// Columns whose SQLite INTEGER holds a boolean (PostgreSQL BOOLEAN).
const BOOLEAN_COLUMNS: &[(&str, &str)] = &[("meetings", "join_before_host")];

/// (table, column) → (type class, nullable).
type Columns = BTreeMap<(String, String), (String, bool)>;

struct Schema {
    columns: Columns,
    indexes: Vec<String>,
    versions: Vec<i64>,
}

fn postgres_server() -> String {
    std::env::var("ROOMCLOUD_TEST_POSTGRES").expect(
        "this test needs PostgreSQL: run it through ./run test (which starts one on loopback), \
         or set ROOMCLOUD_TEST_POSTGRES to a server URL whose user may create databases",
    )
}

async fn sqlite_schema(dir: &std::path::Path) -> Schema {
    Store::open(dir, None).await.unwrap();
    let url = format!("sqlite://{}", dir.join("roomcloud.db").display());
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap();
    let mut db = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let mut columns = Columns::new();
    for table in tables {
        let rows: Vec<(String, String, bool, i64)> =
            sqlx::query_as("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&mut db)
                .await
                .unwrap();
        for (column, declared, not_null, pk) in rows {
            let class = if BOOLEAN_COLUMNS.contains(&(table.as_str(), column.as_str())) {
                "boolean".to_string()
            } else {
                declared.to_lowercase()
            };
            // An INTEGER PRIMARY KEY is the row id: never NULL.
            columns.insert((table.clone(), column), (class, !not_null && pk == 0));
        }
    }
    let mut indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    indexes.sort();
    let versions = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut db)
        .await
        .unwrap();
    Schema {
        columns,
        indexes,
        versions,
    }
}

async fn postgres_schema(url: &str) -> Schema {
    Store::open(std::path::Path::new("/nonexistent"), Some(url))
        .await
        .unwrap();
    let mut db = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx_%'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        .map(|(table, column, data_type, nullable)| {
            // SQLite's INTEGER is 64-bit, and the rows read i64: BIGINT.
            let class = match data_type.as_str() {
                "bigint" => "integer".to_string(),
                "integer" | "smallint" => format!("{data_type} (narrower than SQLite's)"),
                other => other.to_string(),
            };
            ((table, column), (class, nullable == "YES"))
        })
        .collect();
    // Explicit indexes only: those of keys and UNIQUE constraints are named
    // by each engine its own way.
    let mut indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::text FROM pg_indexes WHERE schemaname = 'public'
         AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    indexes.sort();
    let versions = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut db)
        .await
        .unwrap();
    Schema {
        columns,
        indexes,
        versions,
    }
}

#[tokio::test]
async fn the_postgres_migrations_make_the_same_schema_as_the_sqlite_ones() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = sqlite_schema(dir.path()).await;
    let name = format!("schema_{:016x}", rand::random::<u64>());
    let url = create_database(&postgres_server(), &name).await.unwrap();
    let postgres = postgres_schema(&url).await;

    assert_eq!(sqlite.versions, postgres.versions, "migration versions");
    assert!(sqlite.columns.len() > 60, "{:?}", sqlite.columns.keys());
    for (key, want) in &sqlite.columns {
        assert_eq!(
            postgres.columns.get(key),
            Some(want),
            "{key:?} (SQLite: {want:?})"
        );
    }
    for key in postgres.columns.keys() {
        assert!(
            sqlite.columns.contains_key(key),
            "{key:?} only in PostgreSQL"
        );
    }
    assert_eq!(sqlite.indexes, postgres.indexes, "indexes");
}
