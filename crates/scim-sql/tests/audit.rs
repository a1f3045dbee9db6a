//! `SqlProvider::audit`: clean after the provider contract has run (SQLite always,
//! PostgreSQL and MySQL/MariaDB when their variables are set), and each invariant it
//! checks reported when a row is broken behind the provider's back.

use std::sync::Arc;

use scim_provider::testkit::run_provider_contract;
use scim_provider::{RequestContext, ResourceProvider};
use scim_sql::SqlProvider;
use serde_json::json;

fn temp_sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!(
        "scim-sql-audit-{}.db",
        scim_provider::new_id().expect("randomness")
    ));
    format!("sqlite://{}", path.display())
}

async fn clean_after_the_contract(url: &str) {
    let provider = Arc::new(SqlProvider::connect(url).await.expect("connect"));
    run_provider_contract(provider.clone()).await;
    let audit = provider.audit().await.expect("audit");
    assert!(audit.resources > 0 && audit.memberships > 0, "{audit:?}");
    assert_eq!(audit.violations, vec![], "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_audits_clean_after_the_contract() {
    clean_after_the_contract(&temp_sqlite_url()).await;
}

/// The contract on a database of its own, made afresh next to the one `variable`
/// names: the audit reads every row, and other tests write in theirs.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn clean_if_set(variable: &str) {
    let Ok(url) = std::env::var(variable) else {
        eprintln!("skipped: {variable} is not set");
        return;
    };
    sqlx::any::install_default_drivers();
    let server = sqlx::AnyPool::connect(&url).await.expect("connect");
    for statement in [
        "DROP DATABASE IF EXISTS scim_audit_test",
        "CREATE DATABASE scim_audit_test",
    ] {
        sqlx::query(statement)
            .execute(&server)
            .await
            .expect(statement);
    }
    server.close().await;
    let (base, _) = url.rsplit_once('/').expect("a database in the URL");
    clean_after_the_contract(&format!("{base}/scim_audit_test")).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_audits_clean_after_the_contract() {
    clean_if_set("SCIM_TEST_POSTGRES_URL").await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_audits_clean_after_the_contract() {
    clean_if_set("SCIM_TEST_MYSQL_URL").await;
}

/// Each statement breaks one invariant; the audit names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_invariant_is_reported() {
    let url = temp_sqlite_url();
    let provider = SqlProvider::connect(&url).await.expect("connect");
    let ctx = RequestContext::new("audited");
    let user = |name: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name});
    let alice = provider.create(&ctx, "User", user("alice")).await.unwrap();
    let alice = alice.id().unwrap().to_owned();
    provider.create(&ctx, "User", user("bob")).await.unwrap();
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "staff",
        "members": [{"value": alice}],
    });
    let group = provider.create(&ctx, "Group", group).await.unwrap();
    let group = group.id().unwrap().to_owned();
    assert_eq!(provider.audit().await.unwrap().violations, vec![]);

    let raw = sqlx::SqlitePool::connect(&url).await.unwrap();
    let cases = [
        (
            "UPDATE scim_resources SET version = 'stale' WHERE user_name = 'bob'",
            "is not the hash of its content",
        ),
        (
            "UPDATE scim_resources SET base = replace(base, '\"bob\"', '\"robert\"') WHERE user_name = 'bob'",
            "base_hash is not the hash of its JSON",
        ),
        (
            "DELETE FROM scim_members",
            "members digest does not match its membership rows",
        ),
        (
            "INSERT INTO scim_members (tenant, group_type, group_id, member_id, member, position) \
             VALUES ('audited', 'Group', 'GROUP', 'nobody', '{}', 9)",
            "member nobody is not stored in this tenant",
        ),
        (
            "UPDATE scim_resources SET user_name = 'carol' WHERE user_name = 'bob'",
            "its user_name column",
        ),
        (
            "UPDATE scim_resources SET base = replace(base, '\"robert\"', '\"ALICE\"') WHERE user_name = 'carol'",
            "another resource has the userName",
        ),
    ];
    for (statement, reported) in cases {
        sqlx::query(&statement.replace("GROUP", &group))
            .execute(&raw)
            .await
            .unwrap();
        let audit = provider.audit().await.unwrap();
        assert!(
            audit
                .violations
                .iter()
                .any(|v| v.to_string().contains(reported)),
            "after {statement}: {:#?}",
            audit.violations
        );
    }
}
