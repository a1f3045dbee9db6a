//! Starting `scim-server` processes and talking HTTP/1.1 to them, for the end-to-end tests.
#![allow(dead_code, unreachable_pub)]

pub mod receiver;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Status, headers (lower-cased names) and body of a response.
pub type Reply = (u16, Vec<(String, String)>, String);

/// A running `scim-server`.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts the binary on a free loopback port with this database and token (as the
    /// only tenant, `tenant`), and waits until `/healthz` answers.
    pub fn start(database: &str, tenant: &str, token: &str) -> Server {
        Self::start_with(database, tenant, token, &[])
    }

    /// The same, with these flags too.
    pub fn start_with(database: &str, tenant: &str, token: &str, flags: &[&str]) -> Server {
        let tenants = format!("{tenant}={token}");
        let env = [
            ("SCIM_DATABASE", database),
            ("SCIM_TENANTS", tenants.as_str()),
            ("RUST_LOG", "warn"),
        ];
        Self::start_env(&env, flags, Stdio::null())
    }

    /// Starts the binary on a free loopback port with only these `SCIM_*` (and
    /// `RUST_LOG`) variables and flags, its standard output to `stdout`.
    pub fn start_env(env: &[(&str, &str)], flags: &[&str], stdout: Stdio) -> Server {
        let port = free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_scim-server"));
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("SCIM_") || n == "RUST_LOG")
        {
            command.env_remove(name);
        }
        let child = command
            .env("SCIM_LISTEN", format!("127.0.0.1:{port}"))
            .envs(env.iter().copied())
            .args(flags)
            .stdout(stdout)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start scim-server");
        let server = Server { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _, _)) = server.try_request("GET", "/healthz", None, None, &[]) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("scim-server did not come up on port {port}");
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL, without letting it shut down.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// One request; `Err` when the server cannot be reached.
    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> std::io::Result<Reply> {
        request(self.port, method, path, token, body, headers)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nothing listens on (for a moment).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

/// One HTTP/1.1 request with `Connection: close`; returns status, headers and body.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(token) = token {
        text.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        text.push_str("Content-Type: application/scim+json\r\n");
    }
    text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(text.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or(std::io::ErrorKind::UnexpectedEof)?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok((status, headers, body.to_owned()))
}

/// The user with this id, by `GET`: `200` and its body, or a panic naming it.
pub fn acknowledged_user(server: &Server, token: &str, id: &str) -> String {
    let (status, _, body) = server
        .try_request(
            "GET",
            &format!("/scim/v2/Users/{id}"),
            Some(token),
            None,
            &[],
        )
        .unwrap();
    assert_eq!(status, 200, "acknowledged user {id}: {body}");
    body
}

/// Runs `scim-server audit` on `database` and returns what it printed; panics when it
/// finds any violation.
pub fn audit(database: &str) -> String {
    let audit = Command::new(env!("CARGO_BIN_EXE_scim-server"))
        .args(["audit", "--database", database])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run scim-server audit");
    let said = String::from_utf8_lossy(&audit.stdout).into_owned();
    assert!(audit.status.success(), "audit: {said}");
    said
}

pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A name no other call makes: unique within this process by its counter (threads
/// that read the clock in the same nanosecond made the same name, and a writer's
/// fresh user was then refused as taken), across processes and runs by the process
/// id and the clock.
pub fn random_name(prefix: &str) -> String {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}-{call}", std::process::id())
}

pub fn user_body(name: &str, title: &str) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{name}","title":"{title}"}}"#
    )
}

/// The `"id"` of a JSON body.
pub fn id_of(body: &str) -> String {
    let start = body.find("\"id\":\"").expect("an id") + 6;
    body[start..].split('"').next().expect("id").to_owned()
}

/// The `"title"` of a JSON body.
pub fn title_of(body: &str) -> String {
    let start = body.find("\"title\":\"").expect("a title") + 9;
    body[start..].split('"').next().expect("title").to_owned()
}
