//! `cargo xtask test` on a small repository with one passing test per
//! language: every suite runs, and Go's is skipped, by name, without Go.

use std::path::PathBuf;

use crate::support::{TempRepo, xtask_env};

/// `PATH` without `go`: each folder that holds it is replaced by a copy of
/// its links, less `go`.
fn path_without_go(base: &std::path::Path) -> std::ffi::OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .enumerate()
        .map(|(i, dir)| {
            if !dir.join("go").exists() {
                return dir;
            }
            let copy = base.join(format!("path-{i}"));
            std::fs::create_dir_all(&copy).unwrap();
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                if entry.file_name() != "go" {
                    let _ = std::os::unix::fs::symlink(entry.path(), copy.join(entry.file_name()));
                }
            }
            copy
        })
        .collect();
    std::env::join_paths(kept).unwrap()
}

fn go_installed() -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| dir.join("go").is_file())
}

#[test]
fn without_go_its_suite_is_skipped_by_name() {
    let repo = TempRepo::new("suites/in");
    let path = path_without_go(&repo.base());
    let run = xtask_env(&repo.dir, &["test"], &[("PATH", &path)]);
    run.success();
    assert!(
        run.stdout
            .contains("==> go: skipped, Go is not installed (Debian: apt-get install golang-go)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("go       skipped (Go is not installed)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.trim_end().lines().last(),
        Some("suites: 3 passed, 0 failed, 1 skipped")
    );
}

#[test]
fn with_go_every_suite_runs() {
    if !go_installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs Go (golang-go): the Go suite must run there"
        );
        eprintln!("skipped: Go is not installed here");
        return;
    }
    let repo = TempRepo::new("suites/in");
    let run = repo.xtask(&["test"]);
    run.success();
    assert!(
        run.stdout
            .contains("==> go: go test ./...  (in bindings/go)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout.trim_end().lines().last(),
        Some("suites: 4 passed, 0 failed")
    );
}

/// A suite that hangs (here `node`, with a grandchild of its own) is
/// stopped at `--timeout` with its process group, named as timed out,
/// and the run goes on to the summary; the other suites are fakes that pass.
#[test]
fn a_hanging_suite_is_stopped_at_its_timeout() {
    let repo = TempRepo::new("suites/in");
    let fakes = repo.base().join("hanging-bin");
    std::fs::create_dir_all(&fakes).unwrap();
    for (name, script) in [
        ("cargo", "#!/bin/sh\necho fake cargo passed\n"),
        ("python3", "#!/bin/sh\necho fake python passed\n"),
        ("go", "#!/bin/sh\necho fake go passed\n"),
        ("node", "#!/bin/sh\necho hanging\nsleep 300 &\nsleep 300\n"),
    ] {
        let path = fakes.join(name);
        std::fs::write(&path, script).unwrap();
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).unwrap();
    }
    let path = std::env::join_paths(
        std::iter::once(fakes).chain(crate::support::system_path().iter().cloned()),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let run = xtask_env(&repo.dir, &["test", "--timeout", "2s"], &[("PATH", &path)]);
    run.failure(1);
    // Far below the 300 s the suite would take; generous for a loaded machine.
    assert!(start.elapsed() < std::time::Duration::from_secs(120));
    assert!(
        run.stderr
            .contains("==> node: timed out after 2s, stopped with every process it started"),
        "{}",
        run.all()
    );
    assert!(run.stdout.contains("node     TIMED OUT"), "{}", run.stdout);
    assert!(run.stdout.contains("rust     passed"), "{}", run.stdout);
}

/// A `--timeout` that cannot work is refused by name.
#[test]
fn a_bad_suite_timeout_is_refused() {
    let repo = TempRepo::plain("suites/in");
    for bad in ["0s", "5", "soon", "500ms"] {
        let run = repo.xtask(&["test", "--timeout", bad]);
        run.failure(2);
        assert!(
            run.stderr.contains(&format!("--timeout `{bad}`")),
            "{}",
            run.stderr
        );
    }
}
