//! The rehearsal before the tag: `cargo xtask release --live` dispatches a
//! build of HEAD on its branch and a publish rehearsal of that build, then
//! tags and publishes the very same build; `--rehearse` stops after the
//! rehearsal, `--no-rehearsal` skips it. With the fake gh, then with the
//! real gh against the local GitHub API double.

use serde_json::{Value, json};

use crate::ghapi::RealGh;
use crate::support::TempRepo;

const REPO: &str = "plasmite-fixture/fixture";
const EVIDENCE: &str = ".scratch/release/evidence-v1.5.0.json";

fn last_record(repo: &TempRepo) -> Value {
    let doc: Value = serde_json::from_str(&repo.read(EVIDENCE)).expect("the evidence is JSON");
    doc["runs"].as_array().unwrap().last().unwrap().clone()
}

fn steps(record: &Value) -> Vec<Value> {
    record["steps"].as_array().unwrap().clone()
}

/// Where the first step named `name` (and matching `also`) is, in the record.
fn at(record: &Value, name: &str, also: impl Fn(&Value) -> bool) -> usize {
    steps(record)
        .iter()
        .position(|s| s["step"] == name && also(s))
        .unwrap_or_else(|| panic!("no {name} step in {record:#}"))
}

fn dispatches(repo: &TempRepo) -> Vec<String> {
    repo.gh_calls()
        .into_iter()
        .filter(|c| c.starts_with("workflow run"))
        .collect()
}

fn rehearsal_build_dispatch() -> String {
    format!("workflow run release.yml --repo {REPO} --ref main -f tag=v1.5.0 -f rehearsal=true")
}

fn rehearsal_dispatch(build: u64) -> String {
    format!(
        "workflow run release-publish.yml --repo {REPO} -f build_run_id={build} -f allow_partial_release=false -f rehearsal=true"
    )
}

fn publish_dispatch(build: u64) -> String {
    format!(
        "workflow run release-publish.yml --repo {REPO} -f build_run_id={build} -f allow_partial_release=false"
    )
}

/// The fake's runs of `workflow` started by `event`.
fn runs(repo: &TempRepo, workflow: &str, event: &str) -> Vec<Value> {
    repo.gh_runs()
        .into_iter()
        .filter(|r| r["workflow"] == workflow && r["event"] == event)
        .collect()
}

fn published(repo: &TempRepo) -> bool {
    repo.fake_state().join("published").exists()
}

#[test]
fn the_dry_run_shows_the_rehearsal_it_would_run() {
    let repo = TempRepo::with_origin("release/in");
    let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
    run.success();
    let out = &run.stdout;
    let build = out
        .find(&format!("would run: gh {}", rehearsal_build_dispatch()))
        .unwrap_or_else(|| panic!("{out}"));
    let publish = out
        .find("-f 'build_run_id=<ID of the build run>' -f allow_partial_release=false -f rehearsal=true")
        .unwrap_or_else(|| panic!("{out}"));
    let tag = out
        .find("would run: git tag")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(build < publish && publish < tag, "{out}");
    assert!(dispatches(&repo).is_empty());
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
}

#[test]
fn a_failing_rehearsal_build_files_a_blocker_and_tags_nothing() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"rehearsal": {"build": {"conclusion": "failure", "polls": 1}}}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    run.failure(1);
    assert_eq!(repo.tags(), ["v1.4.2"]);
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    assert_eq!(dispatches(&repo), [rehearsal_build_dispatch()]);
    let record = last_record(&repo);
    assert_eq!(record["outcome"], "blocked", "{}", run.all());
    let failed = at(&record, "rehearsal", |s| s["failed_jobs"].is_array());
    assert_eq!(steps(&record)[failed]["phase"], "build");
    assert!(!steps(&record).iter().any(|s| s["step"] == "tag"));
    let tasks: Vec<Value> = repo
        .ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "task")
        .collect();
    assert_eq!(tasks.len(), 1, "{tasks:#?}");
    assert!(
        tasks[0]["title"]
            .as_str()
            .unwrap()
            .contains("rehearsal: release.yml run"),
        "{tasks:#?}"
    );
    assert!(run.stdout.contains("nothing was tagged"), "{}", run.stdout);
    assert!(run.stdout.contains("--failed --repo"), "{}", run.stdout);
}

#[test]
fn a_failing_publish_rehearsal_files_a_blocker_with_its_failed_jobs_and_tags_nothing() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"rehearsal": {"publish": {"conclusion": "failure", "polls": 1}}}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    run.failure(1);
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    assert!(!published(&repo));
    let build = runs(&repo, "release.yml", "workflow_dispatch")[0]["databaseId"]
        .as_u64()
        .unwrap();
    assert_eq!(
        dispatches(&repo),
        [rehearsal_build_dispatch(), rehearsal_dispatch(build)]
    );
    let record = last_record(&repo);
    let failed = &steps(&record)[at(&record, "rehearsal", |s| s["failed_jobs"].is_array())];
    assert_eq!(failed["phase"], "publish");
    assert!(
        !failed["failed_jobs"].as_array().unwrap().is_empty(),
        "{failed:#}"
    );
    assert!(!steps(&record).iter().any(|s| s["step"] == "tag"));
}

#[test]
fn a_green_rehearsal_is_followed_by_the_tag_and_the_publish_of_its_build() {
    let repo = TempRepo::with_origin("release/in");
    let run = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    run.success();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let rehearsal_builds = runs(&repo, "release.yml", "workflow_dispatch");
    assert_eq!(rehearsal_builds.len(), 1, "{rehearsal_builds:#?}");
    assert_eq!(rehearsal_builds[0]["headSha"], head.as_str());
    assert_eq!(
        rehearsal_builds[0]["displayTitle"],
        "Rehearse the build of v1.5.0"
    );
    let build = rehearsal_builds[0]["databaseId"].as_u64().unwrap();
    // Built once: the publish is of the rehearsal's build.
    assert_eq!(
        dispatches(&repo),
        [
            rehearsal_build_dispatch(),
            rehearsal_dispatch(build),
            publish_dispatch(build)
        ]
    );
    // Nothing was tagged until the rehearsal passed.
    let log = repo.gh_log();
    let rehearsal = log
        .iter()
        .find(|e| {
            e["argv"][2] == "release-publish.yml"
                && e["argv"].to_string().contains("rehearsal=true")
        })
        .unwrap();
    assert_eq!(rehearsal["origin_tags"], json!(["v1.4.2"]));
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
    let record = last_record(&repo);
    assert_eq!(record["outcome"], "released", "{}", run.all());
    let passed = at(&record, "rehearsal", |s| s["phase"] == "publish");
    assert!(passed < at(&record, "tag", |_| true), "{record:#}");
    let done = &steps(&record)[at(&record, "done", |_| true)];
    assert_eq!(done["build_run_id"], build);
    // The tag's own build is not awaited.
    assert!(!steps(&record).iter().any(|s| s["step"] == "build"));
}

#[test]
fn a_rerun_reuses_a_green_rehearsal_of_the_same_commit() {
    let repo = TempRepo::with_origin("release/in");
    let rehearse = repo.xtask_with(&["release", "v1.5.0", "--rehearse"], &[]);
    rehearse.success();
    // Only the rehearsal: nothing in git, nothing on any registry.
    assert_eq!(repo.tags(), ["v1.4.2"]);
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    assert!(!published(&repo));
    assert_eq!(last_record(&repo)["outcome"], "rehearsed");
    assert!(
        rehearse.stdout.contains("nothing was tagged or published"),
        "{}",
        rehearse.stdout
    );
    let before = dispatches(&repo);
    assert_eq!(before.len(), 2, "{before:#?}");

    let live = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    live.success();
    let build = runs(&repo, "release.yml", "workflow_dispatch")[0]["databaseId"]
        .as_u64()
        .unwrap();
    assert_eq!(
        dispatches(&repo),
        [
            rehearsal_build_dispatch(),
            rehearsal_dispatch(build),
            publish_dispatch(build)
        ]
    );
    assert!(
        live.stdout
            .contains(&format!("reusing rehearsal build run {build} (succeeded)")),
        "{}",
        live.stdout
    );
    let record = last_record(&repo);
    let passed = at(&record, "rehearsal", |s| s["status"] == "passed");
    assert!(passed < at(&record, "tag", |_| true));
}

#[test]
fn no_rehearsal_is_recorded_in_the_evidence_and_the_tag_build_published() {
    let repo = TempRepo::with_origin("release/in");
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.success();
    assert!(runs(&repo, "release.yml", "workflow_dispatch").is_empty());
    let record = last_record(&repo);
    let skipped = &steps(&record)[at(&record, "rehearsal", |_| true)];
    assert_eq!(skipped["status"], "skipped");
    assert_eq!(skipped["reason"], "--no-rehearsal");
    assert!(at(&record, "rehearsal", |_| true) < at(&record, "tag", |_| true));
    let push_build = runs(&repo, "release.yml", "push")
        .iter()
        .find(|r| r["tag"] == "v1.5.0")
        .expect("the tag's build")["databaseId"]
        .as_u64()
        .unwrap();
    assert_eq!(dispatches(&repo), [publish_dispatch(push_build)]);
    // The two flags contradict each other.
    let both = repo.xtask_with(&["release", "v1.5.0", "--rehearse", "--no-rehearsal"], &[]);
    both.failure(2);
}

/// The REST dispatches the double got: (workflow id, body).
fn api_dispatches(gh: &RealGh) -> Vec<(String, Value)> {
    gh.requests()
        .into_iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/dispatches"))
        .map(|r| {
            let path = r["path"].as_str().unwrap();
            let id = path.rsplit('/').nth(1).unwrap().to_string();
            (id, r["body"].clone())
        })
        .collect()
}

#[test]
fn real_gh_a_failing_rehearsal_files_a_blocker_and_tags_nothing() {
    let repo = TempRepo::with_origin("release/in");
    let Some(gh) = RealGh::start(&repo, REPO) else {
        return;
    };
    repo.gh_scenario(json!({"rehearsal": {"build": {"conclusion": "failure", "polls": 2}}}));
    let run = gh.xtask(&repo, &["release", "v1.5.0", "--live"]);
    run.failure(1);
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    let posts = api_dispatches(&gh);
    assert_eq!(posts.len(), 1, "{:#?}", gh.calls());
    // gh --ref main: the build workflow (12), at the branch, with the tag to be.
    assert_eq!(posts[0].0, "12");
    assert_eq!(
        posts[0].1,
        json!({"inputs": {"tag": "v1.5.0", "rehearsal": "true"}, "ref": "main"})
    );
    let record = last_record(&repo);
    let failed = &steps(&record)[at(&record, "rehearsal", |s| s["failed_jobs"].is_array())];
    let id = failed["run_id"].as_u64().unwrap();
    assert!(
        gh.calls()
            .contains(&format!("GET /repos/{REPO}/actions/runs/{id}/jobs"))
    );
    let jobs: Vec<&str> = failed["failed_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["name"].as_str().unwrap())
        .collect();
    assert_eq!(jobs, ["build (linux-x86_64)", "build (macos-arm64)"]);
    assert_eq!(record["blockers"]["filed"].as_array().unwrap().len(), 1);
}

#[test]
fn real_gh_a_green_rehearsal_is_followed_by_the_tag_and_the_publish() {
    let repo = TempRepo::with_origin("release/in");
    let Some(gh) = RealGh::start(&repo, REPO) else {
        return;
    };
    let run = gh.xtask(&repo, &["release", "v1.5.0", "--live"]);
    run.success();
    let record = last_record(&repo);
    assert_eq!(record["outcome"], "released", "{}", run.all());
    let build = steps(&record)[at(&record, "rehearsal", |s| s["phase"] == "build")]["run_id"]
        .as_u64()
        .unwrap();
    let id = build.to_string();
    assert_eq!(
        api_dispatches(&gh),
        [
            (
                "12".to_string(),
                json!({"inputs": {"tag": "v1.5.0", "rehearsal": "true"}, "ref": "main"})
            ),
            (
                "13".to_string(),
                json!({"inputs": {"build_run_id": id, "allow_partial_release": "false", "rehearsal": "true"}, "ref": "main"})
            ),
            (
                "13".to_string(),
                json!({"inputs": {"build_run_id": id, "allow_partial_release": "false"}, "ref": "main"})
            ),
        ]
    );
    assert!(at(&record, "rehearsal", |s| s["phase"] == "publish") < at(&record, "tag", |_| true));
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
}

#[test]
fn real_gh_a_rerun_reuses_a_green_rehearsal_of_the_same_commit() {
    let repo = TempRepo::with_origin("release/in");
    let Some(gh) = RealGh::start(&repo, REPO) else {
        return;
    };
    gh.xtask(&repo, &["release", "v1.5.0", "--rehearse"])
        .success();
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    assert_eq!(api_dispatches(&gh).len(), 2);
    let live = gh.xtask(&repo, &["release", "v1.5.0", "--live"]);
    live.success();
    let posts = api_dispatches(&gh);
    assert_eq!(posts.len(), 3, "one publish added: {:#?}", gh.calls());
    assert_eq!(posts[2].0, "13");
    assert!(
        posts[2].1["inputs"].get("rehearsal").is_none(),
        "{posts:#?}"
    );
    assert!(
        live.stdout.contains("reusing publish rehearsal run"),
        "{}",
        live.stdout
    );
    assert_eq!(last_record(&repo)["outcome"], "released");
}
