//! `cargo xtask delivery` against a local HTTP server (crates.io, npm, PyPI)
//! and a fake `gh` first on PATH (Homebrew, GitHub).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::server::{Answer, Server};
use crate::support::{Run, TempRepo, copy_tree, fixtures, xtask_env};

pub(crate) const CRATES: &str = "/crates-index/fi/xt/fixture";
pub(crate) const NPM: &str = "/npm/fixture";
pub(crate) const PYPI: &str = "/pypi/fixture/1.4.2/json";
pub(crate) const GO: &str = "/go/github.com/example/fixture/bindings/go/@v/v1.4.2.info";

/// The lockstep fixture with the distribution sections pointing at `server`.
pub(crate) fn repo(server: &Server) -> TempRepo {
    let repo = TempRepo::new("lockstep/in");
    let extra = std::fs::read_to_string(fixtures().join("distribution/config.toml")).unwrap();
    let config = repo.read("release/config.toml") + &extra.replace("{server}", &server.url);
    repo.write("release/config.toml", &config);
    std::fs::create_dir_all(repo.dir.join("bindings/go")).unwrap();
    repo.write(
        "bindings/go/go.mod",
        "module github.com/example/fixture/bindings/go\n\ngo 1.22\n",
    );
    repo
}

/// Every registry answering with its recorded document.
pub(crate) fn all_good() -> Vec<(&'static str, Answer)> {
    vec![
        (CRATES, Answer::File("delivery/crates-index-fixture")),
        (NPM, Answer::File("delivery/npm-fixture.json")),
        (PYPI, Answer::File("delivery/pypi-fixture-1.4.2.json")),
        (GO, Answer::File("delivery/go-fixture-1.4.2.info")),
    ]
}

/// A copy of the fake `gh` and its answers; `swap` replaces answers by other recorded files.
struct FakeGh {
    dir: PathBuf,
}

impl FakeGh {
    fn new(repo: &TempRepo, swap: &[(&str, &str)]) -> FakeGh {
        let dir = repo.dir.parent().unwrap().join("fake-gh");
        copy_tree(&fixtures().join("delivery/gh"), &dir);
        for (answer, recorded) in swap {
            std::fs::copy(dir.join(recorded), dir.join(answer)).unwrap();
        }
        FakeGh { dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    fn run(&self, repo: &TempRepo, args: &[&str]) -> Run {
        // The fake first, then no real gh or ergo (a filing never reaches
        // the machine's own tracker).
        let path = crate::support::hermetic_path(std::slice::from_ref(&self.dir));
        let log = self.dir.join("log");
        xtask_env(
            &repo.dir,
            args,
            &[
                ("PATH", path.as_os_str()),
                ("FAKE_GH_DIR", self.dir.as_os_str()),
                ("FAKE_GH_LOG", log.as_os_str()),
            ],
        )
    }
}

/// The line of `channel` in the text report.
fn line<'a>(run: &'a Run, channel: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{channel} ")))
        .unwrap_or_else(|| panic!("no line for {channel}:\n{}", run.all()))
}

#[test]
fn every_channel_passes() {
    let server = Server::start(all_good());
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[]);
    let run = gh.run(&repo, &["delivery", "v1.4.2"]);
    run.success();
    for channel in ["crates", "npm", "pypi", "homebrew", "github", "go"] {
        assert!(line(&run, channel).contains(" pass "), "{}", run.all());
    }
    assert!(
        line(&run, "npm").contains("dist-tag latest"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("delivery: ok"), "{}", run.all());
    let log = gh.log();
    assert!(
        log.contains("api repos/example/homebrew-tap/contents/Formula/fixture.rb"),
        "{log}"
    );
    assert!(
        log.contains("release view v1.4.2 --repo example/fixture --json assets"),
        "{log}"
    );
    assert!(
        log.contains(
            "release download v1.4.2 --repo example/fixture --pattern sha256sums.txt --output -"
        ),
        "{log}"
    );
    let json = gh
        .run(&repo, &["delivery", "v1.4.2", "--json"])
        .success()
        .json();
    assert_eq!(json["ok"], true);
    let statuses: Vec<&str> = json["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["pass"; 6]);
}

#[test]
fn a_missing_version_fails_its_channel_and_skips_the_others() {
    let server = Server::start(vec![
        (CRATES, Answer::File("delivery/crates-index-fixture-old")),
        (NPM, Answer::File("delivery/npm-fixture.json")),
    ]);
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[]);
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "crates,pypi,npm",
            "--max-wait",
            "100ms",
        ],
    );
    run.failure(1);
    let crates = line(&run, "crates");
    assert!(crates.contains(" fail "), "{crates}");
    assert!(
        crates.contains("fixture 1.4.2 is not in the sparse index yet (it lists up to 1.4.1)"),
        "{crates}"
    );
    let pypi = line(&run, "pypi");
    assert!(
        pypi.contains("PyPI has no fixture 1.4.2 yet") && pypi.contains("answered 404"),
        "{pypi}"
    );
    assert!(line(&run, "npm").contains(" pass "), "{}", run.all());
    assert!(
        line(&run, "github").contains(" skip  not requested"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains("delivery: FAILED: crates, pypi"),
        "{}",
        run.all()
    );
    assert!(
        gh.log().is_empty(),
        "gh was called for skipped channels: {}",
        gh.log()
    );
}

#[test]
fn a_version_that_appears_late_passes_on_a_retry() {
    let mut routes = all_good();
    routes[0].1 = Answer::Late {
        misses: 2,
        then: Box::new(Answer::File("delivery/crates-index-fixture")),
    };
    let server = Server::start(routes);
    let repo = repo(&server);
    let run = FakeGh::new(&repo, &[]).run(&repo, &["delivery", "v1.4.2", "--channels", "crates"]);
    run.success();
    assert!(
        line(&run, "crates").contains("(3 attempts,"),
        "{}",
        run.all()
    );
    assert_eq!(server.hits(CRATES), 3);
}

#[test]
fn a_wrong_sha256_in_the_tap_formula_fails_homebrew() {
    let server = Server::start(all_good());
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[("contents.json", "contents-wrong-sha.json")]);
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "homebrew,github",
            "--max-wait",
            "0s",
        ],
    );
    run.failure(1);
    let homebrew = line(&run, "homebrew");
    assert!(
        homebrew.contains(&format!(
            "the sha256 of fixture_1.4.2_linux-x86_64.tar.gz is {} but sha256sums.txt says {}",
            "9f".repeat(32),
            "1a".repeat(32)
        )),
        "{homebrew}"
    );
    assert!(line(&run, "github").contains(" pass "), "{}", run.all());
}

#[test]
fn a_missing_release_asset_fails_github() {
    let server = Server::start(all_good());
    let repo = repo(&server);
    let gh = FakeGh::new(
        &repo,
        &[("release-view.json", "release-view-missing-asset.json")],
    );
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "github",
            "--max-wait",
            "0s",
            "--json",
        ],
    );
    run.failure(1);
    let json = run.json();
    let github = &json["channels"].as_array().unwrap()[4];
    assert_eq!(github["channel"], "github");
    assert_eq!(github["status"], "fail");
    let reason = github["reason"].as_str().unwrap();
    assert!(
        reason.contains("release v1.4.2 of example/fixture lacks fixture_1.4.2_windows-x86_64.zip"),
        "{reason}"
    );
}

#[test]
fn a_hanging_server_times_out_with_a_clear_message() {
    let mut routes = all_good();
    routes[2].1 = Answer::Hang;
    let server = Server::start(routes);
    let repo = repo(&server);
    let start = Instant::now();
    let run = FakeGh::new(&repo, &[]).run(
        &repo,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "pypi,crates",
            "--max-wait",
            "500ms",
        ],
    );
    run.failure(1);
    let pypi = line(&run, "pypi");
    assert!(pypi.contains(" fail "), "{pypi}");
    assert!(
        pypi.contains(&format!("GET {}{PYPI} timed out after 300ms", server.url)),
        "{pypi}"
    );
    assert!(pypi.contains("gave up (max wait 500ms)"), "{pypi}");
    assert!(line(&run, "crates").contains(" pass "), "{}", run.all());
    // Far below the 300 s the server hangs for: the timeout cut the request.
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn unknown_channels_and_missing_sections_are_errors() {
    let server = Server::start(Vec::new());
    let repo = repo(&server);
    let run = repo.xtask(&["delivery", "v1.4.2", "--channels", "crates,ftp"]);
    run.failure(2);
    assert!(
        run.stderr.contains("unknown channel `ftp`"),
        "{}",
        run.stderr
    );
    let plain = TempRepo::new("lockstep/in");
    let run = plain.xtask(&["delivery", "v1.4.2"]);
    run.failure(1);
    assert!(
        run.stderr.contains("has no [delivery] section"),
        "{}",
        run.stderr
    );
}

/// Opt-in, needs the network: `cargo test -p xtask -- --ignored real_registries`.
#[test]
#[ignore = "reaches crates.io and PyPI over the network"]
fn real_registries() {
    let repo = TempRepo::new("lockstep/in");
    let config = repo.read("release/config.toml")
        + "\n[delivery]\nchannels = [\"crates\", \"pypi\"]\ncrate = \"serde\"\npypi_package = \"requests\"\nmax_wait = \"30s\"\nrequest_timeout = \"20s\"\n";
    repo.write("release/config.toml", &config);
    // serde 1.0.0 and requests 1.0.0 both exist.
    let run = repo.xtask(&["delivery", "v1.0.0"]);
    run.success();
    assert!(
        line(&run, "crates").contains("serde 1.0.0 is in the crates.io index"),
        "{}",
        run.all()
    );
    assert!(
        line(&run, "pypi").contains("requests 1.0.0 is on PyPI"),
        "{}",
        run.all()
    );
}

#[test]
fn a_built_file_is_compared_with_the_registry_checksum() {
    let registry = std::env::temp_dir().join(format!("xtask-it-registry-{}", std::process::id()));
    let server = Server::directory(registry.clone());
    let repo = repo(&server);
    repo.write("fixture-1.4.2.crate", "the crate this build made");
    let sum = {
        let out = std::process::Command::new("sha256sum")
            .arg(repo.path("fixture-1.4.2.crate"))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    let index = registry.join("crates-index/fi/xt/fixture");
    std::fs::create_dir_all(index.parent().unwrap()).unwrap();
    let entry = |cksum: &str| {
        format!(
            "{{\"name\":\"fixture\",\"vers\":\"1.4.2\",\"cksum\":\"{cksum}\",\"yanked\":false}}\n"
        )
    };
    let gh = FakeGh::new(&repo, &[]);
    let args = [
        "delivery",
        "v1.4.2",
        "--channels",
        "crates",
        "--artifact",
        "fixture-1.4.2.crate",
        "--max-wait",
        "30s",
    ];
    std::fs::write(&index, entry(&sum)).unwrap();
    let run = gh.run(&repo, &args);
    run.success();
    assert!(
        line(&run, "crates").contains("with the checksum of fixture-1.4.2.crate"),
        "{}",
        run.all()
    );

    // Someone else's 1.4.2: a mismatch at once, without waiting for the maximum.
    std::fs::write(&index, entry(&"ab".repeat(32))).unwrap();
    const INDEX_PATH: &str = "/crates-index/fi/xt/fixture";
    let once = server.hits(INDEX_PATH);
    assert!(once >= 1, "the passing check asked the index");
    let run = gh.run(&repo, &args);
    run.failure(1);
    // No retry: the index was asked as often as by the check that passed.
    assert_eq!(server.hits(INDEX_PATH), 2 * once, "no retries");
    let crates = line(&run, "crates");
    assert!(
        crates.contains(" mismatch ") && crates.contains("(1 attempt,"),
        "{}",
        run.all()
    );
    assert!(
        crates.contains(&"ab".repeat(32)) && crates.contains(&sum),
        "{crates}"
    );
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json = gh.run(&repo, &json_args).failure(1).json();
    assert_eq!(json["channels"][0]["status"], "mismatch");

    // A file that is not there is an error that names it.
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "crates",
            "--artifact",
            "gone.crate",
        ],
    );
    run.failure(1);
    assert!(
        run.stderr.contains("cannot read the artifact gone.crate"),
        "{}",
        run.all()
    );
    let _ = std::fs::remove_dir_all(&registry);
}

#[test]
fn a_pre_release_skips_homebrew() {
    let server = Server::start(all_good());
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[]);
    let run = gh.run(
        &repo,
        &["delivery", "v1.5.0-rc.1", "--channels", "homebrew"],
    );
    run.success();
    assert!(
        line(&run, "homebrew").contains("skip  a pre-release is not published to the Homebrew tap"),
        "{}",
        run.all()
    );
    assert!(
        !gh.log().contains("homebrew-tap"),
        "the tap is not read: {}",
        gh.log()
    );
}

#[test]
fn on_github_actions_a_failing_channel_is_an_annotation_and_a_summary() {
    let server = Server::start(vec![(CRATES, Answer::Status(404))]);
    let repo = repo(&server);
    let summary = repo.dir.parent().unwrap().join("step-summary.md");
    let run = xtask_env(
        &repo.dir,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "crates",
            "--max-wait",
            "0s",
            "--no-blocker",
        ],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
        ],
    );
    run.failure(1);
    let annotations: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "{}", run.all());
    assert!(
        annotations[0].starts_with("::error::crates does not serve v1.4.2: "),
        "{}",
        annotations[0]
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("### Delivery of v1.4.2\n\n| channel | status | reason |\n| --- | --- | --- |\n| crates | fail | "),
        "{text}"
    );
    // --no-blocker: nothing is filed, and ergo is not even asked.
    assert!(!run.all().contains("blocker"), "{}", run.all());
}

/// The workflow's own shell that picks `npm publish --tag`, run for `version`.
fn workflow_dist_tag(version: &str) -> String {
    let workflow = std::fs::read_to_string(
        crate::support::workspace_root().join(".github/workflows/release-publish.yml"),
    )
    .unwrap();
    let start = workflow.find("dist_tag=latest").expect("the dist-tag rule");
    let end = start + workflow[start..].find("esac").unwrap() + "esac".len();
    let script = format!(
        "set -eu\nVERSION='{version}'\n{}\necho \"${{dist_tag}}\"\n",
        &workflow[start..end]
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_tool_and_the_workflow_agree_on_the_npm_dist_tag() {
    let registry = std::env::temp_dir().join(format!("xtask-it-npm-{}", std::process::id()));
    let server = Server::directory(registry.clone());
    let repo = repo(&server);
    std::fs::create_dir_all(registry.join("npm")).unwrap();
    for version in [
        "1.0.0",
        "1.0.0-rc.1",
        "1.0.0-rc1",
        "2.0.0-beta.2",
        "2.0.0-alpha",
        "3.0.0-1",
    ] {
        let tag = workflow_dist_tag(version);
        // A registry where the workflow's tag points at the version: the
        // tool's npm check passes only if its own rule names the same tag.
        let doc = format!(
            "{{\"versions\":{{\"{version}\":{{}}}},\"dist-tags\":{{\"latest\":\"0.9.0\",\"{tag}\":\"{version}\"}}}}"
        );
        std::fs::write(registry.join("npm/fixture"), doc).unwrap();
        let run = xtask_env(
            &repo.dir,
            &[
                "delivery",
                &format!("v{version}"),
                "--channels",
                "npm",
                "--max-wait",
                "0s",
                "--no-blocker",
            ],
            &[],
        );
        assert!(
            line(&run, "npm").contains(&format!("dist-tag {tag}")),
            "{version}: the workflow tags `{tag}`, the tool says: {}",
            run.all()
        );
        run.success();
    }
    assert_eq!(workflow_dist_tag("1.0.0-rc1"), "rc");
    assert_eq!(workflow_dist_tag("3.0.0-1"), "next");
    let _ = std::fs::remove_dir_all(&registry);
}

#[test]
fn the_go_module_proxy_serves_the_binding() {
    let server = Server::start(all_good());
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[]);
    let run = gh.run(&repo, &["delivery", "v1.4.2", "--channels", "go"]);
    run.success();
    assert!(
        line(&run, "go").contains(
            "pass  github.com/example/fixture/bindings/go v1.4.2 is on the Go module proxy (tag bindings/go/v1.4.2)"
        ),
        "{}",
        run.all()
    );
    // A version the proxy does not have: the tag is named.
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.3",
            "--channels",
            "go",
            "--max-wait",
            "0s",
            "--no-blocker",
        ],
    );
    run.failure(1);
    let go = line(&run, "go");
    assert!(
        go.contains("the Go module proxy has no github.com/example/fixture/bindings/go v1.4.3 yet (is the tag bindings/go/v1.4.3 pushed?)")
            && go.contains("answered 404"),
        "{go}"
    );
}

/// PyPI is checked where pip looks, the Simple API (PEP 691), with each
/// file's sha256: a mirror that answers 404 for every per-version JSON
/// document still serves the version.
#[test]
fn pypi_is_checked_through_the_simple_api() {
    const SIMPLE: &str = "/simple/fixture/";
    let server = Server::start(vec![
        (SIMPLE, Answer::File("delivery/pypi-simple-fixture.json")),
        (PYPI, Answer::Status(404)),
    ]);
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[]);
    let args = [
        "delivery",
        "v1.4.2",
        "--channels",
        "pypi",
        "--max-wait",
        "100ms",
    ];
    let run = gh.run(&repo, &args);
    run.success();
    assert!(
        line(&run, "pypi").contains("fixture 1.4.2 is on PyPI (Simple API)"),
        "{}",
        run.all()
    );
    assert_eq!(server.hits(PYPI), 0, "the JSON API is not asked");
    // With the built files: their sha256 must be the Simple API's.
    let wheel = "fixture-1.4.2-py3-none-any.whl";
    repo.write(wheel, "not the published wheel");
    let mut with_artifact = args.to_vec();
    with_artifact.extend(["--artifact", wheel]);
    let run = gh.run(&repo, &with_artifact);
    run.failure(1);
    let pypi = line(&run, "pypi");
    assert!(
        pypi.contains(" mismatch ") && pypi.contains(&"3".repeat(64)),
        "{}",
        run.all()
    );
    // A version the Simple API does not list is missing, whatever else answers.
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.3",
            "--channels",
            "pypi",
            "--max-wait",
            "100ms",
        ],
    );
    run.failure(1);
    assert!(
        line(&run, "pypi")
            .contains("PyPI has no fixture 1.4.3 yet (its Simple API lists no file of it)"),
        "{}",
        run.all()
    );
}

/// Only when the Simple API is unavailable is the JSON API read.
#[test]
fn pypi_falls_back_to_the_json_api_when_the_simple_api_is_unavailable() {
    let server = Server::start(vec![
        ("/simple/fixture/", Answer::Status(503)),
        (PYPI, Answer::File("delivery/pypi-fixture-1.4.2.json")),
    ]);
    let repo = repo(&server);
    let gh = FakeGh::new(&repo, &[]);
    let run = gh.run(
        &repo,
        &[
            "delivery",
            "v1.4.2",
            "--channels",
            "pypi",
            "--max-wait",
            "100ms",
        ],
    );
    run.success();
    let pypi = line(&run, "pypi");
    assert!(
        pypi.contains("fixture 1.4.2 is on PyPI") && !pypi.contains("Simple API"),
        "{pypi}"
    );
    assert_eq!(server.hits("/simple/fixture/"), 1);
    assert_eq!(server.hits(PYPI), 1);
}
