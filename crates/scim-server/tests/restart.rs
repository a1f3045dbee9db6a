//! The real database under load: its sessions killed (`pg_terminate_backend`,
//! MariaDB's `KILL`), then the database server restarted, while writers create users
//! and add them to a group through the binary. Every answer is a success or a `503`
//! with `Retry-After` and a SCIM body; the server recovers by itself; every
//! acknowledged write is there afterwards and `scim-server audit` finds every group's
//! member rows in agreement with its resources.
//!
//! This restarts the machine's database servers (and leaves them running), so it
//! lives in its own test binary: cargo runs test binaries one at a time. It runs on a
//! database of its own, made afresh, and skips when the variable or the commands that
//! restart a server are missing.

mod common;

use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Server, acknowledged_user, audit, header, id_of, random_name, user_body};

const TOKEN: &str = "restart-token";

/// What the writers saw.
#[derive(Default)]
struct Seen {
    /// Users created (201), each added to the group (200) or not.
    acknowledged: Vec<(String, bool)>,
    statuses: Vec<u16>,
    /// When each write was answered `2xx`, for the recovery time.
    successes: Vec<Instant>,
}

/// One database server: how to reach it, kill its sessions and restart it.
struct Database {
    name: &'static str,
    /// The URL of the test's own database.
    url: String,
    kill_sessions: fn(&str),
    restart: fn(),
    /// Starts the server if it is not running.
    ensure_running: fn(),
}

fn sh(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn postgres() -> Option<Database> {
    let url = std::env::var("SCIM_TEST_POSTGRES_URL").ok()?;
    let cluster = std::fs::read_dir("/etc/postgresql").ok()?.next()?.ok()?;
    let version = cluster.file_name().into_string().ok()?;
    sh("pg_lsclusters", &[])?;
    let (base, _) = url.rsplit_once('/')?;
    sh(
        "psql",
        &[
            &url,
            "-qc",
            "DROP DATABASE IF EXISTS scim_restart WITH (FORCE)",
        ],
    )?;
    sh("psql", &[&url, "-qc", "CREATE DATABASE scim_restart"])?;
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| version);
    Some(Database {
        name: "PostgreSQL",
        url: format!("{base}/scim_restart"),
        kill_sessions: |url| {
            sh(
                "psql",
                &[
                    url,
                    "-qc",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = 'scim_restart' AND pid <> pg_backend_pid()",
                ],
            )
            .expect("pg_terminate_backend");
        },
        restart: || {
            let version = VERSION.get().expect("the cluster's version");
            sh(
                "pg_ctlcluster",
                &["--skip-systemctl-redirect", version, "main", "restart"],
            )
            .expect("pg_ctlcluster restart");
        },
        ensure_running: || {
            if sh("pg_isready", &["-q", "-h", "127.0.0.1"]).is_none()
                && let Some(version) = VERSION.get()
            {
                sh(
                    "pg_ctlcluster",
                    &["--skip-systemctl-redirect", version, "main", "start"],
                );
            }
        },
    })
}

fn mariadb() -> Option<Database> {
    let url = std::env::var("SCIM_TEST_MYSQL_URL").ok()?;
    sh("mariadb-admin", &["-uroot", "-h127.0.0.1", "ping"])?;
    sh("start-stop-daemon", &["--version"])?;
    let (base, _) = url.rsplit_once('/')?;
    mariadb_sql("DROP DATABASE IF EXISTS scim_restart")?;
    mariadb_sql("CREATE DATABASE scim_restart")?;
    Some(Database {
        name: "MariaDB",
        url: format!("{base}/scim_restart"),
        kill_sessions: |_| {
            let ids = mariadb_sql(
                "SELECT id FROM information_schema.processlist WHERE db = 'scim_restart'",
            )
            .expect("the sessions");
            for id in ids.split_whitespace() {
                // A session may end by itself meanwhile.
                let _ = mariadb_sql(&format!("KILL {id}"));
            }
        },
        restart: || {
            sh("mariadb-admin", &["-uroot", "-h127.0.0.1", "shutdown"]).expect("shutdown");
            let deadline = Instant::now() + Duration::from_secs(60);
            while sh("pgrep", &["-x", "mariadbd"]).is_some() {
                assert!(Instant::now() < deadline, "MariaDB did not stop");
                std::thread::sleep(Duration::from_millis(100));
            }
            start_mariadb();
        },
        ensure_running: || {
            if sh("mariadb-admin", &["-uroot", "-h127.0.0.1", "ping"]).is_none() {
                start_mariadb();
            }
        },
    })
}

fn mariadb_sql(statement: &str) -> Option<String> {
    sh(
        "mariadb",
        &["-uroot", "-h127.0.0.1", "-N", "-B", "-e", statement],
    )
}

/// Starts MariaDB as the machine does and waits until it answers.
fn start_mariadb() {
    sh(
        "start-stop-daemon",
        &[
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            "/usr/sbin/mariadbd",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while sh("mariadb-admin", &["-uroot", "-h127.0.0.1", "ping"]).is_none() {
        assert!(Instant::now() < deadline, "MariaDB did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Leaves the database server running even when the test fails midway.
struct LeftRunning(fn());

impl Drop for LeftRunning {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// Creates users and adds each to the group until `stop`; every answer must be a
/// success or a `503` with `Retry-After` and a SCIM body.
fn writer(server: &Server, group: &str, stop: &AtomicBool, seen: &Mutex<Seen>) {
    let patch = |id: &str| {
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"add","path":"members","value":[{{"value":"{id}"}}]}}]}}"#
        )
    };
    let check = |reply: &std::io::Result<common::Reply>| -> Option<u16> {
        let (status, headers, body) = reply.as_ref().ok()?;
        if *status == 503 {
            assert!(header(headers, "retry-after").is_some(), "{body}");
            let error: serde_json::Value = serde_json::from_str(body).expect("a SCIM body");
            assert_eq!(error["status"], "503", "{body}");
        } else {
            assert!(matches!(status, 200 | 201), "{status}: {body}");
        }
        let mut seen = seen.lock().unwrap();
        seen.statuses.push(*status);
        if *status < 300 {
            seen.successes.push(Instant::now());
        }
        Some(*status)
    };
    while !stop.load(Ordering::Relaxed) {
        let created = server.try_request(
            "POST",
            "/scim/v2/Users",
            Some(TOKEN),
            Some(&user_body(&random_name("w"), "t")),
            &[],
        );
        if check(&created) != Some(201) {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let id = id_of(&created.unwrap().2);
        let added = server.try_request(
            "PATCH",
            &format!("/scim/v2/Groups/{group}?excludedAttributes=members"),
            Some(TOKEN),
            Some(&patch(&id)),
            &[],
        );
        let added = check(&added) == Some(200);
        seen.lock().unwrap().acknowledged.push((id, added));
    }
}

fn restart_under_load(database: Database) {
    let _running = LeftRunning(database.ensure_running);
    let server = Server::start(&database.url, "restart", TOKEN);
    let (status, _, body) = server
        .try_request(
            "POST",
            "/scim/v2/Groups",
            Some(TOKEN),
            Some(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"all"}"#),
            &[],
        )
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let group = id_of(&body);
    let stop = AtomicBool::new(false);
    let seen = Mutex::new(Seen::default());
    let recovered = std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| writer(&server, &group, &stop, &seen));
        }
        std::thread::sleep(Duration::from_secs(1));
        (database.kill_sessions)(&database.url);
        std::thread::sleep(Duration::from_secs(1));
        let restarting = Instant::now();
        (database.restart)();
        let restarted = Instant::now();
        // Load after the restart until writes have succeeded for 2 s.
        let deadline = restarted + Duration::from_secs(60);
        let recovered = loop {
            let first = seen
                .lock()
                .unwrap()
                .successes
                .iter()
                .find(|t| **t > restarted)
                .copied();
            if let Some(first) = first
                && first.elapsed() > Duration::from_secs(2)
            {
                break first;
            }
            assert!(
                Instant::now() < deadline,
                "no write succeeded after the restart"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        stop.store(true, Ordering::Relaxed);
        eprintln!(
            "{}: the restart took {:?}; the first write after it succeeded {:?} after it ended",
            database.name,
            restarted - restarting,
            recovered - restarted
        );
        recovered
    });
    let seen = seen.into_inner().unwrap();
    let unavailable = seen.statuses.iter().filter(|s| **s == 503).count();
    eprintln!(
        "{}: {} answers, {unavailable} of them 503, {} users acknowledged",
        database.name,
        seen.statuses.len(),
        seen.acknowledged.len()
    );
    assert!(seen.successes.iter().any(|t| *t > recovered));

    // Every acknowledged write is there.
    let (status, _, body) = server
        .try_request(
            "GET",
            &format!("/scim/v2/Groups/{group}"),
            Some(TOKEN),
            None,
            &[],
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    for (id, added) in &seen.acknowledged {
        let user = acknowledged_user(&server, TOKEN, id);
        if *added {
            assert!(body.contains(id.as_str()), "acknowledged member {id}");
            assert!(user.contains(group.as_str()), "{id}'s groups: {user}");
        }
    }
    drop(server);
    audit(&database.url);
}

fn skipped(name: &str) {
    eprintln!("{name}: its URL variable or the commands that restart it are missing: skipping");
}

#[test]
fn postgres_killed_and_restarted_under_load() {
    match postgres() {
        Some(database) => restart_under_load(database),
        None => skipped("PostgreSQL"),
    }
}

#[test]
fn mariadb_killed_and_restarted_under_load() {
    match mariadb() {
        Some(database) => restart_under_load(database),
        None => skipped("MariaDB"),
    }
}
