//! Memory held by the in-memory provider for 100,000 typical users, against the size
//! of their JSON. Prints the figures; run with `cargo bench -p scim-provider --bench memory`.

#[path = "common.rs"]
mod common;

use scim_provider::{InMemoryProvider, RequestContext, ResourceProvider};

/// Resident memory of this process, in bytes (Linux).
fn resident_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn main() {
    const USERS: usize = 100_000;
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let users: Vec<_> = (0..USERS).map(common::typical_user).collect();
    let json_bytes: usize = users.iter().map(|u| u.to_string().len()).sum();
    let provider = InMemoryProvider::new();
    let ctx = RequestContext::new("memory");
    let before = resident_bytes().expect("/proc/self/statm");
    rt.block_on(async {
        for user in users {
            provider.create(&ctx, "User", user).await.expect("create");
        }
    });
    let after = resident_bytes().expect("/proc/self/statm");
    let held = after.saturating_sub(before);
    println!("users: {USERS}");
    println!(
        "JSON as sent: {:.1} MiB ({} bytes per user)",
        json_bytes as f64 / 1048576.0,
        json_bytes / USERS
    );
    println!("held by the provider: {:.1} MiB", held as f64 / 1048576.0);
    println!(
        "ratio: {:.2}x (target: at most 3x)",
        held as f64 / json_bytes as f64
    );
}
