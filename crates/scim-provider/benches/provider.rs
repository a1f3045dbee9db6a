//! The in-memory provider's scaling targets, each as a pair measured in one run:
//! create at 1,000 vs 100,000 stored users, `userName eq` vs get-by-id at 100,000,
//! adding a member to a group of 10 vs 100,000, conditional vs unconditional update.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, criterion_group, criterion_main};
use scim_provider::{
    ConditionalProvider, InMemoryProvider, ListQuery, Member, MembershipDelta, RequestContext,
    ResourceProvider,
};
use scim_schema::Filter;
use serde_json::json;
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
}

fn filled(rt: &Runtime, users: usize) -> (InMemoryProvider, RequestContext, Vec<String>) {
    let provider = InMemoryProvider::new();
    let ctx = RequestContext::new("bench");
    let ids = rt.block_on(async {
        let mut ids = Vec::with_capacity(users);
        for i in 0..users {
            let created = provider
                .create(&ctx, "User", common::typical_user(i))
                .await
                .unwrap();
            ids.push(created.id().unwrap().to_owned());
        }
        ids
    });
    (provider, ctx, ids)
}

fn create(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("create");
    for stored in [1_000usize, 100_000] {
        let (provider, ctx, _) = filled(&rt, stored);
        let next = AtomicUsize::new(10_000_000);
        group.bench_function(format!("with_{stored}_stored"), |b| {
            b.iter(|| {
                let user = common::typical_user(next.fetch_add(1, Ordering::Relaxed));
                rt.block_on(provider.create(&ctx, "User", user)).unwrap()
            })
        });
    }
    group.finish();
}

fn lookups(c: &mut Criterion) {
    let rt = runtime();
    let (provider, ctx, ids) = filled(&rt, 100_000);
    let mut group = c.benchmark_group("lookup_at_100000");
    let id = &ids[54_321];
    group.bench_function("get_by_id", |b| {
        b.iter(|| {
            rt.block_on(provider.get(&ctx, "User", black_box(id)))
                .unwrap()
        })
    });
    let query = ListQuery::new()
        .with_filter(Filter::parse(r#"userName eq "USER54321@example.com""#).unwrap());
    assert_eq!(
        rt.block_on(provider.list(&ctx, "User", &query))
            .unwrap()
            .total_results,
        1
    );
    group.bench_function("username_eq", |b| {
        b.iter(|| {
            rt.block_on(provider.list(&ctx, "User", black_box(&query)))
                .unwrap()
        })
    });
    group.finish();
}

fn add_member(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("add_member");
    for size in [10usize, 100_000] {
        let provider = InMemoryProvider::new();
        let ctx = RequestContext::new("bench");
        let members: Vec<_> = (0..size)
            .map(|i| json!({"value": format!("member-{i}")}))
            .collect();
        let created = rt
            .block_on(provider.create(
                &ctx,
                "Group",
                json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Big", "members": members
                }),
            ))
            .unwrap();
        let gid = created.id().unwrap().to_owned();
        let next = AtomicUsize::new(0);
        group.bench_function(format!("group_of_{size}"), |b| {
            b.iter(|| {
                let delta = MembershipDelta {
                    add: vec![Member::new(format!(
                        "new-{}",
                        next.fetch_add(1, Ordering::Relaxed)
                    ))],
                    remove: Vec::new(),
                };
                rt.block_on(provider.update_members(&ctx, "Group", &gid, &delta, None))
                    .unwrap()
            })
        });
    }
    group.finish();
}

fn update(c: &mut Criterion) {
    let rt = runtime();
    let (provider, ctx, ids) = filled(&rt, 1_000);
    let id = &ids[500];
    let mut group = c.benchmark_group("update");
    let counter = AtomicUsize::new(0);
    let body = |n: usize| {
        let mut user = common::typical_user(500);
        user["title"] = json!(format!("title {n}"));
        user
    };
    group.bench_function("unconditional", |b| {
        b.iter(|| {
            rt.block_on(provider.replace(
                &ctx,
                "User",
                id,
                body(counter.fetch_add(1, Ordering::Relaxed)),
                None,
            ))
            .unwrap()
        })
    });
    let mut version = rt
        .block_on(provider.get(&ctx, "User", id))
        .unwrap()
        .version()
        .clone();
    group.bench_function("conditional", |b| {
        b.iter(|| {
            let user = body(counter.fetch_add(1, Ordering::Relaxed));
            let stored = rt
                .block_on(provider.conditional_update(&ctx, "User", id, user, &version))
                .unwrap()
                .success()
                .expect("current version");
            version = stored.version().clone();
        })
    });
    group.finish();
}

criterion_group!(benches, create, lookups, add_member, update);
criterion_main!(benches);
