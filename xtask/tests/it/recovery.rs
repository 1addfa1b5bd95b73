//! Every failure that stops a release files a blocker and prints a `next:`
//! line; following that line literally (the fix itself aside) gets the
//! release out. One test per fault: a gate, the build, the publish (a
//! credential), a channel missing after the publish, a rejected push, a
//! failed dispatch, and a wait that times out.

use serde_json::{Value, json};

use crate::server::{Answer, Server};
use crate::support::{Run, TempRepo};

const TAG: &str = "v1.5.0";

/// The commands of the last `next:` line of `run`: each span in backticks, in order.
fn next_commands(run: &Run) -> Vec<String> {
    let all = run.all();
    let line = all
        .lines()
        .rev()
        .find(|l| l.starts_with("next: "))
        .unwrap_or_else(|| panic!("no `next:` line in:\n{all}"));
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// Runs each command of `run`'s `next:` line as a person would, and
/// returns the output of the last one.
fn follow(repo: &TempRepo, run: &Run) -> Run {
    let commands = next_commands(run);
    assert!(
        !commands.is_empty(),
        "a `next:` line without a command:\n{}",
        run.all()
    );
    let mut last = None;
    for command in commands {
        let words = shlex::split(&command).unwrap_or_default();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let out = match words.as_slice() {
            ["cargo", "xtask", args @ ..] => repo.xtask_with(args, &[]),
            ["git", args @ ..] => {
                repo.git(args);
                repo.xtask_with(&["versions"], &[])
            }
            [tool @ ("gh" | "ergo"), args @ ..] => {
                let out = repo.fake(tool, args);
                out.success();
                out
            }
            _ => panic!(
                "`{command}` is not a command this test can follow:\n{}",
                run.all()
            ),
        };
        last = Some(out);
    }
    last.unwrap()
}

/// Follows the `next:` lines until the release stops failing.
fn follow_until_done(repo: &TempRepo, first: &Run) -> Run {
    let mut run = follow(repo, first);
    for _ in 0..4 {
        if run.code == 0 {
            return run;
        }
        run = follow(repo, &run);
    }
    panic!(
        "still failing after following every `next:` line:\n{}",
        run.all()
    );
}

fn outcome(repo: &TempRepo) -> Value {
    let doc: Value =
        serde_json::from_str(&repo.read(&format!(".scratch/release/evidence-{TAG}.json"))).unwrap();
    doc["runs"].as_array().unwrap().last().unwrap()["outcome"].clone()
}

fn open_blockers(repo: &TempRepo) -> Vec<String> {
    repo.ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "task" && i["state"] != "done" && i["state"] != "canceled")
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

fn dispatches(repo: &TempRepo) -> usize {
    repo.gh_calls()
        .iter()
        .filter(|c| c.starts_with("workflow run"))
        .count()
}

fn live(repo: &TempRepo, env: &[(&str, &str)]) -> Run {
    let run = repo.xtask_with(&["release", TAG, "--live", "--no-rehearsal"], env);
    run.failure(1);
    run
}

/// The release is out: tags on origin, the last run says so, no blocker open.
fn assert_out(repo: &TempRepo, last: &Run, outcome_word: &str) {
    last.success();
    assert_eq!(outcome(repo), outcome_word, "{}", last.all());
    assert!(repo.remote_tags().contains(&TAG.to_string()));
    assert!(open_blockers(repo).is_empty(), "{:?}", open_blockers(repo));
}

fn the_one_blocker(repo: &TempRepo, starts: &str) {
    let open = open_blockers(repo);
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0].starts_with(starts), "{open:?}");
}

#[test]
fn a_failed_gate() {
    let repo = TempRepo::with_origin("release/in");
    let failed = live(&repo, &[("FAIL_GATE", "clippy")]);
    the_one_blocker(&repo, "[release-blocker][v1.5.0] clippy:");
    // The fix: the gate is green again (FAIL_GATE is not set below).
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "released");
}

#[test]
fn a_failed_build() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"build": {"conclusion": "failure", "polls": 1}}));
    let failed = live(&repo, &[]);
    the_one_blocker(&repo, "[release-blocker][v1.5.0] build: release.yml run");
    assert!(
        next_commands(&failed)[0].starts_with("gh run rerun "),
        "{}",
        failed.all()
    );
    // The fix: the failed jobs pass when rerun.
    repo.gh_scenario(json!({"build": {"conclusion": "success", "polls": 1}}));
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "released");
    assert_eq!(dispatches(&repo), 1);
}

/// A rerun with the build's blocker still open (every gate green) repeats
/// the build's own next step, `gh run rerun … --failed`: followed, the
/// release goes out with the one blocker, never a second.
#[test]
fn a_rerun_with_the_build_blocker_open_repeats_its_fix() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"build": {"conclusion": "failure", "polls": 1}}));
    live(&repo, &[]);
    the_one_blocker(&repo, "[release-blocker][v1.5.0] build: release.yml run");
    // Rerun as is: the gates pass, the blocker refuses.
    let again = live(&repo, &[]);
    let out = again.all();
    assert!(!out.contains("fix what the table above names"), "{out}");
    let commands = next_commands(&again);
    assert!(commands[0].starts_with("gh run rerun "), "{out}");
    assert!(commands[0].contains(" --failed --repo "), "{out}");
    assert!(commands[1].starts_with("ergo done "), "{out}");
    assert_eq!(
        commands.last().unwrap(),
        "cargo xtask release v1.5.0 --live --no-rehearsal"
    );
    repo.gh_scenario(json!({"build": {"conclusion": "success", "polls": 1}}));
    let done = follow_until_done(&repo, &again);
    assert_out(&repo, &done, "released");
    let filed: Vec<Value> = repo
        .ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "task")
        .collect();
    assert_eq!(filed.len(), 1, "{filed:#?}");
    assert_eq!(dispatches(&repo), 1);
}

/// `ergo init` in a clone of this repository has nothing to repair: the
/// store ergo v6 keeps is tracked, and the tree stays clean.
#[test]
fn ergo_init_in_this_repository_repairs_nothing() {
    let repo = TempRepo::of_workspace();
    repo.git(&["remote", "add", "origin", "https://example.invalid/x.git"]);
    let base = repo.base();
    crate::support::copy_tree(
        &crate::support::fixtures().join("fakes"),
        &base.join("fakes"),
    );
    std::fs::create_dir_all(repo.fake_state()).unwrap();
    let init = repo.ergo(&["init"]);
    init.success();
    assert!(!init.all().contains("Repaired"), "{}", init.all());
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "ergo init left changes"
    );
}

#[test]
fn a_publish_that_fails_on_a_credential() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"publish": {"conclusion": "failure", "polls": 1}}));
    let failed = live(&repo, &[]);
    the_one_blocker(
        &repo,
        "[release-blocker][v1.5.0] publish: release-publish.yml run",
    );
    assert!(
        next_commands(&failed)
            .last()
            .unwrap()
            .starts_with("cargo xtask publish --build-run-id "),
        "{}",
        failed.all()
    );
    // The fix: the secret is right now.
    repo.gh_scenario(json!({"publish": {"conclusion": "success", "polls": 1}}));
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "published");
    assert_eq!(dispatches(&repo), 2, "the failed publish, then the retry");
    // And the release says it is out.
    let release = repo.xtask_with(&["release", TAG, "--live", "--no-rehearsal"], &[]);
    assert_out(&repo, &release, "released");
    assert_eq!(dispatches(&repo), 2);
}

#[test]
fn a_channel_missing_after_the_publish() {
    let repo = TempRepo::with_origin("release/in");
    let server = Server::start(vec![(
        "/crates-index/fi/xt/fixture",
        Answer::OnceFile {
            file: repo.fake_state().join("published"),
            then: Box::new(Answer::File("delivery/crates-index-fixture-1.5.0")),
            otherwise: Box::new(Answer::File("delivery/crates-index-fixture")),
        },
    )]);
    let config = repo.read("release/config.toml")
        + &format!(
            "\n[delivery]\nchannels = [\"crates\"]\ncrate = \"fixture\"\ncrates_index = \"{}/crates-index\"\nmax_wait = \"300ms\"\nrequest_timeout = \"300ms\"\nbackoff = \"20ms\"\nbackoff_max = \"50ms\"\n",
            server.url
        );
    repo.write("release/config.toml", &config);
    repo.commit_and_push("declare delivery");
    // The publish run succeeds, but its crates job published nothing.
    repo.gh_scenario(json!({"publish_serves": false}));
    let failed = live(&repo, &[]);
    the_one_blocker(
        &repo,
        "[release-blocker][v1.5.0] delivery: crates does not serve v1.5.0",
    );
    // One next step, and it closes the blocker.
    let all = failed.all();
    assert_eq!(
        all.lines().filter(|l| l.starts_with("next: ")).count(),
        1,
        "{all}"
    );
    assert!(
        all.contains("delivery: FAILED: crates does not serve 1.5.0 yet\n"),
        "{all}"
    );
    assert!(
        next_commands(&failed)
            .iter()
            .any(|c| c.starts_with("ergo done ")),
        "{all}"
    );
    // The fix: the crates job works again; the publish is dispatched anew.
    repo.gh_scenario(json!({"publish_serves": true}));
    // A dry-run of the retry shows the dispatch it would make, and says so.
    let build = repo
        .gh_runs()
        .into_iter()
        .find(|r| r["tag"] == TAG)
        .unwrap()["databaseId"]
        .to_string();
    let shown = repo.xtask_with(&["publish", "--build-run-id", &build], &[]);
    let out = shown.all();
    assert!(
        out.contains("crates does not serve v1.5.0 after its publish: a live run publishes again"),
        "{out}"
    );
    assert!(!out.contains("publishing again"), "{out}");
    // The open blocker refuses the retry, and its next step says how on.
    assert!(
        next_commands(&shown)
            .iter()
            .any(|c| c.starts_with("ergo done ")),
        "{out}"
    );
    assert_eq!(dispatches(&repo), 1);
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "published");
    assert_eq!(dispatches(&repo), 2);
    // Said once, before the one dispatch; not again after its own publish.
    let out = done.all();
    assert_eq!(out.matches("publishing again").count(), 1, "{out}");
    let said = out.find("publishing again").unwrap();
    let dispatched = out.find("running: gh workflow run").unwrap();
    assert!(said < dispatched, "{out}");
    // Now that every channel serves it, a retry has nothing to do.
    let build = repo
        .gh_runs()
        .into_iter()
        .find(|r| r["tag"] == TAG)
        .unwrap()["databaseId"]
        .to_string();
    let again = repo.xtask_with(&["publish", "--build-run-id", &build, "--live"], &[]);
    again.failure(1);
    assert!(
        again.stderr.contains("every channel serves it"),
        "{}",
        again.all()
    );
    assert_eq!(dispatches(&repo), 2);
}

#[test]
fn a_rejected_push() {
    let repo = TempRepo::with_origin("release/in");
    let hook = repo.base().join("origin.git/hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'protected tags: ask an admin' >&2\nexit 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let failed = live(&repo, &[]);
    the_one_blocker(
        &repo,
        "[release-blocker][v1.5.0] push: the push of v1.5.0, bindings/go/v1.5.0 to origin failed",
    );
    assert!(
        failed.all().contains("protected tags: ask an admin"),
        "{}",
        failed.all()
    );
    assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    // The fix: the admin lifts the protection.
    std::fs::remove_file(&hook).unwrap();
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "released");
}

#[test]
fn a_failed_dispatch() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"dispatch_fails": true}));
    let failed = live(&repo, &[]);
    the_one_blocker(
        &repo,
        "[release-blocker][v1.5.0] dispatch: the dispatch of release-publish.yml",
    );
    repo.gh_scenario(json!({}));
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "released");
}

#[test]
fn a_build_that_never_appears() {
    let repo = TempRepo::with_origin("release/in");
    let config = repo
        .read("release/config.toml")
        .replace("build_timeout = \"20s\"", "build_timeout = \"300ms\"");
    repo.write("release/config.toml", &config);
    repo.commit_and_push("wait briefly for the build");
    repo.gh_scenario(json!({"no_build": true}));
    let failed = live(&repo, &[]);
    assert!(
        failed.all().contains("gave up waiting for"),
        "{}",
        failed.all()
    );
    the_one_blocker(
        &repo,
        "[release-blocker][v1.5.0] build: no completed release.yml run of",
    );
    // The fix: the runners are back, and the tag's build starts.
    repo.gh_scenario(json!({}));
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "released");
}

/// The status of each gate of the last run.
fn gate_statuses(repo: &TempRepo, tag: &str) -> Vec<(String, String)> {
    let doc: Value =
        serde_json::from_str(&repo.read(&format!(".scratch/release/evidence-{tag}.json"))).unwrap();
    doc["runs"].as_array().unwrap().last().unwrap()["gates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["name"].as_str().unwrap().to_string(),
                g["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `bump`'s `next:` line commits and pushes: followed literally, the
/// release's git gates (clean, origin) pass, and so does the changelog.
#[test]
fn a_bump_followed_literally_passes_the_git_gates() {
    let repo = TempRepo::with_origin("release/in");
    let changelog = repo.read("CHANGELOG.md");
    repo.write(
        "CHANGELOG.md",
        &changelog.replacen(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Fixed\n\n- A fix.\n",
            1,
        ),
    );
    let bump = repo.xtask_with(&["bump", "1.6.0"], &[]);
    bump.success();
    follow(&repo, &bump);
    let dry = repo.xtask_with(&["release", "v1.6.0"], &[]);
    let statuses = gate_statuses(&repo, "v1.6.0");
    for gate in ["git-clean", "git-origin", "version", "changelog"] {
        assert!(
            statuses.contains(&(gate.to_string(), "passed".to_string())),
            "{gate}: {statuses:?}\n{}",
            dry.all()
        );
    }
}

/// The changelog gate's fix includes the push the git-origin gate asks for.
#[test]
fn the_changelog_fix_includes_the_push() {
    let repo = TempRepo::with_origin("release/in");
    let run = repo.xtask_with(&["release", "v1.6.0"], &[]);
    run.failure(1);
    assert!(
        run.all().contains("run `cargo xtask bump 1.6.0` (it rolls [Unreleased] over), commit, then push (`git push origin HEAD`: the git-origin gate wants HEAD on origin)"),
        "{}",
        run.all()
    );
}

/// `git-clean` names the dirty files, and its fix stashes only them: the
/// tracker's store (`.ergo/`), which the filing itself changed, stays, so
/// the `ergo done <ID>` of the `next:` line still finds its task.
#[test]
fn a_dirty_tree_names_its_files_and_never_stashes_the_tracker() {
    let repo = TempRepo::with_origin("release/in");
    repo.write("notes.txt", "scratch\n");
    std::fs::create_dir_all(repo.path(".ergo")).unwrap();
    repo.write(".ergo/journal.jsonl", "{}\n");
    let failed = live(&repo, &[]);
    the_one_blocker(&repo, "[release-blocker][v1.5.0] git-clean:");
    let all = failed.all();
    assert!(
        all.contains("the working tree has uncommitted changes: notes.txt"),
        "{all}"
    );
    let stash = all
        .split('`')
        .find(|s| s.starts_with("git stash push"))
        .unwrap_or_else(|| panic!("no stash command in:\n{all}"));
    assert_eq!(stash, "git stash push --include-untracked -- notes.txt");
    let journal = repo.read(".ergo/journal.jsonl");
    let words = shlex::split(stash).unwrap();
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    repo.git(&args);
    assert_eq!(repo.read(".ergo/journal.jsonl"), journal);
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "released");
}
