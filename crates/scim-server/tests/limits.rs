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
    assert_eq!(header(&headers, "content-type"), Some("application/scim+json"));
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
