//! Two `scim-server` processes on one PostgreSQL database: concurrent writers with
//! If-Match on both lose no update, and stale writes get 412.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

#[test]
fn two_processes_on_one_postgres_lose_no_update() {
    let Ok(url) = std::env::var("SCIM_TEST_POSTGRES_URL") else {
        eprintln!("skipped: SCIM_TEST_POSTGRES_URL is not set");
        return;
    };
    let tenant = random_name("scale-out");
    let token = "scale-out-token";
    let servers = Arc::new([
        Server::start(&url, &tenant, token),
        Server::start(&url, &tenant, token),
    ]);
    let ports = [servers[0].port, servers[1].port];

    let (status, _, body) = request(
        ports[0],
        "POST",
        "/scim/v2/Users",
        Some(token),
        Some(&user_body("counter", "0")),
        &[],
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let id = id_of(&body);
    let path = format!("/scim/v2/Users/{id}");

    const WRITERS: usize = 4;
    const WINS: usize = 10;
    let refused = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (path, refused) = (path.clone(), refused.clone());
            std::thread::spawn(move || {
                let mut wins = 0;
                let mut attempt = 0;
                while wins < WINS {
                    attempt += 1;
                    assert!(attempt < 5_000, "no progress");
                    // Alternate processes: read on one, write on the other.
                    let (read, write) = (ports[(w + attempt) % 2], ports[(w + attempt + 1) % 2]);
                    let (status, headers, body) =
                        request(read, "GET", &path, Some(token), None, &[]).unwrap();
                    assert_eq!(status, 200);
                    let etag = header(&headers, "etag").expect("ETag").to_owned();
                    let next: u64 = title_of(&body).parse::<u64>().unwrap() + 1;
                    let (status, _, body) = request(
                        write,
                        "PUT",
                        &path,
                        Some(token),
                        Some(&user_body("counter", &next.to_string())),
                        &[("If-Match", &etag)],
                    )
                    .unwrap();
                    match status {
                        200 => wins += 1,
                        412 => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        other => panic!("PUT answered {other}: {body}"),
                    }
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let (_, headers, body) = request(ports[1], "GET", &path, Some(token), None, &[]).unwrap();
    assert_eq!(
        title_of(&body),
        (WRITERS * WINS).to_string(),
        "every successful write counted, none lost"
    );

    // A version that was current a moment ago is refused by either process.
    let etag = header(&headers, "etag").unwrap().to_owned();
    let (status, _, _) = request(
        ports[0],
        "PUT",
        &path,
        Some(token),
        Some(&user_body("counter", "x")),
        &[("If-Match", &etag)],
    )
    .unwrap();
    assert_eq!(status, 200);
    let (status, _, _) = request(
        ports[1],
        "PUT",
        &path,
        Some(token),
        Some(&user_body("counter", "y")),
        &[("If-Match", &etag)],
    )
    .unwrap();
    assert_eq!(status, 412, "a stale If-Match on the other process");
    eprintln!(
        "{} writes won, {} stale writes refused with 412",
        WRITERS * WINS,
        refused.load(Ordering::Relaxed)
    );
    drop(servers);
}
