//! Limits through the binary, as a client meets them: a body too large is answered
//! `413` with a SCIM body that the client, still sending, gets to read.

mod common;

use common::{Server, header, random_name};

#[test]
fn a_client_sending_a_body_too_large_reads_the_413() {
    let server = Server::start("memory", "acme", "t");
    // 12 MiB, sent whole before the answer is read, as Python's `http.client` and
    // most Java clients do: a server that closed the connection early would leave
    // this client with a broken pipe instead of the answer.
    let padding = "x".repeat(12 * 1024 * 1024);
    let body = format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{}","title":"{padding}"}}"#,
        random_name("big")
    );
    let (status, headers, text) = server
        .try_request("POST", "/scim/v2/Users", Some("t"), Some(&body), &[])
        .expect("the 413 is read, not a broken pipe");
    assert_eq!(status, 413, "{text}");
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/scim+json")
    );
    let error: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["status"], "413", "{text}");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    // Nothing was stored.
    let (_, _, list) = server
        .try_request("GET", "/scim/v2/Users", Some("t"), None, &[])
        .unwrap();
    assert!(list.contains(r#""totalResults":0"#), "{list}");
}

#[test]
fn a_tenant_over_its_rate_limit_is_told_when_to_come_back() {
    let tenants = "acme=acme-token,other=other-token";
    let env = [
        ("SCIM_DATABASE", "memory"),
        ("SCIM_TENANTS", tenants),
        ("SCIM_RATE_LIMIT", "1"),
        ("SCIM_RATE_BURST", "2"),
        ("RUST_LOG", "warn"),
    ];
    let server = Server::start_env(&env, &[], std::process::Stdio::null());
    let get = |token| {
        server
            .try_request("GET", "/scim/v2/Users", Some(token), None, &[])
            .unwrap()
    };
    assert_eq!(get("acme-token").0, 200);
    assert_eq!(get("acme-token").0, 200);
    let (status, headers, body) = get("acme-token");
    assert_eq!(status, 429, "{body}");
    assert_eq!(header(&headers, "retry-after"), Some("1"));
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["status"], "429");
    assert_eq!(get("other-token").0, 200, "each tenant has its own rate");
}

#[test]
fn a_burst_without_a_rate_is_refused_at_start() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scim-server"))
        .args(["--database", "memory", "--token", "t", "--rate-burst", "5"])
        .env_remove("SCIM_RATE_LIMIT")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        format!("{stdout}{stderr}").contains("--rate-burst (SCIM_RATE_BURST) needs --rate-limit"),
        "{stdout}{stderr}"
    );
}
