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
        let words: Vec<&str> = command.split_whitespace().collect();
        let out = match words.as_slice() {
            ["cargo", "xtask", args @ ..] => repo.xtask_with(args, &[]),
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
        "[release-blocker][v1.5.0] delivery: crates do not serve v1.5.0",
    );
    // The fix: the crates job works again; the publish is dispatched anew.
    repo.gh_scenario(json!({"publish_serves": true}));
    let done = follow_until_done(&repo, &failed);
    assert_out(&repo, &done, "published");
    assert_eq!(dispatches(&repo), 2);
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
