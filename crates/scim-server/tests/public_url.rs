//! Locations come from `--public-url`, not from the address the binary binds; with
//! `--tenant-in-path` they carry the tenant, and with `--trust-forwarded` a proxy's
//! origin.

mod common;

use common::*;

const PUBLIC: &str = "https://scim.example.test/identity/scim";

fn create(server: &Server, path: &str, token: &str, headers: &[(&str, &str)]) -> (String, String) {
    let body = user_body(&random_name("located"), "t");
    let (status, headers, body) = server
        .try_request("POST", path, Some(token), Some(&body), headers)
        .expect("reachable");
    assert_eq!(status, 201, "{body}");
    let location = header(&headers, "location").expect("Location").to_owned();
    (id_of(&body), location)
}

#[test]
fn locations_follow_the_public_url_and_its_path() {
    let (tenant, token) = ("acme", "public-url-token");
    let server = Server::start_with("memory", tenant, token, &["--public-url", PUBLIC]);
    let (id, location) = create(&server, "/identity/scim/Users", token, &[]);
    assert_eq!(location, format!("{PUBLIC}/Users/{id}"));
    let (status, _, body) = server
        .try_request(
            "GET",
            &format!("/identity/scim/Users/{id}"),
            Some(token),
            None,
            &[],
        )
        .unwrap();
    assert_eq!(status, 200);
    assert!(
        body.contains(&format!("\"location\":\"{PUBLIC}/Users/{id}\"")),
        "{body}"
    );
    let (status, _, _) = server
        .try_request("GET", "/scim/v2/Users", Some(token), None, &[])
        .unwrap();
    assert_eq!(status, 404, "the path served is the public URL's");
}

#[test]
fn tenant_in_path_and_a_trusted_proxy() {
    let (tenant, token) = ("globex", "tenant-path-token");
    let server = Server::start_with(
        "memory",
        tenant,
        token,
        &[
            "--public-url",
            PUBLIC,
            "--tenant-in-path",
            "--trust-forwarded",
        ],
    );
    let path = format!("/identity/scim/{tenant}/Users");
    let (id, location) = create(&server, &path, token, &[]);
    assert_eq!(location, format!("{PUBLIC}/{tenant}/Users/{id}"));
    let proxied = [
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "edge.example.test"),
    ];
    let (id, location) = create(&server, &path, token, &proxied);
    assert_eq!(
        location,
        format!("https://edge.example.test/identity/scim/{tenant}/Users/{id}")
    );
    let (status, _, _) = server
        .try_request("GET", "/identity/scim/other/Users", Some(token), None, &[])
        .unwrap();
    assert_eq!(status, 403, "another tenant's path");
}

#[test]
fn forwarded_headers_are_ignored_unless_trusted() {
    let (tenant, token) = ("initech", "untrusted-token");
    let server = Server::start_with("memory", tenant, token, &["--public-url", PUBLIC]);
    let forged = [("X-Forwarded-Host", "evil.example.test")];
    let (id, location) = create(&server, "/identity/scim/Users", token, &forged);
    assert_eq!(location, format!("{PUBLIC}/Users/{id}"));
}
