//! SQLite files that cannot be written, through the binary: a full disk (a small
//! `tmpfs` the test mounts) and a database file made immutable while the server runs
//! (`chattr +i`, on an ext4 image the test mounts). Writes get `503` with a SCIM body
//! and `Retry-After`, reads keep working, the server writes again by itself once the
//! disk has room or the file is writable, and `scim-server audit` then finds nothing
//! wrong: no acknowledged write lost, no corruption.
//!
//! Mounting needs root (as on this project's machines and CI); elsewhere the tests say
//! so and skip.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, acknowledged_user, audit, header, id_of, random_name, user_body};

/// A filesystem the test mounted, unmounted when dropped.
struct Mount {
    dir: PathBuf,
    image: Option<PathBuf>,
}

impl Mount {
    /// A `tmpfs` of `size` (`mount -o size=`), or `None` when it cannot be mounted.
    fn tmpfs(size: &str) -> Option<Mount> {
        let dir = std::env::temp_dir().join(random_name("tmpfs"));
        std::fs::create_dir_all(&dir).unwrap();
        let mounted = run(
            "mount",
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            &dir,
        );
        Self::mounted(mounted, dir, None)
    }

    /// An ext4 filesystem of `megabytes` in an image file, mounted through a loop
    /// device, or `None` when it cannot be made or mounted.
    fn ext4(megabytes: u64) -> Option<Mount> {
        let dir = std::env::temp_dir().join(random_name("ext4"));
        std::fs::create_dir_all(&dir).unwrap();
        let image = dir.with_extension("img");
        File::create(&image)
            .and_then(|f| f.set_len(megabytes << 20))
            .unwrap();
        let made = run("mkfs.ext4", &["-q", "-F"], &image);
        let mounted = made && run_all("mount", &["-o", "loop"], &[&image, &dir]);
        Self::mounted(mounted, dir, Some(image))
    }

    fn mounted(mounted: bool, dir: PathBuf, image: Option<PathBuf>) -> Option<Mount> {
        if !mounted {
            eprintln!("cannot mount a filesystem here (not root?): skipping this test");
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(Mount { dir, image })
    }

    fn database(&self) -> String {
        format!("sqlite://{}", self.dir.join("scim.db").display())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let files = ["scim.db", "scim.db-wal", "scim.db-shm"].map(|f| self.dir.join(f));
        let _ = run_all("chattr", &["-i"], &files);
        if !run("umount", &[], &self.dir) {
            run("umount", &["-l"], &self.dir);
        }
        let _ = std::fs::remove_dir(&self.dir);
        if let Some(image) = &self.image {
            let _ = std::fs::remove_file(image);
        }
    }
}

/// Runs `program` with `args` then `path`; whether it succeeded.
fn run(program: &str, args: &[&str], path: impl AsRef<Path>) -> bool {
    run_all(program, args, &[path])
}

fn run_all(program: &str, args: &[&str], paths: &[impl AsRef<Path>]) -> bool {
    Command::new(program)
        .args(args)
        .args(paths.iter().map(AsRef::as_ref))
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

const TOKEN: &str = "fault-token";

fn start(mount: &Mount) -> Server {
    Server::start(&mount.database(), "faults", TOKEN)
}

fn post_user(server: &Server, title: &str) -> (u16, Vec<(String, String)>, String) {
    let body = user_body(&random_name("u"), title);
    server
        .try_request("POST", "/scim/v2/Users", Some(TOKEN), Some(&body), &[])
        .unwrap()
}

/// A `503` with `Retry-After` and a SCIM body.
fn assert_unavailable(reply: &(u16, Vec<(String, String)>, String), what: &str) {
    let (status, headers, body) = reply;
    assert_eq!(*status, 503, "{what}: {body}");
    assert!(header(headers, "retry-after").is_some(), "{what}");
    let error: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(error["status"], "503", "{what}: {body}");
    assert!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.contains("cannot be written")),
        "{what}: {body}"
    );
}

/// POSTs until one is created (the store writes again), within `limit`.
fn until_created(server: &Server, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let reply = post_user(server, "after");
        if reply.0 == 201 {
            return id_of(&reply.2);
        }
        assert_unavailable(&reply, "while it cannot write");
        assert!(
            Instant::now() < deadline,
            "not writing again within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every acknowledged user is there; then, the server stopped, the audit is clean.
fn everything_acknowledged_and_sound(mut server: Server, mount: &Mount, acknowledged: &[String]) {
    for id in acknowledged {
        acknowledged_user(&server, TOKEN, id);
    }
    server.kill();
    let said = audit(&mount.database());
    assert!(
        said.contains(&format!("{} resources", acknowledged.len())),
        "audit: {said}"
    );
}

#[test]
fn a_full_disk_answers_503_and_writes_again_when_there_is_room() {
    let Some(mount) = Mount::tmpfs("3m") else {
        return;
    };
    // Room to give back later.
    let ballast = mount.dir.join("ballast");
    std::fs::write(&ballast, vec![0u8; 512 << 10]).unwrap();
    let server = start(&mount);
    let title = "t".repeat(2000);
    let mut acknowledged = Vec::new();
    let full = loop {
        let reply = post_user(&server, &title);
        match reply.0 {
            201 => acknowledged.push(id_of(&reply.2)),
            _ => break reply,
        }
        assert!(acknowledged.len() < 5000, "the disk never filled");
    };
    assert!(!acknowledged.is_empty());
    assert_unavailable(&full, "a create on a full disk");
    assert_unavailable(&post_user(&server, "small"), "another create");
    let (status, _, body) = server
        .try_request(
            "GET",
            &format!("/scim/v2/Users/{}", acknowledged[0]),
            Some(TOKEN),
            None,
            &[],
        )
        .unwrap();
    assert_eq!(status, 200, "a read on a full disk: {body}");

    std::fs::remove_file(&ballast).unwrap();
    acknowledged.push(until_created(&server, Duration::from_secs(10)));
    everything_acknowledged_and_sound(server, &mount, &acknowledged);
}

#[test]
fn a_database_file_that_cannot_be_written_answers_503_until_it_can() {
    let Some(mount) = Mount::ext4(16) else {
        return;
    };
    let files = ["scim.db", "scim.db-wal"].map(|f| mount.dir.join(f));
    let server = start(&mount);
    let mut acknowledged: Vec<String> = (0..5)
        .map(|i| {
            let (status, _, body) = post_user(&server, &i.to_string());
            assert_eq!(status, 201, "{body}");
            id_of(&body)
        })
        .collect();

    assert!(run_all("chattr", &["+i"], &files), "chattr +i");
    assert_unavailable(&post_user(&server, "refused"), "a create");
    let patch = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}"#;
    let path = format!("/scim/v2/Users/{}", acknowledged[0]);
    let reply = server
        .try_request("PATCH", &path, Some(TOKEN), Some(patch), &[])
        .unwrap();
    assert_unavailable(&reply, "a patch");
    // Reads go on, from the handle SQLite opens read-only meanwhile; were that open to
    // fail too, a 503 would be the right answer.
    let reply = server
        .try_request("GET", &path, Some(TOKEN), None, &[])
        .unwrap();
    if reply.0 != 200 {
        assert_unavailable(&reply, "a read");
    }

    assert!(run_all("chattr", &["-i"], &files), "chattr -i");
    acknowledged.push(until_created(&server, Duration::from_secs(10)));
    let (status, _, body) = server
        .try_request("GET", &path, Some(TOKEN), None, &[])
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"title\":\"0\""),
        "the refused patch changed nothing: {body}"
    );
    everything_acknowledged_and_sound(server, &mount, &acknowledged);

    // Cannot be written at start: the server waits, says why, and starts once it can.
    assert!(
        run_all("chattr", &["+i"], &[mount.dir.join("scim.db")]),
        "chattr +i"
    );
    let log = mount.dir.with_extension("log");
    let env = [
        ("SCIM_DATABASE", mount.database()),
        ("SCIM_TENANTS", format!("faults={TOKEN}")),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = std::thread::scope(|scope| {
        let starting =
            scope.spawn(|| Server::start_env(&env, &[], Stdio::from(File::create(&log).unwrap())));
        std::thread::sleep(Duration::from_secs(3));
        assert!(
            run_all("chattr", &["-i"], &[mount.dir.join("scim.db")]),
            "chattr -i"
        );
        starting
            .join()
            .expect("the server starts once it can write")
    });
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert!(said.contains("the database is not available yet"), "{said}");
    everything_acknowledged_and_sound(server, &mount, &acknowledged);
}
