//! `cargo xtask publish --build-run-id <ID>`: the publish-only retry.

use serde_json::{Value, json};

use crate::support::TempRepo;

/// A repository whose v1.5.0 tags are on origin, and gh runs seeded around it.
fn released() -> (TempRepo, String) {
    let repo = TempRepo::with_origin("release/in");
    repo.git(&["tag", "-a", "v1.5.0", "-m", "Release v1.5.0"]);
    repo.git(&["push", "--quiet", "origin", "v1.5.0"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let old = repo.git(&["rev-parse", "HEAD~1"]);
    let run = |id: u64, workflow: &str, name: &str, sha: &str, conclusion: &str| {
        json!({"databaseId": id, "workflow": workflow, "workflowName": name, "headSha": sha, "event": "push",
               "status": "completed", "conclusion": conclusion,
               "url": format!("https://github.com/plasmite/plasmite/actions/runs/{id}"), "tag": if workflow == "release.yml" && sha == head { "v1.5.0" } else { "" }})
    };
    repo.gh_scenario(json!({
        "publish": {"conclusion": "success", "polls": 2},
        "runs": [
            run(501, "release.yml", "Release", &head, "failure"),
            run(502, "ci.yml", "CI", &head, "success"),
            run(503, "release.yml", "Release", &old, "success"),
            run(504, "release.yml", "Release", &head, "success"),
        ]
    }));
    (repo, head)
}

fn dispatches(repo: &TempRepo) -> Vec<String> {
    repo.gh_calls()
        .into_iter()
        .filter(|c| c.starts_with("workflow run"))
        .collect()
}

fn last_record(repo: &TempRepo) -> Value {
    let doc: Value =
        serde_json::from_str(&repo.read(".scratch/release/evidence-v1.5.0.json")).unwrap();
    doc["runs"].as_array().unwrap().last().unwrap().clone()
}

#[test]
fn publish_refuses_a_failed_run() {
    let (repo, _) = released();
    let run = repo.xtask_with(&["publish", "--build-run-id", "501"], &[]);
    run.failure(1);
    assert!(
        run.stderr.contains("run 501 is failure, not a success"),
        "{}",
        run.stderr
    );
    assert!(
        repo.gh_calls().contains(
            &"run view 501 --repo plasmite-fixture/fixture --json databaseId,headSha,event,status,conclusion,url,displayTitle,workflowName"
                .to_string()
        )
    );
    assert!(dispatches(&repo).is_empty());
    assert_eq!(last_record(&repo)["outcome"], "refused");
}

#[test]
fn publish_refuses_a_run_of_another_workflow() {
    let (repo, _) = released();
    let run = repo.xtask_with(&["publish", "--build-run-id", "502"], &[]);
    run.failure(1);
    assert!(
        run.stderr.contains(
            "run 502 belongs to workflow \"CI\", not the build workflow release.yml (\"Release\")"
        ),
        "{}",
        run.stderr
    );
    assert!(dispatches(&repo).is_empty());
}

#[test]
fn publish_refuses_a_run_for_another_commit() {
    let (repo, head) = released();
    let run = repo.xtask_with(&["publish", "--build-run-id", "503"], &[]);
    run.failure(1);
    assert!(
        run.stderr
            .contains(&format!("but v1.5.0 is at {}", &head[..12])),
        "{}",
        run.stderr
    );
    assert!(dispatches(&repo).is_empty());
}

#[test]
fn publish_dispatches_a_successful_build_of_the_tag_once() {
    let (repo, _) = released();
    let run = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    run.success();
    assert_eq!(
        dispatches(&repo),
        [
            "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id=504 -f allow_partial_release=false"
        ]
    );
    assert!(
        run.stdout
            .contains("delivery not checked; declare it, then run `cargo xtask delivery v1.5.0`"),
        "{}",
        run.stdout
    );
    let record = last_record(&repo);
    assert_eq!(record["command"], "publish");
    assert_eq!(record["outcome"], "published");
    assert_eq!(record["context"]["allow_partial_release"], false);
    // A succeeded publish is never dispatched again.
    let again = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    again.failure(1);
    assert!(
        again.stderr.contains("was already published"),
        "{}",
        again.stderr
    );
    assert_eq!(dispatches(&repo).len(), 1);
}

#[test]
fn a_partial_release_is_asked_for_by_name_warned_and_recorded() {
    let (repo, _) = released();
    let run = repo.xtask_with(
        &[
            "publish",
            "--build-run-id",
            "504",
            "--allow-partial-release",
            "--live",
        ],
        &[],
    );
    run.success();
    assert!(
        run.stderr.contains("warning: --allow-partial-release"),
        "{}",
        run.stderr
    );
    assert_eq!(
        dispatches(&repo),
        [
            "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id=504 -f allow_partial_release=true"
        ]
    );
    let record = last_record(&repo);
    assert_eq!(record["context"]["allow_partial_release"], true);
    assert!(
        record["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["step"] == "dispatch" && s["allow_partial_release"] == true)
    );
}

#[test]
fn a_failed_publish_files_a_blocker_with_its_jobs() {
    let (repo, _) = released();
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.fake_state().join("gh-scenario.json")).unwrap(),
    )
    .unwrap();
    scenario["publish"] = json!({"conclusion": "failure", "polls": 1});
    repo.gh_scenario(scenario);
    let run = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    run.failure(1);
    let tasks: Vec<Value> = repo
        .ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "task")
        .collect();
    assert_eq!(tasks.len(), 1);
    assert!(
        tasks[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("[release-blocker][v1.5.0] publish: release-publish.yml run")
    );
    assert!(
        tasks[0]["body"]
            .as_str()
            .unwrap()
            .contains("build (aarch64-apple-darwin) (failure)")
    );
    // The blocker is open: no publish until it is closed.
    let again = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    again.failure(1);
    assert!(again.stderr.contains("blocker(s) open"), "{}", again.stderr);
    assert_eq!(dispatches(&repo).len(), 1);
}

#[test]
fn publish_without_live_dispatches_nothing_and_shows_the_steps() {
    let (repo, _) = released();
    let dry = repo.xtask_with(&["publish", "--build-run-id", "504"], &[]);
    dry.success();
    assert!(dispatches(&repo).is_empty(), "{:?}", repo.gh_calls());
    let mut at = 0;
    for line in [
        "publish v1.5.0 (dry-run) with build run 504",
        "reusing build run 504 (succeeded)",
        "would run: gh workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id=504 -f allow_partial_release=false",
        "would wait for the release-publish.yml run",
        "then: cargo xtask delivery v1.5.0",
    ] {
        let found = dry.stdout[at..]
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} missing, or out of order, in:\n{}", dry.stdout));
        at += found + line.len();
    }
    let record = last_record(&repo);
    assert_eq!(record["outcome"], "ready");
    assert_eq!(record["context"]["mode"], "dry-run");
    assert!(
        record["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["step"] == "dispatch" && s["status"] == "planned")
    );
    // The same command with --live dispatches, exactly once.
    let live = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    live.success();
    assert_eq!(
        dispatches(&repo),
        [
            "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id=504 -f allow_partial_release=false"
        ]
    );
    assert_eq!(last_record(&repo)["outcome"], "published");
}

#[test]
fn publish_refuses_a_tag_that_was_never_pushed() {
    let repo = TempRepo::with_origin("release/in");
    let run = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    run.failure(1);
    assert!(
        run.stderr.contains(
            "v1.5.0 is not on origin: the publish-only retry publishes a released tag; run `cargo xtask release v1.5.0 --live` first"
        ),
        "{}",
        run.stderr
    );
    assert!(dispatches(&repo).is_empty());
}

#[test]
fn a_publish_of_another_build_at_the_same_commit_does_not_refuse_the_retry() {
    let (repo, head) = released();
    let mut scenario: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.fake_state().join("gh-scenario.json")).unwrap(),
    )
    .unwrap();
    scenario["runs"].as_array_mut().unwrap().push(json!({
        "databaseId": 505, "workflow": "release-publish.yml", "workflowName": "Release publish",
        "headSha": head, "event": "workflow_dispatch", "status": "completed", "conclusion": "success",
        "displayTitle": "Publish build 503", "url": "https://github.com/plasmite/plasmite/actions/runs/505"
    }));
    repo.gh_scenario(scenario);
    let run = repo.xtask_with(&["publish", "--build-run-id", "504", "--live"], &[]);
    run.success();
    assert_eq!(
        dispatches(&repo),
        [
            "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id=504 -f allow_partial_release=false"
        ]
    );
}
