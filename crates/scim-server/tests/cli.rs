//! The command line through the binary: environment variables, their precedence under
//! flags, configuration errors, the tokens of `--token` and `--tenants` together,
//! `openapi` under a profile and a configuration file, `migrate`.

mod common;

use std::process::{Command, Output, Stdio};

use common::*;

/// Runs the binary with only these `SCIM_*` variables.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scim-server"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("SCIM_")) {
        command.env_remove(name);
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run scim-server")
}

fn document(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON document")
}

#[test]
fn the_environment_is_read_and_flags_win() {
    let env = [
        ("SCIM_PUBLIC_URL", "https://from-env.example.com/scim"),
        ("SCIM_TENANT_IN_PATH", "yes"),
    ];
    let from_env = document(&run(&["openapi"], &env));
    assert_eq!(
        from_env["servers"][0]["url"],
        "https://from-env.example.com/scim/{tenant}"
    );
    let flags = [
        "openapi",
        "--public-url",
        "https://flag.example.com/v2",
        "--tenant-in-path=false",
    ];
    let from_flags = document(&run(&flags, &env));
    assert_eq!(
        from_flags["servers"][0]["url"],
        "https://flag.example.com/v2"
    );
    let empty = document(&run(&["openapi"], &[("SCIM_PUBLIC_URL", "")]));
    assert_eq!(
        empty["servers"][0]["url"], "/scim/v2",
        "an empty variable is unset"
    );
}

#[test]
fn the_openapi_document_describes_the_tenants_of_the_profile_and_the_file() {
    let patch_answers = |document: &serde_json::Value| -> Vec<String> {
        let responses = document["paths"]["/Users/{id}"]["patch"]["responses"]
            .as_object()
            .expect("PATCH responses");
        (responses.keys())
            .filter(|code| code.starts_with('2'))
            .cloned()
            .collect()
    };
    assert_eq!(patch_answers(&document(&run(&["openapi"], &[]))), ["200"]);
    let entra = document(&run(&["openapi"], &[("SCIM_COMPAT", "entra")]));
    assert_eq!(patch_answers(&entra), ["204"]);
    let dir = std::env::temp_dir().join(random_name("openapi"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("scim.toml");
    std::fs::write(&file, "[tenants.a]\nprofile = \"okta\"\n[tenants.b]\n").unwrap();
    let both = document(&run(&["openapi", "--config", file.to_str().unwrap()], &[]));
    assert_eq!(patch_answers(&both), ["200", "204"]);
    std::fs::write(&file, "[tenants.a]\nprofle = \"okta\"\n").unwrap();
    let refused = run(&["openapi", "--config", file.to_str().unwrap()], &[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("scim.toml:2:1"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn configuration_errors_say_what_is_wrong_and_exit_2() {
    for (args, env, says) in [
        (&["--bogus"][..], &[][..], "--bogus"),
        (&[], &[("SCIM_TRUST_FORWARDED", "maybe")], "maybe"),
        (&[], &[("SCIM_LOG_FORMAT", "xml")], "xml"),
        (&[], &[("SCIM_PUBLIC_URL", "/no-host")], "a host"),
        (&["serve", "--metrics-listen", "nowhere"], &[], "nowhere"),
    ] {
        let output = run(args, env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} {env:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{stderr}"
        );
    }
    let output = run(
        &[
            "--listen",
            "256.0.0.1:1",
            "--database",
            "memory",
            "--token",
            "t",
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("cannot listen on 256.0.0.1:1"), "{stdout}");
}

#[test]
fn help_lists_every_variable() {
    let output = run(&["--help"], &[]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "SCIM_LISTEN",
        "SCIM_TOKEN",
        "SCIM_TENANTS",
        "SCIM_METRICS_LISTEN",
        "SCIM_LOG_FORMAT",
        "RUST_LOG",
    ] {
        assert!(help.contains(variable), "{variable}: {help}");
    }
}

#[test]
fn token_and_tenants_combine() {
    let env = [
        ("SCIM_DATABASE", "memory"),
        ("SCIM_TOKEN", "default-token"),
        ("SCIM_TENANTS", "acme=acme-token,globex=globex-token"),
        ("RUST_LOG", "warn"),
    ];
    let server = Server::start_env(&env, &[], Stdio::null());
    let name = random_name("tenant");
    for token in ["default-token", "acme-token", "globex-token"] {
        let (status, _, body) = server
            .try_request(
                "POST",
                "/scim/v2/Users",
                Some(token),
                Some(&user_body(&name, "t")),
                &[],
            )
            .unwrap();
        assert_eq!(status, 201, "{token}: {body}");
    }
    let (status, _, _) = server
        .try_request("GET", "/scim/v2/Users", Some("nobody"), None, &[])
        .unwrap();
    assert_eq!(status, 401);
}

#[test]
fn migrate_brings_a_database_up_to_date_and_says_so() {
    let dir = std::env::temp_dir().join(random_name("migrate"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("scim.db").display());
    for _ in 0..2 {
        let output = run(&["migrate", "--database", &url], &[]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        let version = scim_sql::SCHEMA_VERSION;
        assert!(
            stdout.contains(&format!("schema version {version}")),
            "{stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
