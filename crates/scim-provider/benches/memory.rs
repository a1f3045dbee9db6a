//! Memory held by the in-memory provider for 100,000 typical users, against the size
//! of their JSON. Prints the figures; run with `cargo bench -p scim-provider --bench memory`.

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
    let provider = InMemoryProvider::new();
    let ctx = RequestContext::new("memory");
    let before = resident_bytes().expect("/proc/self/statm");
    // Users are made one at a time, so no input buffer is counted or reused.
    let json_bytes = rt.block_on(async {
        let mut json_bytes = 0;
        for i in 0..USERS {
            let user = common::typical_user(i);
            json_bytes += user.to_string().len();
            provider.create(&ctx, "User", user).await.expect("create");
        }
        json_bytes
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
        "ratio: {:.2}x (target: at most 2x)",
        held as f64 / json_bytes as f64
    );
}
