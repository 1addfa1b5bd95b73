//! The whole output of the main scenarios, kept as files under
//! `xtask/tests/snapshots/`: help, reports, tables, diffs, plans and `next:`
//! lines are what people read, so a change to any line shows in review.
//!
//! What varies from run to run (temporary paths, commit hashes, durations)
//! is replaced by a placeholder before comparing. `SNAPSHOTS=overwrite cargo
//! test -p xtask --test it snapshots` rewrites the files from the current
//! output; review the diff before committing it.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::support::{Run, TODAY, TempRepo, xtask_in};

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Compares `actual` with `tests/snapshots/<name>.txt`, or writes it there
/// under `SNAPSHOTS=overwrite`.
fn assert_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(format!("{name}.txt"));
    if std::env::var_os("SNAPSHOTS").is_some_and(|v| v == "overwrite") {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run `SNAPSHOTS=overwrite cargo test -p xtask --test it snapshots`, then review it",
            path.display()
        )
    });
    if expected != actual {
        let diff = line_diff(&expected, actual);
        panic!(
            "the output of {name} differs from {} (- snapshot, + now):\n{diff}\nif the change is meant, rerun with SNAPSHOTS=overwrite and review the diff",
            path.display()
        );
    }
}

/// The lines that differ (a longest-common-subsequence diff): what was
/// removed (`-`) and added (`+`), with the snapshot's line numbers.
fn line_diff(expected: &str, actual: &str) -> String {
    let (old, new): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    // common[i][j]: the longest common subsequence of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            (i, j) = (i + 1, j + 1);
        } else if j < new.len() && (i == old.len() || common[i][j + 1] >= common[i + 1][j]) {
            out.push_str(&format!("{:4} + {}\n", i + 1, new[j]));
            j += 1;
        } else {
            out.push_str(&format!("{:4} - {}\n", i + 1, old[i]));
            i += 1;
        }
    }
    out
}

/// The run as a document: the command, its exit code, stdout and stderr,
/// with what varies from run to run replaced.
fn document(repo: Option<&TempRepo>, args: &[&str], run: &Run) -> String {
    let text = format!(
        "$ cargo xtask {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        run.code,
        run.stdout,
        run.stderr
    );
    normalize(&text, repo.map(TempRepo::base).as_deref())
}

/// Replaces temporary paths, commit hashes and durations.
fn normalize(text: &str, base: Option<&Path>) -> String {
    let mut text = text.to_string();
    if let Some(base) = base {
        text = text.replace(&base.display().to_string(), "[BASE]");
    }
    let words = split_keeping(&text);
    let mut out = String::with_capacity(text.len());
    for word in words {
        out.push_str(&replace_word(word));
    }
    // A table pads a duration to its width: one space before each.
    while out.contains("  [T]") {
        out = out.replace("  [T]", " [T]");
    }
    out
}

/// `text` cut into runs of word characters (alphanumerics, `.`) and single
/// other characters, so every run can be looked at on its own.
fn split_keeping(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let word = c.is_ascii_alphanumeric() || c == '.';
        if word != in_word && i > start {
            out.push(&text[start..i]);
            start = i;
        }
        if !word {
            out.push(&text[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
            in_word = false;
            continue;
        }
        in_word = true;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn replace_word(word: &str) -> String {
    let hex = |w: &str| {
        w.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    };
    if word.len() == 40 && hex(word) {
        return "[SHA]".to_string();
    }
    if word.len() == 12 && hex(word) && word.bytes().any(|b| b.is_ascii_digit()) {
        return "[SHORT]".to_string();
    }
    // A duration: `1.2s`, `340ms`, `0.0s`, `3m`.
    for unit in ["ms", "s", "m"] {
        if let Some(number) = word.strip_suffix(unit)
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && number.bytes().next().is_some_and(|b| b.is_ascii_digit())
        {
            return "[T]".to_string();
        }
    }
    word.to_string()
}

#[test]
fn the_diff_names_only_the_changed_lines() {
    assert_eq!(line_diff("a\nb\nc\n", "a\nB\nb\nc\n"), "   2 + B\n");
    assert_eq!(line_diff("a\nb\nc\n", "a\nc\n"), "   2 - b\n");
}

#[test]
fn the_normalizer_replaces_only_what_varies() {
    let text =
        "at 0123456789abcdef0123456789abcdef01234567 (0123456789ab) in 1.25s, 340ms; v1.5.0 x.y";
    assert_eq!(
        normalize(text, None),
        "at [SHA] ([SHORT]) in [T], [T]; v1.5.0 x.y"
    );
    assert_eq!(
        normalize("a     0.1s  -\nb    10.25s  -", None),
        "a [T]  -\nb [T]  -"
    );
    assert_eq!(
        normalize("/tmp/b/repo/x", Some(Path::new("/tmp/b"))),
        "[BASE]/repo/x"
    );
}

/// The help of the tool and of every command: what a newcomer reads first.
#[test]
fn help() {
    let dir = crate::support::workspace_root();
    let mut all = String::new();
    for args in [
        vec!["--help"],
        vec!["verify", "--help"],
        vec!["versions", "--help"],
        vec!["bump", "--help"],
        vec!["sync", "--help"],
        vec!["test", "--help"],
        vec!["matrix", "--help"],
        vec!["changelog", "--help"],
        vec!["homebrew", "--help"],
        vec!["delivery", "--help"],
        vec!["release", "--help"],
        vec!["publish", "--help"],
    ] {
        let run = xtask_in(&dir, &args);
        all.push_str(&document(None, &args, &run));
        all.push('\n');
    }
    assert_snapshot("help", &all);
}

/// `versions`, `verify`, `bump` (dry-run and real), `sync` after a drift:
/// the lock-step fixture, one site of every kind.
#[test]
fn versions_verify_bump_and_sync() {
    let repo = TempRepo::new("lockstep/in");
    let mut all = String::new();
    let mut step = |repo: &TempRepo, args: &[&str]| {
        let run = repo.xtask(args);
        all.push_str(&document(Some(repo), args, &run));
        all.push('\n');
    };
    step(&repo, &["versions"]);
    step(&repo, &["verify"]);
    step(&repo, &["bump", "minor", "--dry-run"]);
    step(&repo, &["bump", "minor", "--date", TODAY]);
    step(&repo, &["versions"]);
    // A drift: one site edited by hand, then healed.
    let text = repo.read("bindings/node/package.json");
    repo.write(
        "bindings/node/package.json",
        &text.replacen("\"1.5.0\"", "\"1.4.9\"", 1),
    );
    step(&repo, &["verify"]);
    step(&repo, &["sync", "--dry-run"]);
    step(&repo, &["sync"]);
    step(&repo, &["verify"]);
    assert_snapshot("versions-verify-bump-sync", &all);
}

/// A release: a green dry-run, a red gate (its blocker filed), the refused
/// live run, and the live run once the blocker is closed.
#[test]
fn a_release_from_dry_run_to_live() {
    let repo = TempRepo::with_origin("release/in");
    let mut all = String::new();
    let mut step = |args: &[&str], env: &[(&str, &str)]| {
        let run = repo.xtask_with(args, env);
        let mut doc = document(Some(&repo), args, &run);
        if !env.is_empty() {
            let vars: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
            doc = format!("# with {}\n{doc}", vars.join(" "));
        }
        all.push_str(&doc);
        all.push('\n');
        run
    };
    step(&["release", "v1.5.0"], &[]);
    step(&["release", "v1.5.0"], &[("FAIL_GATE", "clippy")]);
    step(&["release", "v1.5.0", "--live"], &[]);
    for task in repo.ergo_items() {
        if task["kind"] == "task" {
            repo.ergo(&["done", task["id"].as_str().unwrap()]).success();
        }
    }
    step(&["release", "v1.5.0", "--live"], &[]);
    assert_eq!(
        repo.remote_tags(),
        ["bindings/go/v1.5.0", "v1.4.2", "v1.5.0"]
    );
    assert_snapshot("release", &all);
}

/// The publish-only retry: its dry-run, and the live run after a failed publish.
#[test]
fn a_publish_retry() {
    let repo = TempRepo::with_origin("release/in");
    repo.gh_scenario(json!({"publish": {"conclusion": "failure", "polls": 1}}));
    let mut all = String::new();
    let first = repo.xtask_with(&["release", "v1.5.0", "--live"], &[]);
    first.failure(1);
    all.push_str(&document(
        Some(&repo),
        &["release", "v1.5.0", "--live"],
        &first,
    ));
    all.push('\n');
    for task in repo.ergo_items() {
        if task["kind"] == "task" {
            repo.ergo(&["done", task["id"].as_str().unwrap()]).success();
        }
    }
    repo.gh_scenario(json!({"publish": {"conclusion": "success", "polls": 1}}));
    // The build run, as the `next:` line names it.
    let id = first
        .stdout
        .split("cargo xtask publish --build-run-id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the next: line names the publish retry")
        .to_string();
    for args in [
        vec!["publish", "--build-run-id", id.as_str()],
        vec!["publish", "--build-run-id", id.as_str(), "--live"],
    ] {
        let run = repo.xtask_with(&args, &[]);
        all.push_str(&document(Some(&repo), &args, &run));
        all.push('\n');
    }
    assert_snapshot("publish", &all);
}
