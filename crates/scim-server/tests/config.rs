//! The configuration file through the binary: two tenants with their own profiles
//! from one file, tokens added and removed by `SIGHUP`, a bad file refused at start
//! and on reload, flags combined with the file, a tenant's own webhook, webhooks
//! changed by `SIGHUP`.

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::receiver::Receiver;
use common::{Server, id_of, random_name, user_body};

const PATCH_TITLE: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"T"}]}"#;

/// A fresh directory for one test's file and logs.
fn workspace() -> PathBuf {
    let dir = std::env::temp_dir().join(random_name("config"));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Contoso on Entra ID's profile and Acme strict, each with its token(s).
fn two_tenants(contoso_tokens: &str, acme_tokens: &str) -> String {
    format!(
        "[tenants.contoso]\nprofile = \"entra\"\ntokens = [{contoso_tokens}]\n\n\
         [tenants.acme]\nprofile = \"strict\"\ntokens = [{acme_tokens}]\n"
    )
}

/// The server on `config`, logging at info to `dir/log`.
fn start(dir: &Path, config: &Path) -> Server {
    let log = File::create(dir.join("log")).expect("a log file");
    let env = [
        ("SCIM_DATABASE", "memory"),
        ("SCIM_CONFIG", config.to_str().expect("a UTF-8 path")),
        ("RUST_LOG", "info"),
    ];
    Server::start_env(&env, &[], Stdio::from(log))
}

/// Sends SIGHUP and waits until the server says it handled it (`reloaded` or not):
/// the `n`th such line in its log.
fn hangup(server: &Server, dir: &Path, n: usize) -> String {
    let status = Command::new("kill")
        .args(["-HUP", &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        let handled: Vec<&str> = log
            .lines()
            .filter(|line| {
                line.contains("configuration reloaded")
                    || line.contains("configuration not reloaded")
            })
            .collect();
        if let Some(line) = handled.get(n - 1) {
            return (*line).to_owned();
        }
        assert!(Instant::now() < deadline, "no reload logged:\n{log}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn status(server: &Server, method: &str, path: &str, token: &str, body: Option<&str>) -> u16 {
    let (status, _, _) = server
        .try_request(method, path, Some(token), body, &[])
        .expect("the server answers");
    status
}

#[test]
fn two_tenants_keep_their_profiles_and_isolation_across_token_rotation() {
    let dir = workspace();
    let config = dir.join("scim.toml");
    std::fs::write(&config, two_tenants("\"contoso-1\"", "\"acme-1\"")).unwrap();
    let server = start(&dir, &config);

    // Each tenant under its own profile: Entra's PATCH answers 204, strict's 200.
    let create = |token: &str| {
        let (status, _, body) = server
            .try_request(
                "POST",
                "/scim/v2/Users",
                Some(token),
                Some(&user_body(&random_name("u"), "t")),
                &[],
            )
            .unwrap();
        assert_eq!(status, 201, "{body}");
        id_of(&body)
    };
    let contoso_user = create("contoso-1");
    let acme_user = create("acme-1");
    let patch = |token: &str, id: &str| {
        status(
            &server,
            "PATCH",
            &format!("/scim/v2/Users/{id}"),
            token,
            Some(PATCH_TITLE),
        )
    };
    assert_eq!(patch("contoso-1", &contoso_user), 204);
    assert_eq!(patch("acme-1", &acme_user), 200);
    // Strict refuses the string boolean Entra sends.
    let stringly = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"s","active":"True"}"#;
    assert_eq!(
        status(&server, "POST", "/scim/v2/Users", "acme-1", Some(stringly)),
        400
    );
    // Neither sees the other's users.
    let read_contoso = |token: &str| {
        let path = format!("/scim/v2/Users/{contoso_user}");
        status(&server, "GET", &path, token, None)
    };
    assert_eq!(read_contoso("acme-1"), 404);
    assert_eq!(
        status(
            &server,
            "GET",
            &format!("/scim/v2/Users/{acme_user}"),
            "contoso-1",
            None
        ),
        404
    );

    // Rotation, step one: a second Contoso token beside the first.
    std::fs::write(
        &config,
        two_tenants("\"contoso-1\", \"contoso-2\"", "\"acme-1\""),
    )
    .unwrap();
    assert!(hangup(&server, &dir, 1).contains("configuration reloaded"));
    assert_eq!(read_contoso("contoso-2"), 200);
    assert_eq!(read_contoso("contoso-1"), 200);

    // Step two: the first one removed stops working at once. A webhook the file gains
    // waits for a restart: the server started without the change feed.
    std::fs::write(
        &config,
        two_tenants("\"contoso-2\"", "\"acme-1\"") + "webhooks = [\"http://127.0.0.1:9/\"]\n",
    )
    .unwrap();
    assert!(hangup(&server, &dir, 2).contains("configuration reloaded"));
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    assert!(log.contains("they start on the next start"), "{log}");
    assert_eq!(read_contoso("contoso-1"), 401);
    assert_eq!(
        patch("contoso-2", &contoso_user),
        204,
        "still Entra's profile"
    );
    assert_eq!(read_contoso("acme-1"), 404);

    // A bad file is refused with its line, and the running configuration stays.
    std::fs::write(
        &config,
        two_tenants("\"contoso-3\"", "\"acme-1\"")
            + "[tenants.acme.compatibility]\npatch_no_body = true\n",
    )
    .unwrap();
    let refused = hangup(&server, &dir, 3);
    assert!(refused.contains("configuration not reloaded"), "{refused}");
    assert!(
        refused.contains("scim.toml:9:1") && refused.contains("patch_no_body"),
        "{refused}"
    );
    assert_eq!(read_contoso("contoso-2"), 200);
    assert_eq!(read_contoso("contoso-3"), 401);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_invalid_file_is_refused_at_start_with_its_line() {
    let dir = workspace();
    let config = dir.join("scim.toml");
    std::fs::write(
        &config,
        "[tenants.a]\ntokens = [\"x\"]\nprofile = \"azure\"\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scim-server"))
        .env_clear()
        .env("SCIM_DATABASE", "memory")
        .env("SCIM_LISTEN", "127.0.0.1:0")
        .args(["--config", config.to_str().unwrap()])
        .output()
        .expect("run scim-server");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{said}");
    assert!(
        said.contains("scim.toml:3:11") && said.contains("\"azure\""),
        "{said}"
    );
    let missing = Command::new(env!("CARGO_BIN_EXE_scim-server"))
        .env_clear()
        .env("SCIM_CONFIG", dir.join("none.toml"))
        .env("SCIM_LISTEN", "127.0.0.1:0")
        .output()
        .expect("run scim-server");
    let said = String::from_utf8_lossy(&missing.stdout).into_owned()
        + &String::from_utf8_lossy(&missing.stderr);
    assert!(
        !missing.status.success() && said.contains("cannot read"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn flags_and_the_file_combine() {
    // --compat sets the profile of tenants that name none; --token adds the default
    // tenant beside the file's.
    let dir = workspace();
    let config = dir.join("scim.toml");
    std::fs::write(&config, "[tenants.acme]\ntokens = [\"acme\"]\n").unwrap();
    let env = [
        ("SCIM_DATABASE", "memory"),
        ("SCIM_CONFIG", config.to_str().unwrap()),
        ("SCIM_COMPAT", "okta"),
        ("SCIM_TOKEN", "plain"),
    ];
    let server = Server::start_env(&env, &[], Stdio::null());
    for token in ["acme", "plain"] {
        let (created, _, body) = server
            .try_request(
                "POST",
                "/scim/v2/Users",
                Some(token),
                Some(&user_body(&random_name("c"), "t")),
                &[],
            )
            .unwrap();
        assert_eq!(created, 201, "{body}");
        let id = id_of(&body);
        assert_eq!(
            status(
                &server,
                "PATCH",
                &format!("/scim/v2/Users/{id}"),
                token,
                Some(PATCH_TITLE)
            ),
            204,
            "{token}: okta's 204"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_tenants_webhook_receives_only_its_events() {
    let dir = workspace();
    let (own, every) = (Receiver::start(false), Receiver::start(false));
    let config = dir.join("scim.toml");
    let text = format!(
        "[tenants.contoso]\ntokens = [\"c\"]\n\n\
         [tenants.acme]\ntokens = [\"a\"]\nwebhooks = [\"{}\"]\nwebhook_secret = \"k\"\n",
        own.url
    );
    std::fs::write(&config, text).unwrap();
    let env = [
        ("SCIM_DATABASE", "memory"),
        ("SCIM_CONFIG", config.to_str().unwrap()),
        ("SCIM_WEBHOOK_URL", every.url.as_str()),
    ];
    let server = Server::start_env(&env, &[], Stdio::null());
    for token in ["c", "a", "c"] {
        let body = user_body(&random_name("hooked"), "t");
        let (created, _, _) = server
            .try_request("POST", "/scim/v2/Users", Some(token), Some(&body), &[])
            .unwrap();
        assert_eq!(created, 201);
    }
    every.wait_for(Duration::from_secs(10), "every tenant's events", |d| {
        d.len() == 3
    });
    own.wait_for(Duration::from_secs(10), "acme's event", |d| !d.is_empty());
    // A moment for anything that should not come.
    std::thread::sleep(Duration::from_millis(300));
    let delivered = own.delivered();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(delivered[0].event["tenant"], "acme");
    assert!(
        delivered[0].signature.is_some(),
        "signed with the tenant's secret"
    );
    assert!(every.delivered().iter().all(|d| d.signature.is_none()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_reload_moves_a_tenants_webhook() {
    let dir = workspace();
    let (old, new) = (Receiver::start(false), Receiver::start(false));
    let config = dir.join("scim.toml");
    let acme = |url: &str| format!("[tenants.acme]\ntokens = [\"a\"]\nwebhooks = [\"{url}\"]\n");
    std::fs::write(&config, acme(&old.url)).unwrap();
    let server = start(&dir, &config);
    let create = || {
        let body = user_body(&random_name("moved"), "t");
        let (created, _, _) = server
            .try_request("POST", "/scim/v2/Users", Some("a"), Some(&body), &[])
            .unwrap();
        assert_eq!(created, 201);
    };
    create();
    old.wait_for(Duration::from_secs(10), "the first event", |d| d.len() == 1);

    // The old receiver stops receiving; the new one starts at the oldest event kept.
    std::fs::write(&config, acme(&new.url)).unwrap();
    assert!(hangup(&server, &dir, 1).contains("configuration reloaded"));
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    assert!(log.contains("webhooks changed"), "{log}");
    create();
    new.wait_for(Duration::from_secs(10), "both events", |d| d.len() == 2);

    // Without webhooks, nothing is delivered.
    std::fs::write(&config, "[tenants.acme]\ntokens = [\"a\"]\n").unwrap();
    assert!(hangup(&server, &dir, 2).contains("configuration reloaded"));
    create();
    // A moment for anything that should not come.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(old.delivered().len(), 1, "{:?}", old.delivered());
    assert_eq!(new.delivered().len(), 2, "{:?}", new.delivered());
    let _ = std::fs::remove_dir_all(dir);
}
