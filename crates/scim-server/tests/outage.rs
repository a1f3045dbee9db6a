//! The database going away and coming back, through the binary on PostgreSQL and
//! MariaDB. A TCP relay the test controls sits between the two, so the shared
//! databases of the machine keep running: the relay refusing connections is the
//! database down, the relay cutting its connections is the database killing them.
//! While the database cannot be reached, requests are answered `503` with
//! `Retry-After` and a SCIM body; the server recovers by itself when it returns, and
//! what was acknowledged before is still there.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, free_port, header, id_of, random_name, user_body};

/// A TCP relay from a loopback port to the database.
struct Relay {
    port: u16,
    upstream: String,
    /// Accepting: the database is up.
    up: Arc<AtomicBool>,
    /// Every relayed connection, to cut.
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    /// A relay on a free port, not accepting yet.
    fn new(upstream: &str) -> Relay {
        Relay {
            port: free_port(),
            upstream: upstream.to_owned(),
            up: Arc::new(AtomicBool::new(false)),
            streams: Arc::default(),
        }
    }

    /// Starts accepting connections and relaying them.
    fn start(&self) {
        self.up.store(true, Ordering::SeqCst);
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("the relay's port");
        listener.set_nonblocking(true).unwrap();
        let (up, streams, upstream) =
            (self.up.clone(), self.streams.clone(), self.upstream.clone());
        std::thread::spawn(move || {
            while up.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                streams
                    .lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
            // Dropping the listener refuses every new connection.
        });
    }

    /// Cuts every relayed connection, as a database that kills its sessions.
    fn cut(&self) {
        for stream in self.streams.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Stops accepting and cuts every connection: the database is down.
    fn stop(&self) {
        self.up.store(false, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(50));
        self.cut();
    }
}

/// Copies `from` to `to` until either ends.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 || to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// The database URL from `variable`, and its `host:port`.
fn database(variable: &str) -> Option<(String, String)> {
    let Ok(url) = std::env::var(variable) else {
        eprintln!("{variable} is not set: skipping the outage test on that database");
        return None;
    };
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host_port = authority.rsplit('@').next()?.to_owned();
    Some((url, host_port))
}

/// Answers one GET until it is not a `503`; every `503` must carry `Retry-After` and a
/// SCIM body. Returns the statuses seen.
fn until_answered(server: &Server, path: &str, token: &str, limit: Duration) -> Vec<u16> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let (status, headers, body) = server
            .try_request("GET", path, Some(token), None, &[])
            .unwrap();
        seen.push(status);
        if status != 503 {
            return seen;
        }
        assert!(header(&headers, "retry-after").is_some(), "{body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["status"], "503", "{body}");
        assert!(
            Instant::now() < deadline,
            "not recovered within {limit:?}: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn outage(variable: &str) {
    let Some((url, host_port)) = database(variable) else {
        return;
    };
    let relay = Relay::new(&host_port);
    let through = url.replacen(&host_port, &format!("127.0.0.1:{}", relay.port), 1);
    let dir = std::env::temp_dir().join(random_name("outage"));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("stdout.log");
    let tenant = random_name("outage");
    let tenants = format!("{tenant}=outage-token");
    let env = [
        ("SCIM_DATABASE", through.as_str()),
        ("SCIM_TENANTS", tenants.as_str()),
        ("RUST_LOG", "warn"),
    ];

    // The database is down when the server starts: it waits, says so, and starts
    // when the database comes up.
    let server = std::thread::scope(|scope| {
        let starting =
            scope.spawn(|| Server::start_env(&env, &[], Stdio::from(File::create(&log).unwrap())));
        // Longer than a connection is waited for (5 s): the server must try again.
        std::thread::sleep(Duration::from_secs(7));
        relay.start();
        starting
            .join()
            .expect("the server starts once the database is up")
    });
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(said.contains("the database is not available yet"), "{said}");

    let (status, _, body) = server
        .try_request(
            "POST",
            "/scim/v2/Users",
            Some("outage-token"),
            Some(&user_body(&random_name("kept"), "t")),
            &[],
        )
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let kept = format!("/scim/v2/Users/{}", id_of(&body));

    // Its connections are killed: the server answers 503 or reconnects, and recovers.
    relay.cut();
    let seen = until_answered(&server, &kept, "outage-token", Duration::from_secs(20));
    assert_eq!(seen.last(), Some(&200), "{seen:?}");

    // The database is down: 503 with Retry-After, at once, not a hang.
    relay.stop();
    let started = Instant::now();
    let (status, headers, body) = server
        .try_request("GET", &kept, Some("outage-token"), None, &[])
        .unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(header(&headers, "retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(35),
        "answered in {:?}",
        started.elapsed()
    );

    // It comes back: the server recovers by itself, and the user is still there.
    relay.start();
    let seen = until_answered(&server, &kept, "outage-token", Duration::from_secs(20));
    assert_eq!(seen.last(), Some(&200), "{seen:?}");
    drop(server);
    relay.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn postgres_outages_are_503s_and_the_server_recovers() {
    outage("SCIM_TEST_POSTGRES_URL");
}

#[test]
fn mariadb_outages_are_503s_and_the_server_recovers() {
    outage("SCIM_TEST_MYSQL_URL");
}
