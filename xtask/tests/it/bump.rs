//! `cargo xtask bump` and `sync` against the `lockstep` fixture, which has a site of every kind.

use std::process::Command;

use crate::support::{TempRepo, assert_same_tree, fixtures, snapshot};

fn lockstep() -> TempRepo {
    TempRepo::new("lockstep/in")
}

#[test]
fn minor_bump_matches_the_expected_tree() {
    let repo = lockstep();
    let run = repo.xtask(&["bump", "minor"]);
    run.success();
    assert!(run.stdout.contains("1.4.2 -> 1.5.0"), "{}", run.stdout);
    assert_same_tree(
        &repo.snapshot(),
        &snapshot(&fixtures().join("lockstep/out-minor")),
    );
}

#[test]
fn pre_release_bump_writes_pep440_for_python() {
    let repo = lockstep();
    repo.xtask(&["bump", "pre", "rc"]).success();
    assert_same_tree(
        &repo.snapshot(),
        &snapshot(&fixtures().join("lockstep/out-pre-rc")),
    );
    assert!(
        repo.read("bindings/python/pyproject.toml")
            .contains("version = \"1.5.0rc1\"\r\n")
    );
    assert!(
        repo.read("bindings/python/fixture/__init__.py")
            .contains("__version__ = \"1.5.0rc1\"")
    );
    assert!(
        repo.read("bindings/node/package.json")
            .contains("\"version\": \"1.5.0-rc.1\"")
    );
}

#[test]
fn pre_release_transitions_then_release() {
    let repo = lockstep();
    repo.xtask(&["bump", "pre", "rc"]).success();
    repo.xtask(&["bump", "pre", "rc"]).success();
    let versions = repo.xtask(&["versions", "--json"]).success().json();
    assert_eq!(versions["version"], "1.5.0-rc.2");
    let python = versions["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "pyproject")
        .unwrap();
    assert_eq!(python["raw"], "1.5.0rc2");
    assert_eq!(python["version"], "1.5.0-rc.2");
    repo.xtask(&["bump", "release"]).success();
    assert_eq!(
        repo.xtask(&["versions", "--json"]).json()["version"],
        "1.5.0"
    );
    assert!(
        repo.read("bindings/python/pyproject.toml")
            .contains("version = \"1.5.0\"\r\n")
    );
    repo.xtask(&["verify"]).success();
}

#[test]
fn explicit_versions_with_or_without_v() {
    let repo = lockstep();
    repo.xtask(&["bump", "v2.0.0"]).success();
    repo.xtask(&["bump", "2.0.1"]).success();
    assert_eq!(
        repo.xtask(&["versions", "--json"]).json()["version"],
        "2.0.1"
    );
}

#[test]
fn formatting_is_kept_byte_for_byte_outside_the_version() {
    let repo = lockstep();
    repo.xtask(&["bump", "patch"]).success();
    // CRLF file, literal string with a trailing comment, no final newline, lookalike versions.
    assert_eq!(
        repo.read("bindings/python/pyproject.toml"),
        "# The Python binding, with CRLF line endings.\r\n[project]\r\nname = \"fixture\"\r\nversion = \"1.4.3\"\r\n\r\n[tool.other]\r\nversion = \"9.9.9\"\r\n"
    );
    assert!(
        repo.read("Cargo.toml")
            .contains("version = '1.4.3'   # literal string, kept as it is\n")
    );
    let package = repo.read("bindings/node/package.json");
    assert!(package.ends_with('}'), "no final newline is added");
    assert!(
        package.contains("\"left-pad\": \"1.4.2\""),
        "a dependency with the same version is not touched"
    );
    let lock = repo.read("bindings/node/package-lock.json");
    assert!(
        lock.contains("\"node_modules/left-pad\": {\n      \"version\": \"1.4.2\""),
        "{lock}"
    );
}

#[test]
fn cargo_lock_stays_valid_offline() {
    let repo = lockstep();
    repo.xtask(&["bump", "major"]).success();
    let lock = repo.read("Cargo.lock");
    assert_eq!(lock.matches("version = \"2.0.0\"").count(), 2, "{lock}");
    let out = Command::new("cargo")
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(&repo.dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        repo.read("Cargo.lock"),
        lock,
        "cargo metadata --locked left Cargo.lock as it was"
    );
}

#[test]
fn changelog_rollover() {
    let repo = lockstep();
    repo.xtask(&["bump", "minor"]).success();
    let changelog = repo.read("CHANGELOG.md");
    assert!(changelog.contains(
        "## [Unreleased]\n\n## [1.5.0] - 2026-01-15\n\n### Fixed\n\n- A thing that was broken.\n\n## [1.4.2] - 2025-12-01\n"
    ));
    assert!(
        changelog.contains("[1.5.0]: https://github.com/example/fixture/compare/v1.4.2...v1.5.0\n")
    );
}

#[test]
fn dry_run_prints_diffs_and_leaves_the_tree_byte_identical() {
    let repo = lockstep();
    let before = repo.snapshot();
    let run = repo.xtask(&["bump", "minor", "--dry-run"]);
    run.success();
    assert_same_tree(&repo.snapshot(), &before);
    assert!(
        run.stdout
            .contains("--- a/bindings/node/package.json\n+++ b/bindings/node/package.json\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("-    \"version\": \"1.4.2\",\n+    \"version\": \"1.5.0\",\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+## [1.5.0] - 2026-01-15\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("+++ b/").count(), 9, "one diff per file");
    assert!(repo.git(&["status", "--porcelain"]).is_empty());
}

/// Runs `bump <args>` and checks it fails with `code`, says `needle`, and changes nothing.
fn refused(repo: &TempRepo, args: &[&str], code: i32, needle: &str) {
    let before = repo.snapshot();
    let mut full = vec!["bump"];
    full.extend_from_slice(args);
    let run = repo.xtask(&full);
    run.failure(code);
    assert!(
        run.stderr.contains(needle),
        "`bump {args:?}` should say {needle:?}:\n{}",
        run.stderr
    );
    assert_same_tree(&repo.snapshot(), &before);
}

#[test]
fn malformed_versions_change_nothing() {
    let repo = lockstep();
    refused(&repo, &["1.2"], 2, "`1.2` is not a semantic version");
    refused(&repo, &["01.2.3"], 2, "`01.2.3` is not a semantic version");
    refused(
        &repo,
        &["1.2.3.4"],
        2,
        "`1.2.3.4` is not a semantic version",
    );
    refused(&repo, &[""], 2, "the version is empty");
}

#[test]
fn an_unknown_level_changes_nothing() {
    let repo = lockstep();
    refused(&repo, &["mega"], 2, "unknown bump level `mega`");
}

#[test]
fn a_downgrade_or_the_same_version_changes_nothing() {
    let repo = lockstep();
    refused(
        &repo,
        &["1.4.1"],
        2,
        "1.4.1 is lower than the current version 1.4.2",
    );
    refused(
        &repo,
        &["1.4.2"],
        2,
        "1.4.2 is the same as the current version 1.4.2",
    );
    refused(&repo, &["1.4.2-rc.1"], 2, "lower than");
}

#[test]
fn a_malformed_toml_manifest_changes_nothing() {
    let repo = lockstep();
    repo.write(
        "crates/extra/Cargo.toml",
        "[package\nname = \"fixture-extra\"\n",
    );
    refused(
        &repo,
        &["minor"],
        1,
        "crates/extra/Cargo.toml: malformed TOML",
    );
}

#[test]
fn a_malformed_json_manifest_changes_nothing() {
    let repo = lockstep();
    repo.write(
        "bindings/node/package.json",
        "{\n  \"name\": \"fixture\",\n  \"version\": \"1.4.2\",\n",
    );
    refused(
        &repo,
        &["minor"],
        1,
        "bindings/node/package.json: malformed JSON",
    );
}

#[test]
fn a_site_whose_key_is_missing_changes_nothing() {
    let repo = lockstep();
    repo.write(
        "bindings/node/package-lock.json",
        &repo.read("bindings/node/package-lock.json").replacen(
            "  \"version\": \"1.4.2\",\n",
            "",
            1,
        ),
    );
    refused(
        &repo,
        &["minor"],
        1,
        "bindings/node/package-lock.json: missing key .version",
    );
    let repo = lockstep();
    repo.write(
        "bindings/python/pyproject.toml",
        "[project]\r\nname = \"fixture\"\r\n",
    );
    refused(
        &repo,
        &["minor"],
        1,
        "bindings/python/pyproject.toml: missing key [project].version",
    );
}

#[test]
fn a_config_pointing_at_a_missing_file_changes_nothing() {
    let repo = lockstep();
    std::fs::remove_file(repo.path("homebrew/fixture.rb")).unwrap();
    refused(
        &repo,
        &["minor"],
        2,
        "site[7].path = \"homebrew/fixture.rb\": no such file",
    );
}

#[test]
fn a_config_with_an_unknown_key_changes_nothing() {
    let repo = lockstep();
    repo.write(
        "release/config.toml",
        &format!("{}\nmystery = 1\n", repo.read("release/config.toml")),
    );
    refused(&repo, &["minor"], 2, "unknown key `site[8].mystery`");
}

#[test]
fn sites_that_already_disagree_are_refused_by_name() {
    let repo = lockstep();
    repo.write(
        "bindings/node/package.json",
        &repo
            .read("bindings/node/package.json")
            .replace("\"version\": \"1.4.2\"", "\"version\": \"1.4.3\""),
    );
    refused(
        &repo,
        &["minor"],
        1,
        "bindings/node/package.json (package-json) has 1.4.3 but Cargo.toml has 1.4.2",
    );
}

#[test]
fn sync_writes_the_primary_version_everywhere() {
    let repo = lockstep();
    repo.write(
        "bindings/node/package.json",
        &repo
            .read("bindings/node/package.json")
            .replace("\"version\": \"1.4.2\"", "\"version\": \"1.4.3\""),
    );
    repo.xtask(&["verify"]).failure(1);
    let before = repo.snapshot();
    repo.xtask(&["sync", "--dry-run"]).success();
    assert_same_tree(&repo.snapshot(), &before);
    repo.xtask(&["sync"]).success();
    repo.xtask(&["verify"]).success();
    assert!(
        repo.git(&["status", "--porcelain"]).is_empty(),
        "sync restored the committed tree exactly"
    );
}

#[test]
fn this_repository_bumps_cleanly() {
    // Whatever version this repository is at: the test must pass on every
    // release, not only the first.
    let repo = TempRepo::of_workspace();
    let versions = repo.xtask(&["versions", "--json"]).success().json();
    let current = semver::Version::parse(versions["version"].as_str().unwrap()).unwrap();
    let next = semver::Version::new(current.major, current.minor + 1, 0);
    let rc1 = format!("{next}-rc.1");
    let before = repo.snapshot();
    repo.xtask(&["bump", &rc1, "--dry-run"]).success();
    assert_same_tree(&repo.snapshot(), &before);
    repo.xtask(&["bump", &rc1]).success();
    // A level moves on from there: rc.1 -> rc.2.
    repo.xtask(&["bump", "pre", "rc"]).success();
    let versions = repo.xtask(&["versions", "--json"]).success().json();
    assert_eq!(versions["version"], format!("{next}-rc.2"));
    let pep440 = format!(
        "version = \"{}.{}.{}rc2\"",
        next.major, next.minor, next.patch
    );
    assert!(
        repo.read("bindings/python/pyproject.toml")
            .contains(&pep440),
        "{pep440}"
    );
    assert!(repo.read("CHANGELOG.md").contains(&format!(
        "## [Unreleased]\n\n## [{next}-rc.2] - 2026-01-15\n"
    )));
    repo.xtask(&["verify"]).success();
    let changed = repo.git(&["diff", "--name-only"]);
    assert_eq!(
        changed.lines().collect::<Vec<_>>(),
        [
            "CHANGELOG.md",
            "Cargo.lock",
            "Cargo.toml",
            "bindings/go/plasmite.go",
            "bindings/node/package-lock.json",
            "bindings/node/package.json",
            "bindings/python/plasmite/__init__.py",
            "bindings/python/pyproject.toml",
            "homebrew/plasmite.rb",
        ]
    );
    // `cargo metadata` would download every platform's crates; `cargo tree`
    // checks the lock against the manifests from the local cache alone.
    let out = Command::new("cargo")
        .args(["tree", "--locked", "--offline", "--workspace"])
        .current_dir(&repo.dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree --locked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_bump_warns_when_the_new_section_has_no_notes() {
    let repo = lockstep();
    // Notes under `## [Unreleased]`: no warning.
    let run = repo.xtask(&["bump", "minor", "--dry-run"]);
    run.success();
    assert!(!run.stderr.contains("is empty"), "{}", run.stderr);
    // No notes: the bump still goes ahead, and says what is missing.
    let changelog = repo
        .read("CHANGELOG.md")
        .replace("### Fixed\n\n- A thing that was broken.\n\n", "");
    repo.write("CHANGELOG.md", &changelog);
    let run = repo.xtask(&["bump", "minor"]);
    run.success();
    assert!(
        run.stderr.contains(
            "warning: the section `## [1.5.0]` this bump writes into CHANGELOG.md is empty: write the release notes under it"
        ),
        "{}",
        run.stderr
    );
}

/// A bump never goes down, but the refusal says how to: the primary site by
/// hand, then `cargo xtask sync`; followed, every site holds the lower version.
#[test]
fn a_downgrade_is_refused_with_the_way_down() {
    let repo = lockstep();
    let before = repo.snapshot();
    let run = repo.xtask(&["bump", "1.4.0"]);
    run.failure(2);
    assert!(
        run.stderr.contains(
            "1.4.0 is lower than the current version 1.4.2: a bump must go up (semver precedence); to go down on purpose, edit Cargo.toml to hold 1.4.0 by hand, then run `cargo xtask sync` to write it to every site; no file was changed"
        ),
        "{}",
        run.stderr
    );
    assert_same_tree(&repo.snapshot(), &before);
    // Followed literally.
    let manifest = repo.read("Cargo.toml");
    repo.write(
        "Cargo.toml",
        &manifest.replace("version = '1.4.2'", "version = '1.4.0'"),
    );
    let sync = run.stderr.split('`').nth(1).unwrap();
    assert_eq!(sync, "cargo xtask sync");
    repo.xtask(&["sync"]).success();
    let versions = repo.xtask(&["versions", "--json"]);
    versions.success();
    assert_eq!(versions.json()["version"], "1.4.0");
}
