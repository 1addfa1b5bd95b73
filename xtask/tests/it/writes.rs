//! Nothing lost: writes that fail at any file of a bump keep every byte, and
//! concurrent runs never interleave (the repository lock).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{Run, TempRepo, xtask_in};

/// The sites of the `lockstep` fixture, in the order a bump writes them.
const SITES: [&str; 9] = [
    "Cargo.toml",
    "crates/extra/Cargo.toml",
    "Cargo.lock",
    "bindings/python/pyproject.toml",
    "bindings/python/fixture/__init__.py",
    "bindings/node/package.json",
    "bindings/node/package-lock.json",
    "homebrew/fixture.rb",
    "CHANGELOG.md",
];

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Makes one file unwritable for as long as it lives: immutable (`chattr +i`)
/// for root, whom permissions do not stop; otherwise its folder read-only.
struct Unwritable {
    path: PathBuf,
    root: bool,
}

impl Unwritable {
    fn new(path: &Path) -> Unwritable {
        let root = is_root();
        let status = if root {
            Command::new("chattr").arg("+i").arg(path).status()
        } else {
            Command::new("chmod")
                .arg("a-w")
                .arg(path.parent().unwrap())
                .status()
        };
        assert!(
            status.is_ok_and(|s| s.success()),
            "cannot make {} unwritable (root needs chattr and a file system with the immutable flag)",
            path.display()
        );
        Unwritable {
            path: path.to_path_buf(),
            root,
        }
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if self.root {
            let _ = Command::new("chattr").arg("-i").arg(&self.path).status();
        } else {
            let _ = Command::new("chmod")
                .arg("u+w")
                .arg(self.path.parent().unwrap())
                .status();
        }
    }
}

fn assert_no_misleading_advice(run: &Run) {
    assert!(!run.all().contains("git checkout"), "{}", run.all());
    assert!(
        !run.all().contains("file(s) changed"),
        "no success line: {}",
        run.all()
    );
}

#[test]
fn a_write_that_fails_at_any_file_of_a_bump_keeps_every_byte() {
    for site in SITES {
        let repo = TempRepo::new("lockstep/in");
        let before = repo.snapshot();
        let run = {
            let _guard = Unwritable::new(&repo.path(site));
            repo.xtask(&["bump", "minor"])
        };
        run.failure(1);
        let err = run.stderr.clone();
        // As root the file itself fails; otherwise its folder, whose first
        // site in the bump's order is the one that fails.
        assert!(err.contains("could not be written"), "{site}: {err}");
        if is_root() {
            assert!(
                err.contains(&format!("{site} could not be written")),
                "{err}"
            );
        }
        assert!(err.contains("no file was changed"), "{site}: {err}");
        assert_no_misleading_advice(&run);
        crate::support::assert_same_tree(&repo.snapshot(), &before);
    }
}

#[test]
fn a_read_only_site_says_so_and_changes_nothing() {
    let repo = TempRepo::new("lockstep/in");
    let site = "bindings/node/package.json";
    let mut perms = std::fs::metadata(repo.path(site)).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(repo.path(site), perms).unwrap();
    let before = repo.snapshot();
    let run = repo.xtask(&["bump", "minor"]);
    run.failure(1);
    assert!(
        run.stderr
            .contains(&format!("{site} is read-only, so it could not be written")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("chmod u+w {site}")));
    assert_no_misleading_advice(&run);
    crate::support::assert_same_tree(&repo.snapshot(), &before);
}

#[test]
fn a_site_replaced_by_a_directory_changes_nothing() {
    for site in ["Cargo.lock", "CHANGELOG.md"] {
        let repo = TempRepo::new("lockstep/in");
        std::fs::remove_file(repo.path(site)).unwrap();
        std::fs::create_dir(repo.path(site)).unwrap();
        std::fs::write(repo.path(site).join("inside"), "x").unwrap();
        let before = repo.snapshot();
        let run = repo.xtask(&["bump", "minor"]);
        // Found before any write: the config names a directory (exit 2).
        run.failure(2);
        assert!(
            run.stderr
                .contains(&format!("path = \"{site}\" is a directory, not a file")),
            "{}",
            run.stderr
        );
        assert_no_misleading_advice(&run);
        crate::support::assert_same_tree(&repo.snapshot(), &before);
    }
}

/// Every site holds one version, and `verify` agrees.
fn assert_consistent(repo: &TempRepo, pair: usize) -> String {
    let versions = repo.xtask(&["versions", "--json"]).json();
    assert_eq!(versions["consistent"], true, "pair {pair}: {versions:#}");
    versions["version"].as_str().unwrap().to_string()
}

#[test]
fn concurrent_bumps_never_leave_mixed_versions() {
    let repo = TempRepo::new("lockstep/in");
    let mut both_ran = 0;
    for pair in 0..100 {
        let before = assert_consistent(&repo, pair);
        let spawn = |level: &str| {
            Command::new(env!("CARGO_BIN_EXE_xtask"))
                .args(["bump", level])
                .current_dir(&repo.dir)
                .env("PATH", crate::support::hermetic_path(&[]))
                .env("XTASK_TODAY", crate::support::TODAY)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn("patch"), spawn("minor"));
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let after = assert_consistent(&repo, pair);
        let ok = [&a, &b].iter().filter(|o| o.status.success()).count();
        assert!(ok >= 1, "pair {pair}: at least one bump goes through");
        both_ran += usize::from(ok == 2);
        assert_ne!(before, after, "pair {pair}");
    }
    // The second run waits for the first (a bump takes milliseconds).
    assert_eq!(both_ran, 100);
    assert!(
        !repo.path(".scratch/xtask.lock").exists(),
        "the lock is removed"
    );
}

/// A process that takes the repository lock as the xtask does (flock on
/// `.scratch/xtask.lock`), then runs `then` (Python, with the lock file as
/// `f` and `args` after it in `sys.argv`); returned once it prints `locked`.
fn hold_lock(repo: &TempRepo, then: &str, args: &[&std::path::Path]) -> std::process::Child {
    let script = format!(
        "import fcntl,sys,time\nf=open(sys.argv[1],'a+')\nfcntl.flock(f,fcntl.LOCK_EX)\n{then}"
    );
    let mut holder = Command::new("python3")
        .args(["-c", &script])
        .arg(repo.path(".scratch/xtask.lock"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    holder
}

#[test]
fn a_second_run_refuses_naming_the_holder_of_the_lock() {
    let repo = TempRepo::new("lockstep/in");
    std::fs::create_dir_all(repo.path(".scratch")).unwrap();
    // A holder that keeps the lock for 30 s: flock(1) on the same file.
    let mut holder = hold_lock(
        &repo,
        "f.truncate(0)\nf.write('pid 4242\\ncommand cargo xtask release v9.9.9 --live\\nstarted 2026-01-15T10:00:00Z\\n')\nf.flush()\nprint('locked',flush=True)\ntime.sleep(30)",
        &[],
    );
    let before = repo.snapshot();
    // Each waits 5 s, then refuses: all at once, to keep the suite fast.
    let commands = [
        &["bump", "minor"][..],
        &["sync"],
        &["release", "v1.5.0", "--live", "--no-rehearsal"],
        &["publish", "--build-run-id", "1"],
        &["homebrew", "v1.5.0", "--sha256sums", "sums.txt"],
    ];
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = commands
            .iter()
            .map(|args| s.spawn(|| xtask_in(&repo.dir, args)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (args, run) in commands.iter().zip(&runs) {
        run.failure(1);
        assert!(
            run.stderr.contains(
                "another cargo xtask is changing this repository (pid 4242, `cargo xtask release v9.9.9 --live`"
            ),
            "{args:?}: {}",
            run.stderr
        );
    }
    crate::support::assert_same_tree(&repo.snapshot(), &before);
    // Readers wait for the writer, then go on saying a write may be in progress.
    for args in [&["verify"][..], &["bump", "minor", "--dry-run"]] {
        let run = xtask_in(&repo.dir, args);
        run.success();
        assert!(
            run.stderr.contains("another cargo xtask holds the repository lock (pid 4242, `cargo xtask release v9.9.9 --live`")
                && run.stderr.contains("a write may be in progress"),
            "{args:?}: {}",
            run.stderr
        );
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    xtask_in(&repo.dir, &["bump", "minor"]).success();
}

/// Two runs of `args` at once; both finish (the second waits for the lock).
fn twice_at_once(repo: &TempRepo, args: &[&str], env: &[(&str, &str)]) -> [Run; 2] {
    std::thread::scope(|s| {
        let a = s.spawn(|| repo.xtask_with(args, env));
        let b = s.spawn(|| repo.xtask_with(args, env));
        [a.join().unwrap(), b.join().unwrap()]
    })
}

fn evidence_runs(repo: &TempRepo) -> Vec<serde_json::Value> {
    let text = repo.read(".scratch/release/evidence-v1.5.0.json");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["runs"].as_array().unwrap().clone()
}

#[test]
fn concurrent_live_releases_keep_every_evidence_record_and_file_one_epic() {
    for attempt in 0..3 {
        let repo = TempRepo::with_origin("release/in");
        let runs = twice_at_once(
            &repo,
            &["release", "v1.5.0", "--live", "--no-rehearsal"],
            &[("FAIL_GATE", "fmt")],
        );
        for run in &runs {
            run.failure(1);
            assert!(
                run.all().contains("refusing to release v1.5.0"),
                "{}",
                run.all()
            );
        }
        assert_eq!(
            evidence_runs(&repo).len(),
            2,
            "attempt {attempt}: both records kept"
        );
        let epics: Vec<_> = repo
            .ergo_items()
            .into_iter()
            .filter(|i| i["kind"] == "epic")
            .collect();
        assert_eq!(epics.len(), 1, "attempt {attempt}: {epics:#?}");
        let tasks = repo
            .ergo_items()
            .into_iter()
            .filter(|i| i["kind"] != "epic")
            .count();
        assert_eq!(tasks, 1, "attempt {attempt}");
        assert_eq!(repo.remote_tags(), ["v1.4.2"]);
    }
}

#[test]
fn concurrent_green_live_releases_tag_and_publish_once() {
    let repo = TempRepo::with_origin("release/in");
    let runs = twice_at_once(
        &repo,
        &["release", "v1.5.0", "--live", "--no-rehearsal"],
        &[],
    );
    let finished: Vec<&Run> = runs.iter().filter(|r| r.code == 0).collect();
    for run in &runs {
        // Either it ran (after the other, reusing its work) or it refused,
        // naming the other.
        assert!(
            run.code == 0
                || run
                    .stderr
                    .contains("another cargo xtask is changing this repository (pid"),
            "{}",
            run.all()
        );
    }
    assert!(!finished.is_empty());
    assert_eq!(evidence_runs(&repo).len(), finished.len());
    assert!(repo.remote_tags().contains(&"v1.5.0".to_string()));
    let dispatches = repo
        .gh_calls()
        .iter()
        .filter(|c| c.starts_with("workflow run"))
        .count();
    assert_eq!(dispatches, 1, "{:?}", repo.gh_calls());
}

/// The disk fills up mid-bump and stays full: strace makes every `write`
/// from the n-th on fail with ENOSPC (the case that once left Cargo.lock
/// at 0 bytes). Every site keeps its bytes, and no file is left behind.
#[test]
fn a_disk_that_fills_up_mid_bump_loses_no_byte() {
    if !have_strace() {
        return;
    }
    let mut untouched = 0;
    for nth in 1..=10 {
        let repo = TempRepo::new("lockstep/in");
        let before = repo.snapshot();
        let out = bump_patch_under_strace(&repo, "write", &format!("error=ENOSPC:when={nth}+"));
        // stdout and stderr are full too: the run fails, if only to print.
        assert!(
            !out.status.success(),
            "write {nth} on failed, yet the bump succeeded"
        );
        let after = repo.snapshot();
        if after == before {
            untouched += 1;
            continue;
        }
        // Or every file was written before the disk filled: all at 1.4.3.
        let versions = repo.xtask(&["versions", "--json"]).json();
        assert_eq!(versions["version"], "1.4.3", "write {nth} on: {versions:#}");
        assert!(
            !after.keys().any(|k| k.contains(".xtask-")),
            "write {nth} on: {:?}",
            after.keys()
        );
    }
    // The bump writes 9 files: a disk full at any of them changes nothing.
    assert!(
        untouched >= 9,
        "only {untouched} of 10 runs left the tree as it was"
    );
}

/// Whether strace runs here; on CI (CI=true) it must: `.ci/run` installs it.
fn have_strace() -> bool {
    let have = Command::new("strace").arg("-V").output().is_ok();
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "strace is needed on CI (.ci/run installs it)"
        );
        eprintln!("skipped: no strace here");
    }
    have
}

/// Runs `bump patch` under strace, which kills it (SIGKILL) as it enters
/// its `nth` rename; whether it was killed.
fn bump_killed_at_rename(repo: &TempRepo, nth: usize) -> bool {
    let out = bump_patch_under_strace(repo, "rename", &format!("signal=SIGKILL:when={nth}"));
    !out.status.success()
}

/// Runs `bump patch` in `repo` under strace, injecting `inject` into the
/// system call `syscall` (`write`, `error=ENOSPC:when=3+`).
fn bump_patch_under_strace(repo: &TempRepo, syscall: &str, inject: &str) -> std::process::Output {
    Command::new("strace")
        .args(["-f", "-o", "/dev/null", "-e", &format!("trace={syscall}")])
        .arg(format!("-einject={syscall}:{inject}"))
        .arg(env!("CARGO_BIN_EXE_xtask"))
        .args(["bump", "patch"])
        .current_dir(&repo.dir)
        .env("PATH", crate::support::hermetic_path(&[]))
        .env("XTASK_TODAY", crate::support::TODAY)
        .output()
        .unwrap()
}

/// No temporary file, backup or journal is left anywhere in the repository.
fn assert_no_leftovers(repo: &TempRepo, what: &str) {
    let left: Vec<String> = repo
        .snapshot()
        .into_keys()
        .filter(|k| k.contains(".xtask-") || k.ends_with("xtask.journal"))
        .collect();
    assert!(left.is_empty(), "{what}: left behind: {left:?}");
}

/// The release notes written under `## [Unreleased]` are in the 1.4.3 section.
fn assert_notes_in_1_4_3(repo: &TempRepo, what: &str) {
    let changelog = repo.read("CHANGELOG.md");
    let section = changelog
        .split("## [1.4.3] - 2026-01-15")
        .nth(1)
        .unwrap_or_else(|| panic!("{what}: no 1.4.3 section:\n{changelog}"));
    let section = section.split("## [1.4.2]").next().unwrap();
    assert!(
        section.contains("- A thing that was broken."),
        "{what}: the notes are lost:\n{changelog}"
    );
}

/// A bump killed at each of its renames (N = 1 … files + 1, the last
/// beyond the last rename): the next command, whichever reads or writes
/// the sites, completes the write (every temporary file is there), says
/// so, and leaves a wholly new tree with the notes in their section and
/// no temporary file.
#[test]
fn a_bump_killed_at_any_rename_is_completed_by_the_next_command() {
    if !have_strace() {
        return;
    }
    let next: [&[&str]; 5] = [
        &["versions", "--json"],
        &["verify"],
        &["sync"],
        &["bump", "minor", "--dry-run"],
        &["changelog", "1.4.3"],
    ];
    for nth in 1..=SITES.len() + 1 {
        let repo = TempRepo::new("lockstep/in");
        let killed = bump_killed_at_rename(&repo, nth);
        assert_eq!(killed, nth <= SITES.len(), "rename {nth}");
        let args = next[nth % next.len()];
        let run = repo.xtask(args);
        let what = format!("killed at rename {nth}, then `{}`", args.join(" "));
        assert!(run.code == 0, "{what}: {}", run.all());
        if killed {
            assert!(
                run.stderr.contains("(rolled forward)")
                    && run.stderr.contains("`cargo xtask bump patch`"),
                "{what}: {}",
                run.stderr
            );
        } else {
            assert!(!run.stderr.contains("rolled forward"), "{what}");
        }
        assert!(!run.all().contains("git checkout"), "{what}");
        assert_no_leftovers(&repo, &what);
        let versions = repo.xtask(&["versions", "--json"]).json();
        assert_eq!(versions["consistent"], true, "{what}: {versions:#}");
        assert_eq!(versions["version"], "1.4.3", "{what}: {versions:#}");
        assert_notes_in_1_4_3(&repo, &what);
        repo.xtask(&["verify"]).success();
    }
}

/// A killed bump whose pending temporary file is gone cannot be completed:
/// the next command puts every original back from its backup, and says so.
#[test]
fn a_killed_bump_that_cannot_be_completed_is_undone() {
    if !have_strace() {
        return;
    }
    for nth in [1, 4, SITES.len()] {
        let repo = TempRepo::new("lockstep/in");
        let before = repo.snapshot();
        assert!(bump_killed_at_rename(&repo, nth));
        // The temporary file of the site being renamed, removed by hand.
        let site = SITES[nth - 1];
        let (dir, name) = site.rsplit_once('/').unwrap_or(("", site));
        let dir = repo.path(dir);
        let temp = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with(&format!(".{name}.xtask-")) && n.ends_with(".tmp")
            })
            .unwrap_or_else(|| panic!("rename {nth}: no temporary file of {site}"));
        std::fs::remove_file(temp).unwrap();
        let run = repo.xtask(&["verify"]);
        run.success();
        assert!(run.stderr.contains("(undone)"), "{}", run.stderr);
        assert!(!run.all().contains("git checkout"));
        assert_no_leftovers(&repo, &format!("rename {nth}"));
        let mut after = repo.snapshot();
        after.retain(|k, _| !k.starts_with(".scratch/"));
        crate::support::assert_same_tree(&after, &before);
    }
}

/// `sync` after a bump killed mid-rename never leaves the changelog
/// without its section: it completes the bump first.
#[test]
fn sync_after_a_partial_bump_keeps_the_changelog_section() {
    if !have_strace() {
        return;
    }
    for nth in [2, SITES.len()] {
        let repo = TempRepo::new("lockstep/in");
        assert!(bump_killed_at_rename(&repo, nth));
        let run = repo.xtask(&["sync"]);
        run.success();
        assert_notes_in_1_4_3(&repo, &format!("sync after rename {nth}"));
        assert_no_leftovers(&repo, "sync");
        repo.xtask(&["verify"]).success();
    }
}

/// Readers (`versions`, `verify`) wait for a writer: a writer holding the
/// lock while a site is half written (here, one site at 9.9.9 for a
/// moment) is never seen by them.
#[test]
fn readers_wait_for_a_write_in_progress() {
    for args in [&["versions", "--json"][..], &["verify"]] {
        let repo = TempRepo::new("lockstep/in");
        std::fs::create_dir_all(repo.path(".scratch")).unwrap();
        let site = repo.path("bindings/node/package.json");
        let mut holder = hold_lock(
            &repo,
            "old=open(sys.argv[2]).read()\nopen(sys.argv[2],'w').write(old.replace('1.4.2','9.9.9'))\nprint('locked',flush=True)\ntime.sleep(0.5)\nopen(sys.argv[2],'w').write(old)\n",
            &[&site],
        );
        let run = xtask_in(&repo.dir, args);
        holder.wait().unwrap();
        run.success();
        assert!(!run.all().contains("9.9.9"), "{args:?}: {}", run.all());
        assert!(!run.stderr.contains("warning"), "{args:?}: {}", run.stderr);
    }
}
