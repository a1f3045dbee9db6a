//! What an operator sees of the running binary: `/metrics` (on the main listener, on
//! one of its own, behind the token, or off), request logs (text and JSON) with the
//! request id, and the OpenAPI document.

mod common;

use std::fs::File;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

const TOKEN: &str = "telemetry-token";

fn start(flags: &[&str], env: &[(&str, &str)], stdout: Stdio) -> Server {
    let mut all = vec![
        ("SCIM_DATABASE", "memory"),
        ("SCIM_TOKEN", TOKEN),
        ("RUST_LOG", "warn"),
    ];
    all.extend_from_slice(env);
    Server::start_env(&all, flags, stdout)
}

/// The value of the metric line that starts with `series` (`name{labels}`), 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

fn scrape(server: &Server, token: Option<&str>) -> String {
    let (status, headers, body) = server
        .try_request("GET", "/metrics", token, None, &[])
        .expect("reachable");
    assert_eq!(status, 200, "{body}");
    assert!(
        header(&headers, "content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    body
}

fn create_user(server: &Server) -> (String, String) {
    let body = user_body(&random_name("metrics"), "t");
    let (status, headers, body) = server
        .try_request("POST", "/scim/v2/Users", Some(TOKEN), Some(&body), &[])
        .unwrap();
    assert_eq!(status, 201, "{body}");
    (id_of(&body), header(&headers, "etag").unwrap().to_owned())
}

const PATCH: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"x"}]}"#;

#[test]
fn a_stale_if_match_adds_one_version_conflict() {
    let server = start(&[], &[], Stdio::null());
    let (id, etag) = create_user(&server);
    let path = format!("/scim/v2/Users/{id}");
    let ok = server.try_request(
        "PATCH",
        &path,
        Some(TOKEN),
        Some(PATCH),
        &[("If-Match", &etag)],
    );
    assert_eq!(ok.unwrap().0, 200);
    let conflicts = r#"scim_version_conflicts_total{resource_type="User"}"#;
    let stale_412 = r#"scim_requests_total{method="PATCH",route="/{type}/{id}",resource_type="User",status="412"}"#;
    let before = scrape(&server, None);
    let stale = server.try_request(
        "PATCH",
        &path,
        Some(TOKEN),
        Some(PATCH),
        &[("If-Match", &etag)],
    );
    assert_eq!(stale.unwrap().0, 412);
    let after = scrape(&server, None);
    assert_eq!(
        metric(&after, conflicts),
        metric(&before, conflicts) + 1.0,
        "{after}"
    );
    assert_eq!(
        metric(&after, stale_412),
        metric(&before, stale_412) + 1.0,
        "{after}"
    );
    let created =
        r#"scim_requests_total{method="POST",route="/{type}",resource_type="User",status="201"}"#;
    assert_eq!(metric(&after, created), 1.0, "{after}");
    let count = r#"scim_request_duration_seconds_count{method="PATCH",route="/{type}/{id}",resource_type="User"}"#;
    assert!(metric(&after, count) >= 2.0, "{after}");
    assert!(
        after.contains("# HELP scim_version_conflicts_total"),
        "{after}"
    );
    // Bounded labels: no id, and the tenant only when asked for.
    assert!(!after.contains(&id), "{after}");
    assert!(!after.contains("tenant="), "{after}");
}

#[test]
fn uniqueness_conflicts_and_provider_errors_are_counted() {
    let server = start(&[], &[], Stdio::null());
    let name = random_name("unique");
    let body = user_body(&name, "t");
    for expected in [201, 409] {
        let (status, _, _) = server
            .try_request("POST", "/scim/v2/Users", Some(TOKEN), Some(&body), &[])
            .unwrap();
        assert_eq!(status, expected);
    }
    let (status, _, _) = server
        .try_request("GET", "/scim/v2/Users/nobody", Some(TOKEN), None, &[])
        .unwrap();
    assert_eq!(status, 404);
    let text = scrape(&server, None);
    assert_eq!(
        metric(
            &text,
            r#"scim_uniqueness_conflicts_total{resource_type="User"}"#
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        metric(&text, r#"scim_provider_errors_total{kind="not_found"}"#),
        1.0,
        "{text}"
    );
}

#[test]
fn the_tenant_label_is_there_only_when_enabled() {
    let server = start(&["--metrics-tenant-label"], &[], Stdio::null());
    create_user(&server);
    let text = scrape(&server, None);
    let created = r#"scim_requests_total{method="POST",route="/{type}",resource_type="User",tenant="default",status="201"}"#;
    assert_eq!(metric(&text, created), 1.0, "{text}");
}

#[test]
fn metrics_can_be_off_on_their_own_listener_or_behind_the_token() {
    let off = start(&["--metrics=false"], &[], Stdio::null());
    let (status, _, body) = off.try_request("GET", "/metrics", None, None, &[]).unwrap();
    assert_eq!(status, 404, "off: /metrics is no endpoint: {body}");

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let own = start(&[], &[("SCIM_METRICS_LISTEN", &listen)], Stdio::null());
    create_user(&own);
    let (status, _, _) = own.try_request("GET", "/metrics", None, None, &[]).unwrap();
    assert_eq!(status, 404, "not on the main listener");
    let (status, _, body) = request(port, "GET", "/metrics", None, None, &[]).unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("scim_requests_total"), "{body}");

    let guarded = start(&["--metrics-require-token"], &[], Stdio::null());
    let (status, headers, body) = guarded
        .try_request("GET", "/metrics", None, None, &[])
        .unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(header(&headers, "www-authenticate").is_some());
    assert!(body.contains("\"status\":\"401\""), "{body}");
    scrape(&guarded, Some(TOKEN));
    let (status, headers, _) = guarded
        .try_request("POST", "/metrics", Some(TOKEN), None, &[])
        .unwrap();
    assert_eq!(
        (status, header(&headers, "allow")),
        (405, Some("GET, HEAD"))
    );
}

/// The lines the server wrote to `path`, once one contains `needle`.
fn log_lines(path: &std::path::Path, needle: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) || Instant::now() > deadline {
            return text.lines().map(str::to_owned).collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn each_request_is_one_json_log_line_with_its_request_id() {
    let dir = std::env::temp_dir().join(random_name("logs"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stdout.json");
    let env = [("SCIM_LOG_FORMAT", "json"), ("RUST_LOG", "info")];
    let server = start(&[], &env, Stdio::from(File::create(&path).unwrap()));
    let body = user_body(&random_name("logged"), "t");
    let (status, headers, _) = server
        .try_request(
            "POST",
            "/scim/v2/Users",
            Some(TOKEN),
            Some(&body),
            &[("X-Request-Id", "trace-42")],
        )
        .unwrap();
    assert_eq!(status, 201);
    assert_eq!(header(&headers, "x-request-id"), Some("trace-42"));
    let (_, headers, _) = server
        .try_request("GET", "/scim/v2/Users/nobody", Some(TOKEN), None, &[])
        .unwrap();
    let made = header(&headers, "x-request-id")
        .expect("a request id is made")
        .to_owned();
    let lines = log_lines(&path, &made);
    let answered: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["message"] == "request answered")
        .collect();
    assert_eq!(answered.len(), 2, "{lines:#?}");
    let first = &answered[0];
    assert_eq!(first["request_id"], "trace-42");
    assert_eq!(
        (first["method"].as_str(), first["route"].as_str()),
        (Some("POST"), Some("/{type}"))
    );
    assert_eq!(
        (first["resource_type"].as_str(), first["tenant"].as_str()),
        (Some("User"), Some("default"))
    );
    assert_eq!(first["status"], 201);
    assert!(first["latency_us"].as_u64().is_some(), "{first}");
    assert_eq!(
        (first["level"].as_str(), first["target"].as_str()),
        (Some("INFO"), Some("scim_http::request"))
    );
    assert_eq!(answered[1]["request_id"], made.as_str());
    assert_eq!(answered[1]["status"], 404);
    let all = lines.join("\n");
    assert!(!all.contains(TOKEN), "the token is never logged");
    assert!(!all.contains("\"userName\""), "no body at info");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn each_request_is_one_text_log_line() {
    let dir = std::env::temp_dir().join(random_name("text-logs"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stdout.log");
    let server = start(
        &[],
        &[("RUST_LOG", "info")],
        Stdio::from(File::create(&path).unwrap()),
    );
    let (_, headers, _) = server
        .try_request("GET", "/scim/v2/Users/nobody", Some(TOKEN), None, &[])
        .unwrap();
    let id = header(&headers, "x-request-id").unwrap().to_owned();
    let lines = log_lines(&path, &id);
    let line = lines
        .iter()
        .find(|l| l.contains(&id))
        .expect("the request's line");
    for part in [
        "INFO scim_http::request: request answered",
        &format!("request_id={id}"),
        "method=GET",
        "route=/{type}/{id}",
        "resource_type=User",
        "tenant=default",
        "status=404",
        "latency_us=",
    ] {
        assert!(line.contains(part), "{part:?} in {line}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_openapi_document_is_served_and_printed() {
    let server = start(&[], &[], Stdio::null());
    let (status, _, body) = server
        .try_request("GET", "/scim/v2/openapi.json", Some(TOKEN), None, &[])
        .unwrap();
    assert_eq!(status, 200);
    let served: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(served["openapi"], "3.1.0");
    let (status, _, _) = server
        .try_request("GET", "/scim/v2/openapi.json", None, None, &[])
        .unwrap();
    assert_eq!(status, 401, "discovery needs the token unless it is open");

    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_scim-server"))
        .args([
            "openapi",
            "--public-url",
            "https://scim.example.com/scim/v2",
        ])
        .env_remove("SCIM_PUBLIC_URL")
        .env_remove("SCIM_TENANT_IN_PATH")
        .output()
        .unwrap();
    assert!(printed.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(
        printed["servers"][0]["url"],
        "https://scim.example.com/scim/v2"
    );
    assert_eq!(
        printed["paths"], served["paths"],
        "one document, printed or served"
    );
}
