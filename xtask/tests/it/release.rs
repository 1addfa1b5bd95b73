//! `cargo xtask release`: gates, blockers in the fake ergo, evidence, and the
//! live mechanics against a local bare `origin` and the fake gh.

use serde_json::{Value, json};

use crate::server::{Answer, Server};
use crate::support::{Run, TempRepo};

/// The fixture's `[release].github_repo`, named by every gh call with `--repo`.
const REPO: &str = "plasmite-fixture/fixture";
const EVIDENCE: &str = ".scratch/release/evidence-v1.5.0.json";

fn repo() -> TempRepo {
    TempRepo::with_origin("release/in")
}

fn evidence(repo: &TempRepo) -> Value {
    serde_json::from_str(&repo.read(EVIDENCE)).expect("the evidence is JSON")
}

fn last_run(repo: &TempRepo) -> Value {
    evidence(repo)["runs"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone()
}

fn gate<'a>(run: &'a Value, name: &str) -> &'a Value {
    run["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == name)
        .unwrap_or_else(|| panic!("no gate {name}"))
}

/// Nothing was tagged or pushed: only the base tag exists, here and on origin.
fn assert_nothing_released(repo: &TempRepo) {
    assert_eq!(repo.tags(), ["v1.4.2"]);
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    assert!(
        !repo
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("workflow run")),
        "{:#?}",
        repo.gh_calls()
    );
}

/// The tasks (not epics) the fake ergo holds.
fn tasks(repo: &TempRepo) -> Vec<Value> {
    repo.ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "task")
        .collect()
}

fn ergo_creations(repo: &TempRepo) -> Vec<String> {
    repo.ergo_calls()
        .into_iter()
        .filter(|c| c.starts_with("new "))
        .collect()
}

#[test]
fn a_green_dry_run_writes_evidence_and_changes_nothing() {
    let repo = repo();
    let run = repo.xtask_with(&["release", "v1.5.0", "--agent", "model@host"], &[]);
    run.success();
    let out = run.all();
    for line in [
        "==> fmt",
        "every gate passed; a live run (`--live`) would:",
        "would run: git tag -a v1.5.0 -m 'Release v1.5.0'",
        "would run: git tag -a bindings/go/v1.5.0",
        "would run: git push --atomic -- origin refs/tags/v1.5.0 refs/tags/bindings/go/v1.5.0",
        "would wait for the release.yml run",
        "would run: gh workflow run release-publish.yml --repo plasmite-fixture/fixture -f 'build_run_id=<ID of the build run>' -f allow_partial_release=false",
        "then: cargo xtask delivery v1.5.0",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    assert_nothing_released(&repo);
    assert!(ergo_creations(&repo).is_empty(), "{:?}", repo.ergo_calls());
    let record = last_run(&repo);
    assert_eq!(record["command"], "release");
    assert_eq!(record["outcome"], "ready");
    assert_eq!(record["context"]["mode"], "dry-run");
    assert_eq!(record["context"]["agent"], "model@host");
    assert_eq!(record["context"]["base_tag"], "v1.4.2");
    assert_eq!(record["context"]["head"], repo.git(&["rev-parse", "HEAD"]));
    assert_eq!(
        record["context"]["tools"]["gh"],
        "gh version 2.23.0 (2023-02-27 Debian 2.23.0+dfsg1-1)"
    );
    assert_eq!(record["context"]["tools"]["ergo"], "ergo version 6.0.3");
    assert!(
        record["context"]["tools"]["git"]
            .as_str()
            .unwrap()
            .starts_with("git version")
    );
    for name in [
        "tools",
        "gh-auth",
        "git-branch",
        "git-clean",
        "git-origin",
        "tag",
        "version",
        "changelog",
        "ci",
        "fmt",
        "clippy",
        "test",
    ] {
        assert_eq!(gate(&record, name)["status"], "passed", "{name}");
    }
    let python = gate(&record, "python");
    assert_eq!(python["status"], "skipped");
    assert_eq!(
        python["reason"],
        "no changed path matches bindings/python/**"
    );
    assert!(
        record["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] != "done")
    );
    assert!(record["timing"]["total_ms"].as_u64().is_some());

    // A rerun appends its record.
    repo.xtask_with(&["release", "v1.5.0", "--json"], &[])
        .success();
    assert_eq!(evidence(&repo)["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn json_output_is_the_run_record() {
    let repo = repo();
    let run = repo.xtask_with(&["release", "v1.5.0", "--json"], &[]);
    let json = run.success().json();
    assert_eq!(json["outcome"], "ready");
    assert!(run.stderr.contains("==> fmt"));
}

#[test]
fn a_conditional_gate_runs_when_a_matching_path_changed() {
    let repo = repo();
    repo.write("bindings/python/fixture.py", "\"\"\"Changed.\"\"\"\n");
    repo.commit_and_push("touch the python binding");
    let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
    run.success();
    assert_eq!(gate(&last_run(&repo), "python")["status"], "passed");
    assert!(
        gate(&last_run(&repo), "python")["output_tail"]
            .as_str()
            .unwrap()
            .contains("checking the python binding")
    );
}

/// Sets up one failure, then checks: exit 1, exactly one blocker filed for
/// `gate` under the release epic, nothing tagged; a rerun files no duplicate.
fn one_gate_fails(
    gate_name: &str,
    setup: impl FnOnce(&TempRepo),
    env: &[(&str, &str)],
) -> TempRepo {
    let repo = repo();
    setup(&repo);
    let remote_before = repo.remote_tags();
    let run = repo.xtask_with(&["release", "v1.5.0"], env);
    run.failure(1);
    assert!(
        run.all().contains("a live run would refuse"),
        "{}",
        run.all()
    );
    let record = last_run(&repo);
    let blocking: Vec<&Value> = record["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "failed" || g["status"] == "incomplete")
        .collect();
    assert_eq!(blocking.len(), 1, "{gate_name}: {blocking:#?}");
    assert_eq!(blocking[0]["name"], gate_name);

    let epics: Vec<Value> = repo
        .ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "epic")
        .collect();
    assert_eq!(epics.len(), 1);
    assert_eq!(epics[0]["title"], "Release blockers: v1.5.0");
    let tasks = tasks(&repo);
    assert_eq!(tasks.len(), 1, "{tasks:#?}");
    let title = tasks[0]["title"].as_str().unwrap();
    assert!(
        title.starts_with(&format!("[release-blocker][v1.5.0] {gate_name}: ")),
        "{title}"
    );
    let body = tasks[0]["body"].as_str().unwrap();
    assert!(body.contains(&format!("Gate: {gate_name}")), "{body}");
    assert!(body.contains(EVIDENCE), "{body}");
    assert!(
        body.contains("the gate passes on a rerun of `cargo xtask release v1.5.0`"),
        "{body}"
    );
    assert_eq!(record["blockers"]["epic_id"], epics[0]["id"]);
    assert_eq!(record["blockers"]["filed"][0]["title"], title);
    assert_eq!(
        repo.tags().iter().filter(|t| t.contains("1.5.0")).count(),
        usize::from(gate_name == "tag" && repo.tags().contains(&"v1.5.0".to_string()))
    );
    assert_eq!(repo.remote_tags(), remote_before);
    assert!(
        !repo
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("workflow run"))
    );

    // The rerun files nothing new, and still refuses a live run.
    let creations = ergo_creations(&repo).len();
    repo.xtask_with(&["release", "v1.5.0"], env).failure(1);
    let live = repo.xtask_with(&["release", "v1.5.0", "--live"], env);
    live.failure(1);
    assert!(
        live.all().contains("refusing to release v1.5.0"),
        "{}",
        live.all()
    );
    assert_eq!(
        ergo_creations(&repo).len(),
        creations,
        "{:#?}",
        repo.ergo_calls()
    );
    assert_eq!(self::tasks(&repo).len(), 1);
    assert_eq!(repo.remote_tags(), remote_before);
    assert!(
        !repo
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("workflow run"))
    );
    assert_eq!(evidence(&repo)["runs"].as_array().unwrap().len(), 3);
    repo
}

#[test]
fn gate_fmt_fails() {
    one_gate_fails("fmt", |_| {}, &[("FAIL_GATE", "fmt")]);
}

#[test]
fn gate_clippy_fails() {
    one_gate_fails("clippy", |_| {}, &[("FAIL_GATE", "clippy")]);
}

#[test]
fn gate_test_fails() {
    let repo = one_gate_fails("test", |_| {}, &[("FAIL_GATE", "test")]);
    let g = gate(&last_run(&repo), "test").clone();
    assert_eq!(g["exit_code"], 1);
    assert_eq!(g["status"], "failed");
}

#[test]
fn gate_test_times_out_and_is_incomplete() {
    let repo = one_gate_fails("test", |_| {}, &[("SLOW_GATE", "test")]);
    let g = gate(&last_run(&repo), "test").clone();
    assert_eq!(g["status"], "incomplete");
    assert!(
        g["duration_ms"].as_u64().unwrap() < 4000,
        "the timeout stops it: {g}"
    );
    assert!(
        tasks(&repo)[0]["title"]
            .as_str()
            .unwrap()
            .contains("timed out after 1s")
    );
}

#[test]
fn gate_conditional_fails_when_its_paths_changed() {
    one_gate_fails(
        "python",
        |repo| {
            repo.write("bindings/python/fixture.py", "\"\"\"Changed.\"\"\"\n");
            repo.commit_and_push("touch the python binding");
        },
        &[("FAIL_GATE", "python")],
    );
}

#[test]
fn gate_gh_auth_fails_when_gh_is_unauthenticated() {
    let repo = one_gate_fails(
        "gh-auth",
        |repo| repo.gh_scenario(json!({"auth": false})),
        &[],
    );
    let title = tasks(&repo)[0]["title"].as_str().unwrap().to_string();
    assert_eq!(
        title,
        "[release-blocker][v1.5.0] gh-auth: gh is not authenticated"
    );
    assert!(
        tasks(&repo)[0]["body"]
            .as_str()
            .unwrap()
            .contains("gh auth login")
    );
}

#[test]
fn gate_git_branch_fails_off_main() {
    one_gate_fails(
        "git-branch",
        |repo| drop(repo.git(&["switch", "--quiet", "-c", "feature"])),
        &[],
    );
}

#[test]
fn gate_git_clean_fails_with_changes() {
    one_gate_fails("git-clean", |repo| repo.write("stray.txt", "x\n"), &[]);
}

#[test]
fn gate_git_origin_fails_when_head_is_not_pushed() {
    one_gate_fails(
        "git-origin",
        |repo| drop(repo.git(&["commit", "--quiet", "--allow-empty", "-m", "local"])),
        &[],
    );
}

#[test]
fn gate_tag_fails_when_the_tag_is_taken_on_origin() {
    one_gate_fails(
        "tag",
        |repo| {
            repo.git(&["tag", "-a", "v1.5.0", "-m", "elsewhere", "HEAD~1"]);
            repo.git(&["push", "--quiet", "origin", "v1.5.0"]);
            repo.git(&["tag", "-d", "v1.5.0"]);
        },
        &[],
    );
}

#[test]
fn gate_version_fails_when_a_site_differs() {
    let repo = one_gate_fails(
        "version",
        |repo| {
            repo.write(
                "Cargo.toml",
                &repo.read("Cargo.toml").replace("1.5.0", "1.5.1"),
            );
            repo.commit_and_push("drift");
        },
        &[],
    );
    assert!(
        tasks(&repo)[0]["body"]
            .as_str()
            .unwrap()
            .contains("run `cargo xtask bump 1.5.0`, commit, then push (`git push origin HEAD`)")
    );
}

#[test]
fn gate_changelog_fails_when_the_section_is_empty() {
    one_gate_fails(
        "changelog",
        |repo| {
            repo.write(
                "CHANGELOG.md",
                &repo
                    .read("CHANGELOG.md")
                    .replace("### Added\n\n- Something worth releasing.\n\n", ""),
            );
            repo.commit_and_push("empty section");
        },
        &[],
    );
}

#[test]
fn gate_ci_fails_without_a_green_run() {
    let repo = one_gate_fails("ci", |repo| repo.gh_scenario(json!({"ci": "failure"})), &[]);
    let calls = repo.gh_calls();
    let head = repo.git(&["rev-parse", "HEAD"]);
    // gh 2.23 has no `--commit`: the runs are listed, then filtered on headSha.
    let list = format!(
        "run list --repo {REPO} --workflow ci.yml --limit 100 --json databaseId,headSha,event,status,conclusion,url,displayTitle"
    );
    assert!(calls.contains(&list), "{calls:#?}");
    let run = last_run(&repo);
    let ci = gate(&run, "ci");
    assert!(ci["output_tail"].as_str().unwrap().contains(&head), "{ci}");
}

#[test]
fn ergo_missing_blocks_the_release() {
    let repo = repo();
    std::fs::remove_file(repo.base().join("fakes/bin/ergo")).unwrap();
    for args in [&["release", "v1.5.0"][..], &["release", "v1.5.0", "--live"]] {
        let run = repo.xtask_with(args, &[]);
        run.failure(1);
        assert!(
            run.stderr
                .contains("could not file the release blockers in ergo: ergo is not installed"),
            "{}",
            run.all()
        );
        assert!(run.stderr.contains("install ergo v6"), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("unfiled: [release-blocker][v1.5.0] tools: missing ergo"),
            "{}",
            run.stderr
        );
    }
    let record = last_run(&repo);
    assert_eq!(gate(&record, "tools")["status"], "failed");
    assert_eq!(
        record["blockers"]["unfiled"][0],
        "[release-blocker][v1.5.0] tools: missing ergo"
    );
    assert!(
        record["blockers"]["error"]
            .as_str()
            .unwrap()
            .contains("ergo is not installed")
    );
    assert_nothing_released(&repo);
}

#[test]
fn a_failing_ergo_blocks_the_release() {
    let repo = repo();
    std::fs::write(repo.fake_state().join("ergo-fail"), "").unwrap();
    let run = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    run.failure(1);
    assert!(
        run.all().contains("ergo could not be used"),
        "{}",
        run.all()
    );
    assert!(
        last_run(&repo)["blockers"]["error"]
            .as_str()
            .unwrap()
            .contains("resource temporarily unavailable")
    );
    assert_nothing_released(&repo);
}

#[test]
fn gh_unauthenticated_blocks_a_live_release() {
    let repo = repo();
    repo.gh_scenario(json!({"auth": false}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    run.failure(1);
    assert!(
        run.all()
            .contains("refusing to release v1.5.0: 1 gate(s) did not pass: gh-auth"),
        "{}",
        run.all()
    );
    assert_nothing_released(&repo);
    assert_eq!(tasks(&repo).len(), 1);
}

#[test]
fn an_open_blocker_refuses_live_until_it_is_closed() {
    let repo = repo();
    repo.xtask_with(&["release", "v1.5.0"], &[("FAIL_GATE", "fmt")])
        .failure(1);
    // The gate is fixed, but its blocker is still open.
    let run = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    run.failure(1);
    assert!(
        run.all().contains("1 blocker(s) open in epic"),
        "{}",
        run.all()
    );
    // The message names the command that closes it.
    let id = tasks(&repo)[0]["id"].as_str().unwrap().to_string();
    assert!(
        run.all().contains(&format!("`ergo done {id}`")),
        "{}",
        run.all()
    );
    assert_nothing_released(&repo);
    // A `failed` blocker is still open.
    set_task_state(&repo, "fail");
    repo.xtask_with(&["release", "v1.5.0", "--live"], &[])
        .failure(1);
    assert_nothing_released(&repo);
    // Closed: the release goes ahead.
    set_task_state(&repo, "done");
    repo.xtask_with(&["release", "v1.5.0", "--live"], &[])
        .success();
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
}

/// Moves every task as a person would: `ergo fail <ID>`, `ergo done <ID>`.
fn set_task_state(repo: &TempRepo, verb: &str) {
    for task in tasks(repo) {
        repo.ergo(&[verb, task["id"].as_str().unwrap()]).success();
    }
}

/// The calls of the fake gh from the first lookup of the build on.
fn mechanics_calls(repo: &TempRepo) -> Vec<String> {
    let calls = repo.gh_calls();
    let start = calls
        .iter()
        .position(|c| {
            c.starts_with("run list --repo plasmite-fixture/fixture --workflow release.yml")
        })
        .expect("a build lookup");
    calls[start..].to_vec()
}

fn release_runs(repo: &TempRepo, workflow: &str) -> Vec<Value> {
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.gh_runs()
        .into_iter()
        .filter(|r| r["workflow"] == workflow && r["headSha"] == head.as_str())
        .collect()
}

fn assert_released(repo: &TempRepo, run: &Run) {
    run.success();
    assert!(
        run.stdout
            .contains("delivery not checked; declare it, then run `cargo xtask delivery v1.5.0`"),
        "{}",
        run.stdout
    );
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    for tag in ["v1.5.0", "bindings/go/v1.5.0"] {
        assert_eq!(
            repo.git(&["cat-file", "-t", tag]),
            "tag",
            "{tag} is annotated"
        );
        assert_eq!(repo.git(&["rev-parse", &format!("{tag}^{{commit}}")]), head);
    }
    assert_eq!(
        repo.git(&["tag", "-l", "--format=%(contents:subject)", "v1.5.0"]),
        "Release v1.5.0"
    );
    let builds = release_runs(repo, "release.yml");
    assert_eq!(builds.len(), 1, "one build: {builds:#?}");
    let publishes = release_runs(repo, "release-publish.yml");
    assert_eq!(publishes.len(), 1, "one publish: {publishes:#?}");
    let build_id = builds[0]["databaseId"].as_u64().unwrap();
    assert_eq!(
        publishes[0]["inputs"],
        json!({"build_run_id": build_id.to_string(), "allow_partial_release": "false"})
    );
    let dispatches: Vec<String> = repo
        .gh_log()
        .iter()
        .filter(|e| e["interrupted"] != "before")
        .map(|e| {
            e["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| c.starts_with("workflow run"))
        .collect();
    assert_eq!(
        dispatches,
        [format!(
            "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id={build_id} -f allow_partial_release=false"
        )]
    );
    let record = last_run(repo);
    assert_eq!(record["outcome"], "released");
    let done = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "done")
        .unwrap();
    assert_eq!(done["build_run_id"], build_id);
    assert_eq!(done["publish_run_id"], publishes[0]["databaseId"]);
}

#[test]
fn the_live_happy_path() {
    let repo = repo();
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    assert_released(&repo, &run);
    assert!(
        run.stdout.contains(
            "running: git push --atomic -- origin refs/tags/v1.5.0 refs/tags/bindings/go/v1.5.0"
        ),
        "{}",
        run.stdout
    );

    let build = release_runs(&repo, "release.yml")[0]["databaseId"]
        .as_u64()
        .unwrap();
    let publish = release_runs(&repo, "release-publish.yml")[0]["databaseId"]
        .as_u64()
        .unwrap();
    let fields = "databaseId,headSha,event,status,conclusion,url,displayTitle";
    let log = repo.gh_log();
    let start = log
        .iter()
        .position(|e| e["argv"][4] == "--workflow" && e["argv"][5] == "release.yml")
        .unwrap();
    let seq: Vec<(String, Vec<String>)> = log[start..]
        .iter()
        .map(|e| {
            let argv: Vec<&str> = e["argv"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            let tags: Vec<String> = e["origin_tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            (argv.join(" "), tags)
        })
        .collect();
    let pushed = vec![
        "bindings/go/v1.5.0".to_string(),
        "v1.4.2".to_string(),
        "v1.5.0".to_string(),
    ];
    // Facts first (before the tag exists), then the tag push, the lookup and
    // the polls of the build, then the dispatch, then the publish run.
    assert_eq!(
        seq[0],
        (
            format!("run list --repo {REPO} --workflow release.yml --limit 100 --json {fields}"),
            vec!["v1.4.2".to_string()]
        )
    );
    assert_eq!(
        seq[1].0,
        format!(
            "run list --repo {REPO} --workflow release-publish.yml --limit 100 --json {fields}"
        )
    );
    assert_eq!(
        seq[2],
        (
            format!("run list --repo {REPO} --workflow release.yml --limit 100 --json {fields}"),
            pushed.clone()
        )
    );
    let views = format!("run view {build} --repo {REPO} --json {fields},workflowName");
    let polls = seq.iter().filter(|(c, _)| *c == views).count();
    assert!(polls >= 1, "the build is polled: {seq:#?}");
    let dispatch = seq
        .iter()
        .position(|(c, _)| c.starts_with("workflow run"))
        .unwrap();
    assert_eq!(
        seq[dispatch].0,
        format!(
            "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id={build} -f allow_partial_release=false"
        )
    );
    assert!(seq[..dispatch].iter().any(|(c, _)| *c == views));
    assert!(
        seq[dispatch + 1..]
            .iter()
            .any(|(c, _)| *c
                == format!("run view {publish} --repo {REPO} --json {fields},workflowName")),
        "{seq:#?}"
    );
    assert!(!seq.iter().any(|(c, _)| c.contains("watch")));

    let record = last_run(&repo);
    let steps: Vec<&str> = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    // `--no-rehearsal` is recorded first, as the step `rehearsal`.
    assert_eq!(
        steps,
        [
            "rehearsal",
            "tag",
            "tag",
            "push",
            "build",
            "dispatch",
            "publish",
            "done",
            "delivery"
        ]
    );
    assert_eq!(record["steps"][0]["status"], "skipped");
    assert_eq!(record["steps"][3]["atomic"], true);
    assert_eq!(record["steps"][4]["run_id"], build);
    assert_eq!(record["steps"][5]["build_run_id"], build);
    assert_eq!(record["steps"][6]["run_id"], publish);

    // A rerun of a finished release changes nothing and dispatches nothing.
    let again = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    assert_released(&repo, &again);
    assert!(
        again.stdout.contains("reusing publish run"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_failed_build_files_a_blocker_and_dispatches_nothing() {
    let repo = repo();
    repo.gh_scenario(json!({"build": {"conclusion": "failure", "polls": 2}}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.failure(1);
    let build = release_runs(&repo, "release.yml")[0]["databaseId"]
        .as_u64()
        .unwrap();
    assert!(
        run.stdout
            .contains("failed job: build (aarch64-apple-darwin) (failure)"),
        "{}",
        run.stdout
    );
    assert!(
        !repo
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("workflow run"))
    );
    assert!(
        repo.gh_calls()
            .contains(&format!("run view {build} --repo {REPO} --json jobs"))
    );
    let tasks = tasks(&repo);
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        tasks[0]["title"],
        format!("[release-blocker][v1.5.0] build: release.yml run {build} failed")
    );
    let body = tasks[0]["body"].as_str().unwrap();
    assert!(
        body.contains("build (aarch64-apple-darwin) (failure)"),
        "{body}"
    );
    assert!(body.contains("wheels (windows) (cancelled)"), "{body}");
    assert!(
        !body.contains("x86_64-unknown-linux-gnu"),
        "only failed jobs: {body}"
    );
    let record = last_run(&repo);
    assert_eq!(record["outcome"], "blocked");
    let step = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "build" && s["failed_jobs"].is_array())
        .unwrap();
    assert_eq!(step["failed_jobs"].as_array().unwrap().len(), 2);

    // Rerun: the blocker is open, so nothing more happens, and nothing is filed twice.
    let again = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    again.failure(1);
    assert_eq!(self::tasks(&repo).len(), 1);
    assert!(
        !repo
            .gh_calls()
            .iter()
            .any(|c| c.starts_with("workflow run"))
    );
}

fn interrupted_then_resumed(rule: Value) -> TempRepo {
    let repo = repo();
    repo.gh_scenario(json!({"interrupt": [rule]}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    assert_eq!(run.code, -1, "killed:\n{}{}", run.stdout, run.stderr);
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"],
        "pushed before the interruption"
    );
    let resumed = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    assert_released(&repo, &resumed);
    assert!(
        !resumed.stdout.contains("running: git tag"),
        "{}",
        resumed.stdout
    );
    assert!(
        !resumed.stdout.contains("running: git push"),
        "{}",
        resumed.stdout
    );
    assert!(
        resumed.stdout.contains("reusing tag v1.5.0 on origin"),
        "{}",
        resumed.stdout
    );
    assert_eq!(repo.ergo_items().len(), 0, "no blocker");
    assert_eq!(evidence(&repo)["runs"].as_array().unwrap().len(), 2);
    repo
}

#[test]
fn interrupted_after_the_push() {
    let repo = interrupted_then_resumed(
        json!({"match": ["run", "list", "--repo", REPO, "--workflow", "release.yml"], "nth": 2, "when": "before"}),
    );
    assert_eq!(
        mechanics_calls(&repo)
            .iter()
            .filter(|c| c.starts_with("workflow run"))
            .count(),
        1
    );
}

#[test]
fn interrupted_after_the_build() {
    let repo = interrupted_then_resumed(json!({"match": ["workflow", "run"], "when": "before"}));
    let first = evidence(&repo)["runs"][0].clone();
    assert!(
        first["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["step"] == "build" && s["conclusion"] == "success")
    );
    let resumed = last_run(&repo);
    assert!(resumed["steps"].as_array().unwrap().iter().any(|s| {
        s["what"]
            .as_str()
            .is_some_and(|w| w.starts_with("build run") && w.ends_with("(succeeded)"))
    }));
}

#[test]
fn interrupted_after_the_dispatch() {
    let repo = interrupted_then_resumed(json!({"match": ["workflow", "run"], "when": "after"}));
    let resumed = last_run(&repo);
    assert!(
        !resumed["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["step"] == "dispatch"),
        "{resumed:#}"
    );
    assert_eq!(
        repo.gh_calls()
            .iter()
            .filter(|c| c.starts_with("workflow run"))
            .count(),
        1
    );
}

#[test]
fn a_tag_on_origin_at_another_commit_is_an_error() {
    let repo = repo();
    repo.git(&["tag", "-a", "bindings/go/v1.5.0", "-m", "old", "HEAD~1"]);
    repo.git(&["push", "--quiet", "origin", "bindings/go/v1.5.0"]);
    repo.git(&["tag", "-d", "bindings/go/v1.5.0"]);
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.failure(1);
    assert!(
        run.all().contains("bindings/go/v1.5.0 on origin points at"),
        "{}",
        run.all()
    );
    assert!(!repo.remote_tags().contains(&"v1.5.0".to_string()));
}

#[test]
fn hostile_blocker_titles_arrive_intact() {
    let repo = repo();
    let one_line = r#"q"uote's $(touch PWNED) `touch PWNED2` \n"#;
    let two_lines = "two\nlines $(touch PWNED3)";
    let config = repo.read("release/config.toml");
    // A gate name is an identifier: a hostile one is refused by key, and
    // nothing is filed.
    repo.write(
        "release/config.toml",
        &format!(
            "{config}\n[[gate]]\nname = {}\ncommand = \"false\"\n",
            toml_string(two_lines)
        ),
    );
    let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
    run.failure(2);
    assert!(
        run.stderr
            .contains("gate[4].name = \"two\\nlines $(touch PWNED3)\" must be one word"),
        "{}",
        run.stderr
    );
    assert!(repo.ergo_calls().is_empty(), "{:#?}", repo.ergo_calls());
    // Hostile text still reaches a title through the failed command, which
    // the title quotes: it arrives intact, as one argument, never run.
    let command = |word: &str| shlex::try_join(["sh", "-c", "exit 1", word]).unwrap();
    let gate = |name: &str, word: &str| {
        format!(
            "\n[[gate]]\nname = \"{name}\"\ncommand = {}\n",
            toml_string(&command(word))
        )
    };
    repo.write(
        "release/config.toml",
        &format!(
            "{config}{}{}",
            gate("one", one_line),
            gate("two", two_lines)
        ),
    );
    repo.commit_and_push("hostile gates");
    repo.xtask_with(&["release", "v1.5.0"], &[]).failure(1);

    // A title is one line: the summary's first.
    let title = |name: &str, word: &str| {
        let summary = format!("`{}` failed with exit code 1", command(word));
        let first = summary.lines().next().unwrap().to_string();
        format!("[release-blocker][v1.5.0] {name}: {first}")
    };
    let (t1, t2) = (title("one", one_line), title("two", two_lines));
    assert!(!t2.contains('\n'), "{t2}");
    let log = repo.ergo_log();
    let epic = log
        .iter()
        .find(|e| e["argv"][0] == "new" && e["argv"][1] == "epic")
        .unwrap();
    assert_eq!(epic["argv"][2], "Release blockers: v1.5.0");
    let file = epic["file"].as_str().unwrap();
    assert!(file.starts_with(&format!("# {t1}\n")), "{file}");
    assert!(file.contains(&format!("\n# {t2}\n")), "{file}");
    // The whole hostile word arrives in the body, quoted as one argument.
    assert!(
        file.contains(&format!("Gate: two\nCommand: `{}`", command(two_lines))),
        "{file}"
    );
    let titles: Vec<String> = tasks(&repo)
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles, [t1, t2]);
    for file in ["PWNED", "PWNED2", "PWNED3"] {
        assert!(!repo.path(file).exists() && !repo.fake_state().join(file).exists());
    }
    // One filing made both (the epic with its two tasks); a rerun files nothing.
    repo.xtask_with(&["release", "v1.5.0"], &[]).failure(1);
    assert_eq!(ergo_creations(&repo).len(), 1, "{:#?}", repo.ergo_calls());
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

#[test]
fn no_secret_reaches_the_output_the_evidence_or_ergo() {
    let repo = repo();
    let gh_token = "ghp_R3alLooking0Token0Value0123456789ab";
    let npm_token = "npm_SecretNpmTokenValue0123456789abcdef";
    let plain = "plain-secret-value-42";
    let literal = "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3A";
    let config = repo.read("release/config.toml");
    repo.write(
        "release/config.toml",
        &format!("{config}\n[[gate]]\nname = \"leaky\"\ncommand = \"sh -c 'echo gh=$GH_TOKEN npm=$NPM_TOKEN cargo=$CARGO_REGISTRY_TOKEN; echo {literal}; exit 1'\"\n"),
    );
    repo.commit_and_push("a leaky gate");
    let env = [
        ("GH_TOKEN", gh_token),
        ("NPM_TOKEN", npm_token),
        ("CARGO_REGISTRY_TOKEN", plain),
    ];
    let run = repo.xtask_with(&["release", "v1.5.0", "--json"], &env);
    run.failure(1);
    let ergo_log = std::fs::read_to_string(repo.fake_state().join("ergo.log")).unwrap();
    let evidence_text = repo.read(EVIDENCE);
    assert!(
        evidence_text.contains("gh=[REDACTED] npm=[REDACTED] cargo=[REDACTED]"),
        "{evidence_text}"
    );
    for (place, text) in [
        ("output", run.all()),
        ("evidence", evidence_text),
        ("ergo", ergo_log),
    ] {
        for secret in [gh_token, npm_token, plain, literal] {
            assert!(!text.contains(secret), "{secret} in the {place}:\n{text}");
        }
    }
}

#[test]
fn a_malformed_target_is_a_usage_error() {
    let repo = repo();
    repo.xtask_with(&["release", "next"], &[]).failure(2);
}

/// Declares a `[delivery]` of the crates channel only, served by `server`.
/// Its limits are generous, so a busy machine cannot change the outcome: a
/// local request does not time out, and a channel that never serves it is
/// asked more than once before the check gives up.
fn with_delivery(repo: &TempRepo, server: &Server) {
    let config = repo.read("release/config.toml")
        + &format!(
            "\n[delivery]\nchannels = [\"crates\"]\ncrate = \"fixture\"\ncrates_index = \"{}/crates-index\"\nmax_wait = \"5s\"\nrequest_timeout = \"30s\"\nbackoff = \"20ms\"\nbackoff_max = \"100ms\"\n",
            server.url
        );
    repo.write("release/config.toml", &config);
    repo.commit_and_push("declare delivery");
}

const CRATES_INDEX: &str = "/crates-index/fi/xt/fixture";

#[test]
fn a_live_release_checks_delivery_last() {
    let server = Server::start(vec![(
        CRATES_INDEX,
        Answer::File("delivery/crates-index-fixture-1.5.0"),
    )]);
    let repo = repo();
    with_delivery(&repo, &server);
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.success();
    assert!(
        run.stdout
            .contains("checking delivery: cargo xtask delivery v1.5.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("delivery: ok, every required channel serves 1.5.0"),
        "{}",
        run.stdout
    );
    assert!(server.hits(CRATES_INDEX) >= 1);
    let record = last_run(&repo);
    let steps = record["steps"].as_array().unwrap();
    let last = steps.last().unwrap();
    assert_eq!(last["step"], "delivery");
    assert_eq!(last["status"], "passed");
    assert_eq!(last["report"]["channels"][0]["channel"], "crates");
    assert_eq!(last["report"]["channels"][0]["status"], "pass");
    assert!(tasks(&repo).is_empty(), "no blocker: {:#?}", tasks(&repo));
}

#[test]
fn a_channel_that_never_serves_the_release_files_a_blocker() {
    let server = Server::start(vec![(
        CRATES_INDEX,
        Answer::File("delivery/crates-index-fixture"),
    )]);
    let repo = repo();
    with_delivery(&repo, &server);
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.failure(1);
    assert!(
        run.stdout
            .contains("delivery: FAILED: crates does not serve 1.5.0"),
        "{}",
        run.all()
    );
    assert!(server.hits(CRATES_INDEX) >= 2, "the channel was retried");
    let record = last_run(&repo);
    let last = record["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "failed");
    let titles: Vec<String> = tasks(&repo)
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        titles,
        ["[release-blocker][v1.5.0] delivery: crates does not serve v1.5.0"]
    );
    // The tags are out and stay: a rerun reuses them and files no duplicate blocker.
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
    let again = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    again.failure(1);
    assert_eq!(tasks(&repo).len(), 1);
    assert_eq!(
        release_runs(&repo, "release-publish.yml").len(),
        1,
        "no second publish"
    );
}

#[test]
fn a_dry_run_without_gh_still_shows_the_plan() {
    let repo = repo();
    std::fs::remove_file(repo.base().join("fakes/bin/gh")).unwrap();
    let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
    run.failure(1);
    assert!(
        run.stdout
            .contains("cannot list release.yml runs, so this plan assumes there are none"),
        "{}",
        run.all()
    );
    assert!(
        run.stdout.contains(
            "would run: git push --atomic -- origin refs/tags/v1.5.0 refs/tags/bindings/go/v1.5.0"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("would run: gh workflow run release-publish.yml"),
        "{}",
        run.stdout
    );
    let record = last_run(&repo);
    assert_eq!(gate(&record, "tools")["status"], "failed");
    assert_eq!(gate(&record, "gh-auth")["status"], "incomplete");
    assert_nothing_released(&repo);
}

#[test]
fn ergo_without_init_blocks_and_its_advice_works() {
    let repo = repo();
    repo.git(&["rm", "-r", "--quiet", ".ergo"]);
    repo.git(&["commit", "--quiet", "-m", "no tracker"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    let run = repo.xtask_with(&["release", "v1.5.0"], &[("FAIL_GATE", "fmt")]);
    run.failure(1);
    for says in [
        "no .ergo directory found (run ergo init)",
        "run `ergo init` at the repository root and commit `.ergo/`",
    ] {
        assert!(run.all().contains(says), "{says}: {}", run.all());
    }
    assert!(tasks(&repo).is_empty());
    // Following the advice: `ergo init`, commit `.ergo/` (its lock ignored).
    repo.ergo(&["init"]).success();
    repo.git(&["add", ".ergo"]);
    repo.git(&["commit", "--quiet", "-m", "track the release blockers"]);
    repo.git(&["push", "--quiet", "origin", "main"]);
    repo.xtask_with(&["release", "v1.5.0"], &[("FAIL_GATE", "fmt")])
        .failure(1);
    assert_eq!(tasks(&repo).len(), 1);
    // Filing rewrote the committed store; the clean gate does not count it.
    assert!(
        repo.git(&["status", "--porcelain"])
            .contains(".ergo/backlog.jsonl")
    );
    let green = repo.xtask_with(&["release", "v1.5.0"], &[]);
    assert!(
        last_run(&repo)["gates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "git-clean" && g["status"] == "passed"),
        "{}",
        green.all()
    );
}

#[test]
fn the_fake_ergo_is_as_strict_as_ergo_v6() {
    let repo = repo();
    let file = repo.base().join("chunks.md");
    let ergo = |args: &[&str]| repo.ergo(args);
    assert_eq!(ergo(&["--version"]).stdout, "ergo version 6.0.3\n");
    std::fs::write(&file, "").unwrap();
    let empty = ergo(&["new", "epic", "E", "--file", file.to_str().unwrap()]);
    empty.failure(1);
    assert!(
        empty.stderr.contains("contains no task chunks"),
        "{}",
        empty.stderr
    );
    std::fs::write(&file, "# A\nbody\n---\n# A\nagain\n").unwrap();
    ergo(&["new", "epic", "E", "--file", file.to_str().unwrap()]).failure(1);
    std::fs::write(&file, "# A\nbody\n---\n# B\n").unwrap();
    let made = ergo(&["new", "epic", "E", "--file", file.to_str().unwrap()]);
    made.success();
    assert_eq!(
        made.stdout,
        "Epic AAAAAB - E\nAAAAAC - A\nAAAAAD - B\n2 tasks, 0 dependencies\n"
    );
    let list = |args: &[&str]| -> Value { serde_json::from_str(&ergo(args).stdout).unwrap() };
    let epic_state =
        || list(&["list", "--epic", "AAAAAB", "--all", "--json"])["items"][0]["state"].clone();
    assert_eq!(epic_state(), "active");
    ergo(&["done", "AAAAAC"]).success();
    ergo(&["cancel", "AAAAAD"]).success();
    assert_eq!(epic_state(), "done");
    assert_eq!(list(&["list", "--json"])["items"], json!([]));
    ergo(&["list", "--all", "--ready", "--json"]).failure(1);
    ergo(&["list", "--epic", "NOPE", "--json"]).failure(1);
    ergo(&["list", "--commit", "x"]).failure(2);
    let task = ergo(&["new", "task", "T", "--epic", "AAAAAB"]);
    assert_eq!(task.stdout, "AAAAAE\n");
    std::fs::remove_dir_all(repo.dir.join(".ergo")).unwrap();
    let outside = ergo(&["list", "--json"]);
    outside.failure(1);
    assert!(
        outside
            .stderr
            .contains("no .ergo directory found (run ergo init)")
    );
}

fn dispatch_calls(repo: &TempRepo) -> Vec<String> {
    repo.gh_calls()
        .into_iter()
        .filter(|c| c.starts_with("workflow run"))
        .collect()
}

fn the_build_id(repo: &TempRepo) -> u64 {
    let builds = release_runs(repo, "release.yml");
    assert_eq!(builds.len(), 1, "one build: {builds:#?}");
    builds[0]["databaseId"].as_u64().unwrap()
}

fn dispatch_of(build: u64) -> String {
    format!(
        "workflow run release-publish.yml --repo plasmite-fixture/fixture -f build_run_id={build} -f allow_partial_release=false"
    )
}

#[test]
fn a_publish_of_another_build_at_head_is_not_this_release() {
    let repo = repo();
    let head = repo.git(&["rev-parse", "HEAD"]);
    // A rehearsal published another build at this very commit.
    repo.gh_scenario(json!({"runs": [{
        "databaseId": 700, "workflow": "release-publish.yml", "workflowName": "Release publish",
        "headSha": head, "event": "workflow_dispatch", "status": "completed", "conclusion": "success",
        "displayTitle": "Publish build 699", "url": "https://github.com/plasmite/plasmite/actions/runs/700"
    }]}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.success();
    let build = the_build_id(&repo);
    assert_eq!(dispatch_calls(&repo), [dispatch_of(build)], "{}", run.all());
    let done = last_run(&repo)["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "done")
        .cloned()
        .unwrap();
    assert_ne!(done["publish_run_id"], 700);
    assert_eq!(done["build_run_id"], build);
}

#[test]
fn a_main_that_moved_on_before_the_dispatch() {
    let repo = repo();
    // The dispatched run carries the default branch's head, not the tag's commit.
    repo.gh_scenario(json!({"dispatch_head": "1111111111111111111111111111111111111111"}));
    let run = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    run.success();
    let build = the_build_id(&repo);
    assert_eq!(dispatch_calls(&repo), [dispatch_of(build)]);
    assert_eq!(last_run(&repo)["outcome"], "released");
    // A rerun recognises the publish run of its build: nothing is dispatched again.
    let again = repo.xtask_with(&["release", "v1.5.0", "--live", "--no-rehearsal"], &[]);
    again.success();
    assert!(
        again.stdout.contains("reusing publish run"),
        "{}",
        again.stdout
    );
    assert_eq!(dispatch_calls(&repo), [dispatch_of(build)]);
    // So does the publish-only retry.
    let id = build.to_string();
    let retry = repo.xtask_with(&["publish", "--build-run-id", &id, "--live"], &[]);
    retry.failure(1);
    assert!(
        retry.stderr.contains("was already published"),
        "{}",
        retry.stderr
    );
    assert_eq!(dispatch_calls(&repo), [dispatch_of(build)]);
}

#[test]
fn a_long_gate_shows_its_progress_on_a_terminal_only() {
    // Driven by events, not by the machine's speed: progress shows from
    // the start (the test knob), and on a terminal the gate lasts until
    // the progress line is on it; elsewhere it lasts 1 s.
    let repo = repo();
    let log = repo.terminal_log();
    let gate = format!(
        "if [ -n \"$ON_TERMINAL\" ]; then until grep -q \"running for\" {}; do sleep 0.05; done; else sleep 1; fi",
        log.display()
    );
    let config = repo.read("release/config.toml")
        + &format!(
            "\n[[gate]]\nname = \"slow\"\ncommand = {:?}\ntimeout = \"10m\"\n",
            format!("sh -c '{gate}'")
        );
    repo.write("release/config.toml", &config);
    repo.commit_and_push("a slow gate");
    let fast = ("XTASK_TEST_PROGRESS_AFTER_MS", "0");
    let terminal = repo.xtask_on_terminal(&["release", "v1.5.0"], &[fast, ("ON_TERMINAL", "1")]);
    assert!(
        terminal.stdout.contains("\r    … slow: running for "),
        "{:?}",
        terminal.stdout
    );
    // The ticker's line is cleared before the gate's result.
    assert!(
        terminal.stdout.contains("\r    passed ("),
        "{:?}",
        terminal.stdout
    );
    let no_color = repo.xtask_on_terminal(&["release", "v1.5.0"], &[fast, ("NO_COLOR", "1")]);
    assert!(
        no_color.stdout.contains("==> slow"),
        "{:?}",
        no_color.stdout
    );
    assert!(
        !no_color.stdout.contains("running for"),
        "{:?}",
        no_color.stdout
    );
    assert!(!no_color.stdout.contains('\x1b'));
    let plain = repo.xtask_with(&["release", "v1.5.0"], &[fast]);
    plain.success();
    assert!(
        !plain.all().contains('\r') && !plain.all().contains('\x1b'),
        "{:?}",
        plain.all()
    );
}

#[test]
fn on_github_actions_a_failing_gate_is_an_annotation_and_a_summary() {
    let repo = repo();
    let summary = repo.base().join("step-summary.md");
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("FAIL_GATE", "clippy"),
    ];
    let run = repo.xtask_with(&["release", "v1.5.0"], &env);
    run.failure(1);
    let annotations: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        annotations,
        [
            "::error::gate clippy failed: `sh -c 'test \"$FAIL_GATE\" != clippy'` failed with exit code 1 (next: run `sh -c 'test \"$FAIL_GATE\" != clippy'`, fix what it reports, commit, then rerun)"
        ],
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("### Gates of v1.5.0 (dry-run)\n\n| gate | status | time | next action |\n| --- | --- | --- | --- |\n"), "{text}");
    assert!(text.contains("| clippy | failed |"), "{text}");
    assert!(
        text.ends_with("**cargo xtask release v1.5.0** (dry-run): blocked\n\n"),
        "{text}"
    );
    // Off elsewhere: no workflow command, no summary.
    std::fs::remove_file(&summary).unwrap();
    let plain = repo.xtask_with(&["release", "v1.5.0"], &[("FAIL_GATE", "clippy")]);
    assert!(!plain.all().contains("::error"), "{}", plain.all());
    assert!(!summary.exists());
}

#[test]
fn the_delivery_command_files_a_blocker_unless_told_not_to() {
    let server = Server::start(vec![(
        CRATES_INDEX,
        Answer::File("delivery/crates-index-fixture"),
    )]);
    let repo = repo();
    with_delivery(&repo, &server);
    let quiet = repo.xtask_with(
        &["delivery", "v1.5.0", "--max-wait", "0s", "--no-blocker"],
        &[],
    );
    quiet.failure(1);
    assert!(tasks(&repo).is_empty());
    let run = repo.xtask_with(&["delivery", "v1.5.0", "--max-wait", "0s"], &[]);
    run.failure(1);
    let titles: Vec<Value> = tasks(&repo).iter().map(|t| t["title"].clone()).collect();
    assert_eq!(
        titles,
        [json!(
            "[release-blocker][v1.5.0] delivery: crates does not serve v1.5.0"
        )]
    );
    let id = tasks(&repo)[0]["id"].as_str().unwrap().to_string();
    assert!(
        run.stdout.contains(&format!("`ergo done {id}`")),
        "{}",
        run.stdout
    );
    // Again: the same blocker is not filed twice.
    repo.xtask_with(&["delivery", "v1.5.0", "--max-wait", "0s"], &[])
        .failure(1);
    assert_eq!(tasks(&repo).len(), 1);
}

#[test]
fn a_workflow_command_escapes_a_newline_and_a_percent_sign() {
    let repo = repo();
    let config = repo.read("release/config.toml")
        + "\n[[gate]]\nname = \"odd\"\ncommand = \"sh -c 'echo 100%\\nexit 3'\"\ntimeout = \"10s\"\n";
    repo.write("release/config.toml", &config);
    repo.commit_and_push("a gate whose command has a newline and a percent sign");
    let run = repo.xtask_with(&["release", "v1.5.0"], &[("GITHUB_ACTIONS", "true")]);
    run.failure(1);
    let odd: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("::error::gate odd"))
        .collect();
    assert_eq!(
        odd,
        [
            "::error::gate odd failed: `sh -c 'echo 100%25%0Aexit 3'` failed with exit code 3 (next: run `sh -c 'echo 100%25%0Aexit 3'`, fix what it reports, commit, then rerun)"
        ],
        "{}",
        run.stderr
    );
}
