//! The versioned schema: a database from before versioning is upgraded and its rows
//! re-indexed; processes starting together on a fresh database migrate it once.

use scim_provider::{ListQuery, RequestContext, ResourceProvider};
use scim_schema::Filter;
use scim_sql::{SCHEMA_VERSION, SqlProvider};
use serde_json::json;
use sqlx::{Connection, Executor};

fn temp_sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!(
        "scim-sql-migrations-{}.db",
        scim_provider::new_id().expect("randomness")
    ));
    format!("sqlite://{}?mode=rwc", path.display())
}

async fn user_names(provider: &SqlProvider, ctx: &RequestContext, filter: &str) -> Vec<String> {
    let mut query = ListQuery::new();
    query.filter = Some(Filter::parse(filter).unwrap());
    let page = provider.list(ctx, "User", &query).await.unwrap();
    page.resources
        .iter()
        .map(|r| r.resource()["userName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_database_from_before_versioning_is_upgraded_and_reindexed() {
    let url = temp_sqlite_url();
    let ctx = RequestContext::new("t");
    let group = {
        let provider = SqlProvider::connect(&url).await.unwrap();
        let mut ids = Vec::new();
        for (name, display, email) in [
            ("bjensen", "Barbara Jensen", "bjensen@Example.org"),
            ("jsmith", "John Smith", "john@example.com"),
        ] {
            let user = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": name,
                "displayName": display,
                "emails": [{"value": email}],
            });
            let created = provider.create(&ctx, "User", user).await.unwrap();
            ids.push(created.id().unwrap().to_owned());
        }
        let group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Staff",
            "members": [{"value": ids[0]}],
        });
        let group = provider.create(&ctx, "Group", group).await.unwrap();
        group.id().unwrap().to_owned()
    };
    // Back to the first release's schema: no display_name or display, no emails, no
    // counts, no versions.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    for statement in [
        "DROP TABLE scim_emails",
        "DROP TRIGGER scim_counts_insert",
        "DROP TRIGGER scim_counts_delete",
        "DROP TABLE scim_counts",
        "DROP INDEX scim_members_position",
        "DROP INDEX scim_resources_display_name",
        "ALTER TABLE scim_resources DROP COLUMN display_name",
        "ALTER TABLE scim_resources DROP COLUMN display",
        "ALTER TABLE scim_members DROP COLUMN display",
        "DROP TABLE scim_migrations",
    ] {
        conn.execute(statement).await.unwrap();
    }
    conn.close().await.unwrap();

    let provider = SqlProvider::connect(&url).await.unwrap();
    assert_eq!(provider.schema_version().await.unwrap(), SCHEMA_VERSION);
    assert_eq!(
        user_names(&provider, &ctx, r#"displayName eq "BARBARA JENSEN""#).await,
        ["bjensen"]
    );
    assert_eq!(
        user_names(&provider, &ctx, r#"emails co "example.ORG""#).await,
        ["bjensen"]
    );
    assert_eq!(
        user_names(&provider, &ctx, r#"emails[value eq "john@example.com"]"#).await,
        ["jsmith"]
    );
    // The rows stored before the counts table are counted.
    let all = provider
        .list(&ctx, "User", &ListQuery::new())
        .await
        .unwrap();
    assert_eq!(all.total_results, 2);
    // Members show the display names of the rows stored before them.
    let staff = provider.get(&ctx, "Group", &group).await.unwrap();
    assert_eq!(staff.resource()["members"][0]["display"], "Barbara Jensen");
    // Connecting again finds nothing to do.
    let again = SqlProvider::connect(&url).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), SCHEMA_VERSION);
}

/// Four processes' worth of connects on one fresh database at once: all succeed and
/// every version is recorded once.
async fn concurrent_first_connects(url: &str) {
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let url = url.to_owned();
            tokio::spawn(async move { SqlProvider::connect(&url).await })
        })
        .collect();
    for task in tasks {
        let provider = task.await.unwrap().expect("connect while others migrate");
        assert_eq!(provider.schema_version().await.unwrap(), SCHEMA_VERSION);
    }
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows = sqlx::query("SELECT version FROM scim_migrations")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), usize::try_from(SCHEMA_VERSION).unwrap());
}

/// The database URL in `variable`, or a printed notice that the test is skipped.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn url_from(variable: &str) -> Option<String> {
    let url = std::env::var(variable).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: {variable} is not set");
    }
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_migrates_once_under_concurrent_connects() {
    sqlx::any::install_default_drivers();
    concurrent_first_connects(&temp_sqlite_url()).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_migrates_once_under_concurrent_connects() {
    let Some(url) = url_from("SCIM_TEST_POSTGRES_URL") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let schema = format!(
        "scim_migrate_{}",
        scim_provider::new_id()
            .expect("randomness")
            .replace('-', "")
    );
    let mut admin = sqlx::AnyConnection::connect(&url).await.unwrap();
    admin
        .execute(format!("CREATE SCHEMA {schema}").as_str())
        .await
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let scoped = format!("{url}{separator}options=-csearch_path%3D{schema}");
    concurrent_first_connects(&scoped).await;
    let tables = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = '{schema}'"
    ))
    .fetch_one(&mut admin)
    .await
    .unwrap();
    // The tables went to the fresh schema: resources, members, emails, migrations,
    // and the change feed's changes, heads and cursors.
    assert_eq!(sqlx::Row::get::<i64, _>(&tables, "n"), 7);
    admin
        .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
        .await
        .unwrap();
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_migrates_once_under_concurrent_connects() {
    let Some(url) = url_from("SCIM_TEST_MYSQL_URL") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let database = format!(
        "scim_migrate_{}",
        &scim_provider::new_id()
            .expect("randomness")
            .replace('-', "")[..16]
    );
    let mut admin = sqlx::AnyConnection::connect(&url).await.unwrap();
    admin
        .execute(format!("CREATE DATABASE {database}").as_str())
        .await
        .unwrap();
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
    concurrent_first_connects(&format!("{base}/{database}")).await;
    admin
        .execute(format!("DROP DATABASE {database}").as_str())
        .await
        .unwrap();
}
