//! The release and the publish-only retry driven through the real `gh`
//! (Debian 12's gh 2.23 on CI) against a local GitHub API double, asserting
//! on the REST calls it got; and the fake gh as strict as gh 2.23.

use serde_json::{Value, json};

use crate::ghapi::{RealGh, installed_gh};
use crate::support::{TempRepo, fixtures};

/// The fixture's `[release].github_repo`.
const REPO: &str = "plasmite-fixture/fixture";
const EVIDENCE: &str = ".scratch/release/evidence-v1.5.0.json";

fn last_record(repo: &TempRepo) -> Value {
    let doc: Value = serde_json::from_str(&repo.read(EVIDENCE)).expect("the evidence is JSON");
    doc["runs"].as_array().unwrap().last().unwrap().clone()
}

fn step<'a>(record: &'a Value, name: &str) -> &'a Value {
    record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("no {name} step in {record:#}"))
}

fn dispatches(gh: &RealGh) -> Vec<Value> {
    gh.requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/dispatches"))
        .collect()
}

/// Every REST call names the configured repository (gh was given `--repo`).
fn assert_all_in_repo(gh: &RealGh) {
    for call in gh.calls() {
        let path = call.split(' ').nth(1).unwrap();
        assert!(
            !path.starts_with("/repos/") || path.starts_with(&format!("/repos/{REPO}/")),
            "{call} is not for {REPO}"
        );
    }
}

fn position(calls: &[String], wanted: &str) -> usize {
    calls
        .iter()
        .position(|c| c == wanted)
        .unwrap_or_else(|| panic!("no `{wanted}` in {calls:#?}"))
}

#[test]
fn real_gh_the_live_happy_path() {
    let repo = TempRepo::with_origin("release/in");
    let Some(gh) = RealGh::start(&repo, REPO) else {
        return;
    };
    // gh must be told the repository: the clone's only remote is a local
    // bare repository, from which gh cannot infer one (it fails without
    // --repo), and the double answers 404 for any other repository.
    let run = gh.xtask(&repo, &["release", "v1.5.0", "--live", "--no-rehearsal"]);
    run.success();
    let record = last_record(&repo);
    assert_eq!(record["outcome"], "released", "{}", run.all());
    assert_eq!(record["context"]["tools"]["gh"], installed_gh().unwrap().1);
    let build = step(&record, "build")["run_id"].as_u64().unwrap();
    let publish = step(&record, "publish")["run_id"].as_u64().unwrap();
    assert_ne!(build, publish);

    let calls = gh.calls();
    let at = |c: &str| position(&calls, c);
    // The gates: `gh auth status`, then the CI runs of HEAD (listed, then
    // filtered on headSha by the xtask: gh 2.23 has no --commit).
    let auth = at("GET /");
    assert_eq!(calls[auth + 1], "POST /api/graphql");
    let viewer = &gh.requests()[auth + 1]["body"]["query"];
    assert!(viewer.as_str().unwrap().contains("viewer"), "{viewer}");
    let ci = at(&format!("GET /repos/{REPO}/actions/workflows/ci.yml"));
    assert_eq!(
        calls[ci + 1],
        format!("GET /repos/{REPO}/actions/workflows/11/runs")
    );
    let list = &gh.requests()[ci + 1];
    assert_eq!(list["query"]["per_page"], json!(["100"]));
    // The build run, found after the push and polled to completion.
    let build_view = format!("GET /repos/{REPO}/actions/runs/{build}");
    assert!(at(&format!("GET /repos/{REPO}/actions/workflows/12/runs")) < at(&build_view));
    // Then one dispatch, at the default branch, with the build's ID.
    let posts = dispatches(&gh);
    assert_eq!(posts.len(), 1, "{calls:#?}");
    assert_eq!(
        posts[0]["path"],
        format!("/api/v3/repos/{REPO}/actions/workflows/13/dispatches")
    );
    assert_eq!(
        posts[0]["body"],
        json!({"inputs": {"build_run_id": build.to_string(), "allow_partial_release": "false"}, "ref": "main"})
    );
    let dispatch = position(
        &calls,
        &format!("POST /repos/{REPO}/actions/workflows/13/dispatches"),
    );
    assert!(calls[..dispatch].contains(&build_view));
    // gh asked for the default branch of the configured repository.
    let info = gh
        .requests()
        .into_iter()
        .find(|r| {
            r["body"]["query"]
                .as_str()
                .is_some_and(|q| q.contains("RepositoryInfo"))
        })
        .expect("gh workflow run asks for the default branch");
    assert_eq!(
        info["body"]["variables"],
        json!({"owner": "plasmite-fixture", "name": "fixture"})
    );
    // Then the publish run, polled after the dispatch.
    let publish_view = format!("GET /repos/{REPO}/actions/runs/{publish}");
    assert!(calls[dispatch..].contains(&publish_view), "{calls:#?}");
    assert_all_in_repo(&gh);
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
}

#[test]
fn real_gh_a_failed_build_files_a_blocker_and_dispatches_nothing() {
    let repo = TempRepo::with_origin("release/in");
    let Some(gh) = RealGh::start(&repo, REPO) else {
        return;
    };
    repo.gh_scenario(json!({"build": {"conclusion": "failure", "polls": 2}}));
    let run = gh.xtask(&repo, &["release", "v1.5.0", "--live", "--no-rehearsal"]);
    run.failure(1);
    let record = last_record(&repo);
    let build = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "build" && s["failed_jobs"].is_array())
        .unwrap_or_else(|| panic!("no failed build step in {record:#}"));
    let id = build["run_id"].as_u64().unwrap();
    // The failed jobs come from the REST jobs endpoint, through gh.
    let calls = gh.calls();
    position(&calls, &format!("GET /repos/{REPO}/actions/runs/{id}/jobs"));
    let jobs: Vec<&str> = build["failed_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["name"].as_str().unwrap())
        .collect();
    assert_eq!(jobs, ["build (linux-x86_64)", "build (macos-arm64)"]);
    assert!(dispatches(&gh).is_empty(), "{calls:#?}");
    // One blocker, filed with `ergo new` (an epic's first chunk or a task's
    // stdin), naming the run and a failed job.
    let filed = record["blockers"]["filed"].as_array().unwrap();
    assert_eq!(filed.len(), 1, "{record:#}");
    let body: String = repo
        .ergo_log()
        .iter()
        .filter(|e| e["argv"][0] == "new")
        .map(|e| {
            format!(
                "{}{}",
                e["stdin"].as_str().unwrap_or(""),
                e["file"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(body.contains(&id.to_string()), "{body}");
    assert!(body.contains("build (linux-x86_64)"), "{body}");
    assert!(!body.contains("Usage:"), "{body}");
    assert_all_in_repo(&gh);
}

/// v1.5.0 is tagged and pushed; the double knows a failed and a good build of it.
fn released() -> (TempRepo, Option<RealGh>) {
    let repo = TempRepo::with_origin("release/in");
    repo.git(&["tag", "-a", "v1.5.0", "-m", "Release v1.5.0"]);
    repo.git(&["push", "--quiet", "origin", "v1.5.0"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let run = |id: u64, conclusion: &str| {
        json!({"databaseId": id, "workflow": "release.yml", "workflowName": "Release", "headSha": head,
               "event": "push", "status": "completed", "conclusion": conclusion, "tag": "v1.5.0"})
    };
    repo.gh_scenario(json!({
        "publish": {"conclusion": "success", "polls": 2},
        "runs": [run(501, "failure"), run(504, "success")],
    }));
    let gh = RealGh::start(&repo, REPO);
    (repo, gh)
}

#[test]
fn real_gh_the_publish_retry_dispatches_a_good_build_and_refuses_a_failed_one() {
    let (repo, Some(gh)) = released() else {
        return;
    };
    let refused = gh.xtask(&repo, &["publish", "--build-run-id", "501", "--live"]);
    refused.failure(1);
    assert!(
        refused.stderr.contains("run 501 is failure, not a success"),
        "{}",
        refused.all()
    );
    position(&gh.calls(), &format!("GET /repos/{REPO}/actions/runs/501"));
    assert!(dispatches(&gh).is_empty());

    let run = gh.xtask(&repo, &["publish", "--build-run-id", "504", "--live"]);
    run.success();
    let posts = dispatches(&gh);
    assert_eq!(posts.len(), 1, "{:#?}", gh.calls());
    assert_eq!(
        posts[0]["body"],
        json!({"inputs": {"build_run_id": "504", "allow_partial_release": "false"}, "ref": "main"})
    );
    let record = last_record(&repo);
    assert_eq!(record["outcome"], "published", "{}", run.all());
    let publish = step(&record, "publish")["run_id"].as_u64().unwrap();
    let calls = gh.calls();
    let dispatch = calls
        .iter()
        .rposition(|c| c.ends_with("/dispatches"))
        .unwrap();
    assert!(calls[dispatch..].contains(&format!("GET /repos/{REPO}/actions/runs/{publish}")));
    assert_all_in_repo(&gh);
}

/// `cargo xtask delivery` reads the GitHub release and the Homebrew tap
/// through the real gh: the release of the configured repository, its
/// `sha256sums.txt` asset, and the tap's formula.
#[test]
fn real_gh_delivery_reads_the_release_and_the_tap() {
    let server = crate::server::Server::start(crate::delivery::all_good());
    let repo = crate::delivery::repo(&server);
    // A gh call (a process, TLS, two requests) needs more than the 300ms the
    // fixture allows a registry request.
    let config = repo.read("release/config.toml");
    repo.write(
        "release/config.toml",
        &config
            .replace("request_timeout = \"300ms\"", "request_timeout = \"20s\"")
            .replace("max_wait = \"2s\"", "max_wait = \"30s\""),
    );
    let recorded = fixtures().join("delivery/gh");
    let Some(gh) = RealGh::start_with(&repo, "example/fixture", Some(&recorded)) else {
        return;
    };
    let run = gh.xtask(&repo, &["delivery", "v1.4.2"]);
    run.success();
    for channel in ["homebrew", "github"] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{channel} ")))
            .unwrap_or_else(|| panic!("no {channel} line:\n{}", run.all()));
        assert!(line.contains(" pass "), "{}", run.all());
    }
    let calls = gh.calls();
    for call in [
        "GET /repos/example/homebrew-tap/contents/Formula/fixture.rb",
        "GET /repos/example/fixture/releases/tags/v1.4.2",
        "GET /repos/example/fixture/releases/assets/703",
    ] {
        position(&calls, call);
    }
}

/// gh 2.23 rejects `gh run list --commit`; so does the fake, with gh's words.
#[test]
fn the_fake_gh_rejects_what_gh_2_23_rejects() {
    let repo = TempRepo::with_origin("release/in");
    let fake = repo.base().join("fakes/bin/gh");
    let gh = |args: &[&str]| {
        let out = std::process::Command::new(&fake)
            .args(args)
            .current_dir(&repo.dir)
            .env("FAKE_DIR", repo.fake_state())
            .env_remove("GH_REPO")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let fields = "databaseId,headSha";
    for (args, error) in [
        (
            vec![
                "run",
                "list",
                "--repo",
                REPO,
                "--workflow",
                "ci.yml",
                "--commit",
                "abc",
                "--json",
                fields,
            ],
            "unknown flag: --commit",
        ),
        (
            vec!["run", "list", "--repo", REPO, "-c", "abc", "--json", fields],
            "unknown shorthand flag: 'c' in -c",
        ),
        (
            vec!["auth", "status", "--repo", REPO],
            "unknown flag: --repo",
        ),
        (
            vec![
                "run",
                "view",
                "1",
                "--repo",
                REPO,
                "--json",
                "databaseId,nope",
            ],
            "Unknown JSON field: \"nope\"",
        ),
        (
            vec!["run", "list", "--workflow", "ci.yml", "--json", fields],
            "none of the git remotes configured for this repository point to a known GitHub host",
        ),
    ] {
        let (code, stderr) = gh(&args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(stderr.starts_with(error), "{args:?}: {stderr}");
    }
    let (_, stderr) = gh(&["run", "list", "--repo", REPO, "--commit", "abc"]);
    assert!(stderr.contains("\nUsage:  gh run list [flags]"), "{stderr}");
    // What the fake accepts, the installed gh (when it is 2.23) accepts too:
    // the fake's flag table is copied from gh 2.23's help.
    let Some((_, version)) = installed_gh() else {
        return;
    };
    if version.starts_with("gh version 2.23.") {
        let table = std::fs::read_to_string(fixtures().join("fakes/bin/gh")).unwrap();
        for (sub, flags) in [
            (
                ["run", "list"],
                ["--branch", "--limit", "--workflow", "--user", "--json"],
            ),
            (
                ["run", "view"],
                ["--job", "--log-failed", "--exit-status", "--json", "--web"],
            ),
        ] {
            let out = std::process::Command::new("gh")
                .args(sub)
                .arg("--help")
                .output()
                .unwrap();
            let help = String::from_utf8_lossy(&out.stdout);
            for flag in flags {
                assert!(help.contains(flag), "gh {sub:?} --help lacks {flag}");
                let name = flag.trim_start_matches("--");
                assert!(
                    table.contains(&format!("\"{name}\"")),
                    "the fake lacks {flag}"
                );
            }
        }
    }
}

/// A gh that rejects a flag the xtask uses (here `--limit`, as if it were
/// older than 2.23) stops the `ci` gate with gh's one-line error and the
/// advice to update gh; neither the gate table, the evidence nor a blocker
/// holds gh's usage text.
#[test]
fn a_rejected_flag_shows_one_line_and_asks_for_a_newer_gh() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"unknown_flags": ["--limit"]}));
    let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
    run.failure(1);
    let all = run.all();
    assert!(all.contains("unknown flag: --limit"), "{all}");
    assert!(all.contains("needs gh 2.23 or later"), "{all}");
    assert!(!all.contains("Usage:"), "{all}");
    assert!(!all.contains("check `gh auth status`"), "{all}");
    let evidence = repo.read(EVIDENCE);
    assert!(evidence.contains("unknown flag: --limit"), "{evidence}");
    assert!(!evidence.contains("Usage:"), "{evidence}");
    for item in repo.ergo_items() {
        let text = item.to_string();
        assert!(!text.contains("Usage:"), "{text}");
    }
    let calls = repo.gh_calls();
    assert!(calls.iter().any(|c| c.contains("--limit")), "{calls:#?}");
}

/// The real gh, refused by the API (a bad token), fails the `gh-auth` gate.
#[test]
fn real_gh_an_unauthenticated_gh_fails_the_auth_gate() {
    let repo = TempRepo::with_origin("release/in");
    let Some(gh) = RealGh::start(&repo, REPO) else {
        return;
    };
    repo.gh_scenario(json!({"auth": false}));
    let run = gh.xtask(&repo, &["release", "v1.5.0"]);
    run.failure(1);
    let record = last_record(&repo);
    let gate = record["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "gh-auth")
        .unwrap();
    assert_eq!(gate["status"], "failed", "{gate:#}");
    // GH_HOST names an Enterprise host (the double): its login and its token.
    assert!(
        run.stdout
            .contains("run `gh auth login --hostname localhost:")
            && run.stdout.contains("or set GH_ENTERPRISE_TOKEN"),
        "{}",
        run.stdout
    );
    assert!(gh.calls().contains(&"GET /".to_string()));
}
