//! Webhooks through the binary: a receiver that fails for a while gets every event once
//! it recovers, signed and in order; a server killed with SIGKILL in a create loop
//! delivers, after its restart, an event for every write it acknowledged.

mod common;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::receiver::{Delivered, Receiver};
use common::*;
use hmac::{Hmac, Mac};
use scim_provider::{ChangeCursor, ChangeFeed};
use scim_sql::SqlProvider;
use serde_json::Value;

const TOKEN: &str = "webhook-token";
const SECRET: &str = "webhook-secret";

fn temp_database(name: &str) -> String {
    let path = std::env::temp_dir().join(format!("{}.db", random_name(name)));
    format!("sqlite://{}", path.display())
}

fn start(database: &str, receiver: &Receiver) -> Server {
    let env = [
        ("SCIM_DATABASE", database),
        ("SCIM_TOKEN", TOKEN),
        ("SCIM_WEBHOOK_URL", receiver.url.as_str()),
        ("SCIM_WEBHOOK_SECRET", SECRET),
        ("RUST_LOG", "error"),
    ];
    Server::start_env(&env, &[], std::process::Stdio::null())
}

/// A write: its status, and the version its `ETag` names.
fn write(server: &Server, method: &str, path: &str, body: &str) -> (u16, String, Option<String>) {
    let (status, headers, body) = server
        .try_request(method, path, Some(TOKEN), Some(body), &[])
        .expect("the server answers");
    (status, body, header(&headers, "etag").map(str::to_owned))
}

fn verify(delivered: &Delivered) {
    let signature = delivered.signature.as_deref().expect("a signed delivery");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&delivered.raw);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        signature,
        format!("sha256={hex}"),
        "the signature of {}",
        delivered.event
    );
}

/// Per resource, the versions delivered, each once (a delivery may come again).
fn versions_by_resource(delivered: &[Delivered]) -> HashMap<String, Vec<String>> {
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for d in delivered {
        let sequence = d.event["sequence"].as_u64().unwrap();
        if !seen.insert(sequence) {
            continue;
        }
        let id = d.event["id"].as_str().unwrap().to_owned();
        let version = d.event["version"].as_str().unwrap_or("deleted").to_owned();
        by_id.entry(id).or_default().push(version);
    }
    by_id
}

#[test]
fn a_receiver_failing_for_a_while_gets_every_event_signed_and_in_order() {
    let receiver = Receiver::start(true);
    let database = temp_database("webhook-recover");
    let server = start(&database, &receiver);
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    let mut ids = Vec::new();
    for i in 0..6 {
        let (status, body, etag) = write(
            &server,
            "POST",
            "/scim/v2/Users",
            &user_body(&format!("u{i}"), "new"),
        );
        assert_eq!(status, 201, "{body}");
        let id = id_of(&body);
        expected.entry(id.clone()).or_default().push(etag.unwrap());
        let patch = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"patched"}]}"#;
        let (status, body, etag) = write(&server, "PATCH", &format!("/scim/v2/Users/{id}"), patch);
        assert_eq!(status, 200, "{body}");
        expected.get_mut(&id).unwrap().push(etag.unwrap());
        ids.push(id);
    }
    let (status, _, _) = write(&server, "DELETE", &format!("/scim/v2/Users/{}", ids[0]), "");
    assert_eq!(status, 204);
    expected.get_mut(&ids[0]).unwrap().push("deleted".into());
    // Attempts fail, and are tried again.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while receiver.attempts() < 4 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(receiver.attempts() >= 4, "retried while failing");
    assert!(receiver.delivered().is_empty());
    receiver.recover();
    let events = 6 * 2 + 1;
    receiver.wait_for(Duration::from_secs(30), "every event", |d| {
        versions_by_resource(d)
            .values()
            .map(Vec::len)
            .sum::<usize>()
            == events
    });
    let delivered = receiver.delivered();
    delivered.iter().for_each(verify);
    assert_eq!(
        versions_by_resource(&delivered),
        expected,
        "every version, in order"
    );
    let operations: Vec<&str> = delivered
        .iter()
        .map(|d| d.event["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations.iter().filter(|o| **o == "patched").count(), 6);
    assert_eq!(operations.last(), Some(&"deleted"));
}

/// The acknowledged creates of a loop that runs until the server stops answering.
fn create_until_killed(server: &Server, stop: &AtomicBool) -> Vec<(String, String)> {
    let mut acknowledged = Vec::new();
    for n in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let body = user_body(&random_name(&format!("k{n}")), "loop");
        match server.try_request("POST", "/scim/v2/Users", Some(TOKEN), Some(&body), &[]) {
            Ok((201, headers, body)) => {
                let etag = header(&headers, "etag").unwrap().to_owned();
                acknowledged.push((id_of(&body), etag));
            }
            Ok((status, _, body)) => panic!("{status}: {body}"),
            Err(_) => break,
        }
    }
    acknowledged
}

#[test]
fn a_server_killed_in_a_create_loop_delivers_every_acknowledged_write_after_restart() {
    let receiver = Receiver::start(false);
    let database = temp_database("webhook-kill");
    let mut server = start(&database, &receiver);
    let stop = AtomicBool::new(false);
    let acknowledged = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| create_until_killed(&server, &stop));
        std::thread::sleep(Duration::from_millis(1500));
        // SIGKILL, mid-loop: no shutdown, no flush.
        sigkill(&server);
        stop.store(true, Ordering::SeqCst);
        *acknowledged.lock().unwrap() = writer.join().unwrap();
    });
    server.kill();
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(
        acknowledged.len() > 10,
        "the loop ran: {}",
        acknowledged.len()
    );

    let restarted = start(&database, &receiver);
    let wanted: HashMap<&str, &str> = acknowledged
        .iter()
        .map(|(id, etag)| (id.as_str(), etag.as_str()))
        .collect();
    receiver.wait_for(Duration::from_secs(60), "every acknowledged create", |d| {
        let got: std::collections::HashSet<&str> =
            d.iter().filter_map(|d| d.event["id"].as_str()).collect();
        wanted.keys().all(|id| got.contains(id))
    });
    drop(restarted);

    // The feed as stored: exactly one event per acknowledged write, at its version.
    let stored = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let sql = SqlProvider::connect(&database).await.expect("open");
            sql.changes_since("default", ChangeCursor::START, 1_000_000)
                .await
                .expect("the feed")
                .events
        });
    let mut per_id: HashMap<&str, Vec<&str>> = HashMap::new();
    for event in &stored {
        let version = event.change.version.as_ref().map(|v| v.opaque()).unwrap();
        per_id
            .entry(event.change.id.as_str())
            .or_default()
            .push(version);
    }
    for (id, etag) in &wanted {
        let versions = per_id.get(id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(versions.len(), 1, "one event for {id}");
        assert!(
            etag.contains(versions[0]),
            "{id}: {etag} vs {}",
            versions[0]
        );
    }
    // Delivered at least once each, as stored.
    let delivered = receiver.delivered();
    delivered.iter().for_each(verify);
    let by_sequence: HashMap<u64, &Value> = delivered
        .iter()
        .map(|d| (d.event["sequence"].as_u64().unwrap(), &d.event))
        .collect();
    for event in &stored {
        assert_eq!(
            by_sequence.get(&event.sequence),
            Some(&&event.to_json()),
            "{}",
            event.sequence
        );
    }
    audit(&database);
}

/// SIGKILL by pid, from beside the writer that still holds the server.
fn sigkill(server: &Server) {
    let pid = server.pid().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid])
        .status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -9 {pid}");
}
