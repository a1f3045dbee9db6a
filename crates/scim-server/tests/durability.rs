//! SQLite durability: every create answered 201 survives the server being SIGKILLed.

mod common;

use std::sync::{Arc, Mutex};

use common::*;

#[test]
fn creates_survive_sigkill() {
    let dir = std::env::temp_dir().join(random_name("scim-durability"));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}", dir.join("scim.db").display());
    let (tenant, token) = ("durable", "durable-token");
    let mut server = Server::start(&database, tenant, token);
    let port = server.port;

    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let acknowledged = acknowledged.clone();
        std::thread::spawn(move || {
            for i in 0..100_000 {
                let body = user_body(&format!("user-{i}"), "t");
                match request(
                    port,
                    "POST",
                    "/scim/v2/Users",
                    Some(token),
                    Some(&body),
                    &[],
                ) {
                    Ok((201, _, body)) => acknowledged.lock().unwrap().push(id_of(&body)),
                    Ok((status, _, body)) => panic!("create answered {status}: {body}"),
                    Err(_) => return, // the server is gone
                }
            }
        })
    };
    // Kill it mid-way, while creates are in flight; bounded, so a server that stalls
    // or a writer that stops fails the test instead of hanging it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 200 {
        assert!(
            std::time::Instant::now() < deadline && !writer.is_finished(),
            "fewer than 200 creates acknowledged within 60 s ({} so far)",
            acknowledged.lock().unwrap().len()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    server.kill();
    writer.join().unwrap();
    let ids = acknowledged.lock().unwrap().clone();

    let server = Server::start(&database, tenant, token);
    for id in &ids {
        acknowledged_user(&server, token, id);
    }
    let (_, _, list) = server
        .try_request("GET", "/scim/v2/Users?count=0", Some(token), None, &[])
        .unwrap();
    eprintln!(
        "{} creates acknowledged before SIGKILL, all present after restart ({list})",
        ids.len()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
