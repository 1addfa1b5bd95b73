//! No secret in any output: every credential variable planted with a distinct
//! value, every subcommand run through failures of tools that echo their
//! environment, then every stream and every file the runs wrote grepped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, TempRepo, copy_tree, fixtures};

/// Every credential variable a release touches, each with its own value.
const PLANTED: [(&str, &str); 13] = [
    ("GH_TOKEN", "planted-value-gh-token-1a2b"),
    ("GITHUB_TOKEN", "planted-value-github-token-3c4d"),
    ("GH_ENTERPRISE_TOKEN", "planted-value-gh-enterprise-5e6f"),
    ("CARGO_REGISTRY_TOKEN", "planted-value-cargo-registry-7g8h"),
    (
        "CARGO_REGISTRIES_MIRROR_TOKEN",
        "planted-value-cargo-mirror-9i0j",
    ),
    ("NPM_TOKEN", "planted-value-npm-token-1k2l"),
    ("NODE_AUTH_TOKEN", "planted-value-node-auth-3m4n"),
    ("PYPI_API_TOKEN", "planted-value-pypi-api-5o6p"),
    ("TWINE_PASSWORD", "planted-value-twine-password-7q8r"),
    ("HOMEBREW_TAP_TOKEN", "planted-value-homebrew-tap-9s0t"),
    (
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "planted-value-oidc-request-1u2v",
    ),
    (
        "ACTIONS_RUNTIME_TOKEN",
        "planted-value-actions-runtime-3w4x",
    ),
    ("GITHUB_ENTERPRISE_TOKEN", "planted-value-ghe-token-5y6z"),
];

/// Token-shaped text from no variable (printed by the leaky tools, given as arguments).
const SHAPED: [&str; 6] = [
    "ghp_LeakyLeakyLeaky0123456789",
    "gho_LeakyLeakyLeaky0123456789",
    "ghs_LeakyLeakyLeaky0123456789",
    "github_pat_11LEAKY0000_LeakyLeakyLeaky",
    "pypi-AgEIcLeakyLeakyLeakyLeaky",
    "npm_LeakyLeakyLeaky0123456789",
];

/// The leaky tool under every name the xtask runs, but git and sh.
fn leaky_bin(base: &Path) -> PathBuf {
    let bin = base.join("leaky-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["gh", "ergo", "curl", "cargo", "python3", "node"] {
        std::fs::copy(fixtures().join("leaky/tool"), bin.join(name)).unwrap();
    }
    bin
}

fn run_leaky(repo: &TempRepo, args: &[&str]) -> Run {
    run_leaky_with(repo, args, &[])
}

/// [`run_leaky`] with more variables planted.
fn run_leaky_with(repo: &TempRepo, args: &[&str], more: &[(&str, &str)]) -> Run {
    let bin = leaky_bin(&repo.base());
    let path = std::env::join_paths(
        std::iter::once(bin)
            .chain(crate::support::python_dir())
            .chain(crate::support::system_path().iter().cloned()),
    )
    .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(args)
        .current_dir(&repo.dir)
        .env("PATH", path)
        .env("FAKE_DIR", repo.fake_state())
        .env("XTASK_TODAY", crate::support::TODAY)
        .env("XTASK_TEST_FAST_POLLS", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com");
    for (name, value) in PLANTED.iter().chain(more) {
        command.env(name, value);
    }
    let out = command.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file below `dir` (`.git` included: the tool runs git).
fn all_files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() && entry.file_name() != "leaky-bin" {
            all_files(&path, out);
        } else if kind.is_file() {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
}

/// The secrets found in `text`, by name.
fn leaks(text: &str) -> Vec<String> {
    PLANTED
        .iter()
        .map(|(_, v)| *v)
        .chain(SHAPED)
        .filter(|secret| text.contains(secret))
        .map(String::from)
        .collect()
}

#[test]
fn no_secret_reaches_any_output_or_file() {
    // A release repository whose last gate prints the environment and fails.
    let release = TempRepo::with_origin("release/in");
    let config = release.read("release/config.toml")
        + "\n[[gate]]\nname = \"leaky\"\ncommand = \"sh -c 'env; env >&2; printf gh%s p_LeakyLeakyLeaky0123456789; exit 1'\"\ntimeout = \"10s\"\n";
    release.write("release/config.toml", &config);
    release.commit_and_push("a gate that echoes its environment");
    // A distribution repository whose channels are served by nothing.
    let dist = TempRepo::with_origin("lockstep/in");
    let extra = std::fs::read_to_string(fixtures().join("distribution/config.toml")).unwrap();
    dist.write(
        "release/config.toml",
        &(dist.read("release/config.toml") + &extra.replace("{server}", "http://127.0.0.1:9")),
    );
    copy_tree(&fixtures().join("homebrew"), &dist.path("hb"));
    dist.commit_and_push("distribution");

    let token = SHAPED[0];
    let value = PLANTED[0].1;
    let runs: Vec<(&TempRepo, Vec<&str>)> = vec![
        (&dist, vec!["versions"]),
        (&dist, vec!["versions", "--json"]),
        (&dist, vec!["verify"]),
        (&dist, vec!["verify", "--json", "--tag", token]),
        (&dist, vec!["bump", token]),
        (&dist, vec!["bump", value]),
        (&dist, vec!["bump", "pre", token]),
        (&dist, vec!["bump", "minor", "--dry-run"]),
        (&dist, vec!["sync", "--dry-run"]),
        (&dist, vec!["sync"]),
        (&dist, vec!["test"]),
        (&dist, vec!["matrix"]),
        (&dist, vec!["matrix", "--json"]),
        (&dist, vec!["changelog", token]),
        (&dist, vec!["changelog", "1.4.2"]),
        (
            &dist,
            vec![
                "homebrew",
                "v1.5.0",
                "--sha256sums",
                "hb/sha256sums-1.5.0.txt",
                "--dry-run",
            ],
        ),
        (
            &dist,
            vec!["homebrew", value, "--sha256sums", "hb/sha256sums-1.5.0.txt"],
        ),
        (&dist, vec!["homebrew", "v1.5.0", "--sha256sums", value]),
        (&dist, vec!["delivery", "v1.4.2", "--max-wait", "100ms"]),
        (
            &dist,
            vec!["delivery", "v1.4.2", "--json", "--max-wait", "100ms"],
        ),
        (&dist, vec!["delivery", token]),
        (&dist, vec!["bump", "minor"]),
        (&release, vec!["release", "v1.5.0"]),
        (
            &release,
            vec!["release", "v1.5.0", "--json", "--agent", token],
        ),
        (&release, vec!["release", "v1.5.0", "--live"]),
        (&release, vec!["release", value, "--live"]),
        (&release, vec!["publish", "--build-run-id", "7"]),
        (&release, vec!["publish", "--build-run-id", "7", "--json"]),
        (&release, vec!["--help"]),
        (&release, vec![token]),
        (&release, vec!["bump", "--dry-run", value, token]),
    ];
    let mut failed = 0;
    let mut masked = 0;
    for (repo, args) in &runs {
        let run = run_leaky(repo, args);
        failed += usize::from(run.code != 0);
        masked += usize::from(run.all().contains("[REDACTED]"));
        let found = leaks(&run.all());
        assert!(
            found.is_empty(),
            "`xtask {}` printed {found:?}:\n{}",
            args.join(" "),
            run.all()
        );
    }
    assert!(
        failed >= 15,
        "the runs go through failures: {failed} of {} failed",
        runs.len()
    );
    // The leaky tools really ran and echoed (so the runs above were tested).
    assert!(masked >= 15, "only {masked} runs showed a masked secret");
    assert!(
        release
            .path(".scratch/release/evidence-v1.5.0.json")
            .is_file()
    );
    let evidence = release.read(".scratch/release/evidence-v1.5.0.json");
    assert!(evidence.contains("[REDACTED]"), "{evidence}");
    for repo in [&release, &dist] {
        let mut files = Vec::new();
        all_files(&repo.base(), &mut files);
        for (path, bytes) in files {
            let found = leaks(&String::from_utf8_lossy(&bytes));
            assert!(found.is_empty(), "{} holds {found:?}", path.display());
        }
    }
}

/// Secrets no list names (any variable whose name says TOKEN, SECRET,
/// PASSWORD, PASSWD, API_KEY, PRIVATE_KEY or CREDENTIAL), one with `"`
/// and `\` (which JSON escapes), and a multi-line key: none reaches any
/// output, evidence or file, as a whole, line by line or JSON-escaped.
#[test]
fn quoted_multi_line_and_unlisted_secrets_never_leak() {
    let planted: [(&str, &str); 8] = [
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMIplantedK7MDENGbPxRfiCY",
        ),
        ("DB_PASSWD", "planted-db-passwd-4f5e"),
        ("OPENAI_API_KEY", "planted-openai-api-key-6d7c"),
        ("SERVICE_CREDENTIAL", "planted-service-credential-8b9a"),
        ("app_password", "planted-app-password-0z1y"),
        ("MY_SECRET", "planted\"quo\\ted-secret-2x3w"),
        (
            "DEPLOY_PRIVATE_KEY",
            "-----BEGIN PLANTED KEY-----\nplanted-key-line-one-4v5u\nplanted-key-line-two-6t7s\n-----END PLANTED KEY-----",
        ),
        (
            "GH_TOKEN",
            "planted-multi-line-token\nsecond-token-line-8r9q",
        ),
    ];
    // Every form a leak could take: whole, each line, JSON-escaped.
    let mut forms: Vec<String> = Vec::new();
    for (_, value) in planted {
        for form in std::iter::once(value).chain(value.lines()) {
            forms.push(form.to_string());
            let json = serde_json::Value::String(form.to_string()).to_string();
            forms.push(json[1..json.len() - 1].to_string());
        }
    }
    forms.sort();
    forms.dedup();
    let found = |text: &str| -> Vec<String> {
        forms
            .iter()
            .filter(|f| text.contains(f.as_str()))
            .cloned()
            .collect()
    };
    let release = TempRepo::with_origin("release/in");
    let config = release.read("release/config.toml")
        + "\n[[gate]]\nname = \"leaky\"\ncommand = \"sh -c 'env; env >&2; exit 1'\"\ntimeout = \"10s\"\n";
    release.write("release/config.toml", &config);
    release.commit_and_push("a gate that echoes its environment");
    let runs: [&[&str]; 4] = [
        &["release", "v1.5.0"],
        &["release", "v1.5.0", "--json"],
        &["test"],
        &["verify", "--json"],
    ];
    let mut printed = 0;
    let mut masked = 0;
    for args in runs {
        let run = run_leaky_with(&release, args, &planted);
        masked += usize::from(run.all().contains("[REDACTED]"));
        let leaked = found(&run.all());
        printed += leaked.len();
        assert!(
            leaked.is_empty(),
            "`xtask {}` printed {leaked:?}:\n{}",
            args.join(" "),
            run.all()
        );
    }
    assert!(masked >= 3, "the leaky tools ran and were masked: {masked}");
    let evidence = release.read(".scratch/release/evidence-v1.5.0.json");
    assert!(evidence.contains("[REDACTED]"), "{evidence}");
    let mut files = Vec::new();
    all_files(&release.base(), &mut files);
    for (path, bytes) in files {
        let leaked = found(&String::from_utf8_lossy(&bytes));
        printed += leaked.len();
        assert!(leaked.is_empty(), "{} holds {leaked:?}", path.display());
    }
    eprintln!(
        "secrets: {} planted ({} forms), {printed} printed",
        planted.len(),
        forms.len()
    );
}
