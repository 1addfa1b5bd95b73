//! `verify` and `bump` on the `realistic` fixture: a repository with years of
//! history (a changelog that skipped releases, a formula outside the
//! lock-step), many kinds of sites and docs written the way people write them.

use std::ffi::OsStr;

use crate::support::{Run, TempRepo, assert_same_tree, fixtures, snapshot, xtask_env};

fn realistic() -> TempRepo {
    TempRepo::new("realistic/in")
}

/// `verify --json`, with its errors and warnings.
fn verify_json(repo: &TempRepo) -> (Run, serde_json::Value) {
    let run = repo.xtask(&["verify", "--json"]);
    let json = run.json();
    (run, json)
}

fn messages(json: &serde_json::Value, key: &str) -> Vec<String> {
    json[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}: {}",
                p["file"].as_str().unwrap(),
                p["line"],
                p["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Appends `text` to a file and returns the 1-based line of its first line.
fn append(repo: &TempRepo, rel: &str, text: &str) -> usize {
    let before = repo.read(rel);
    repo.write(rel, &format!("{before}{text}"));
    before.lines().count() + 1
}

#[test]
fn real_docs_and_history_verify_clean() {
    let repo = realistic();
    let (run, json) = verify_json(&repo);
    run.success();
    assert_eq!(json["ok"], true);
    assert_eq!(messages(&json, "problems"), Vec::<String>::new());
    // The only remark: the changelog skipped releases, a warning.
    assert_eq!(
        messages(&json, "warnings"),
        vec![
            "CHANGELOG.md:12: CHANGELOG.md skipped releases: its newest section is 1.1.0, the sites hold 1.2.3"
        ]
    );
    assert_eq!(json["warnings"][0]["severity"], "warning");
    let text = repo.xtask(&["verify"]);
    text.success();
    assert!(
        text.stdout
            .contains("verify: ok, every version site holds 1.2.3"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("- warning: CHANGELOG.md:12:"),
        "{}",
        text.stdout
    );
    assert_eq!(text.stderr, "");
}

#[test]
fn stale_paths_missing_files_and_missing_headings_keep_their_teeth() {
    let repo = realistic();
    let stale = append(
        &repo,
        "docs/architecture.md",
        "\nThe parser was `src/old_module.rs`.\n",
    );
    let links = append(
        &repo,
        "README.md",
        "\nSee [the FAQ](docs/faq.md), [agents](docs/cookbook.md#mcp-agents) and `docs/cookbook.md#no-such-recipe`.\n[local](#no-such-section)\n",
    );
    let (run, json) = verify_json(&repo);
    run.failure(1);
    let found = messages(&json, "problems");
    assert_eq!(
        found,
        vec![
            format!(
                "README.md:{links}: names `docs/faq.md`, which does not exist",
                links = links + 1
            ),
            format!(
                "README.md:{}: links to `docs/cookbook.md#mcp-agents`, but docs/cookbook.md has no heading with the anchor `#mcp-agents`",
                links + 1
            ),
            format!(
                "README.md:{}: links to `docs/cookbook.md#no-such-recipe`, but docs/cookbook.md has no heading with the anchor `#no-such-recipe`",
                links + 1
            ),
            format!(
                "README.md:{}: links to `#no-such-section`, but README.md has no heading with the anchor `#no-such-section`",
                links + 2
            ),
            format!(
                "docs/architecture.md:{}: names `src/old_module.rs`, which does not exist",
                stale + 1
            ),
        ]
    );
    let text = repo.xtask(&["verify"]);
    assert!(
        text.stdout.contains(&format!(
            "docs/architecture.md:{}: names `src/old_module.rs`",
            stale + 1
        )),
        "{}",
        text.stdout
    );
}

#[test]
fn the_documents_are_declared_in_the_config() {
    let repo = realistic();
    append(&repo, "docs/install.md", "\n[gone](nowhere.md)\n");
    verify_json(&repo).0.failure(1);
    // Only README.md and CONTRIBUTING.md: docs/ is no longer read.
    let config = repo.read("release/config.toml");
    repo.write(
        "release/config.toml",
        &config.replace(
            "[verify]\n",
            "[verify]\ndocuments = [\"README.md\", \"CONTRIBUTING.md\"]\n",
        ),
    );
    let (run, json) = verify_json(&repo);
    run.success();
    assert_eq!(messages(&json, "problems"), Vec::<String>::new());
    // A declared document must exist.
    repo.write(
        "release/config.toml",
        &config.replace("[verify]\n", "[verify]\ndocuments = [\"MANUAL.md\"]\n"),
    );
    let run = repo.xtask(&["verify"]);
    run.failure(1);
    assert!(
        run.stdout
            .contains("verify.documents names \"MANUAL.md\", which is not in the repository"),
        "{}",
        run.stdout
    );
}

#[test]
fn workflow_checks_run_only_with_a_release_section() {
    let repo = realistic();
    // The docs name `release.yml` and `-f tag=…`, which this repository does not have.
    verify_json(&repo).0.success();
    append(
        &repo,
        "release/config.toml",
        "\n[release]\nci_workflow = \"ci.yml\"\n",
    );
    let (run, json) = verify_json(&repo);
    run.failure(1);
    let found = messages(&json, "problems").join("\n");
    assert!(
        found.contains("names the workflow `release.yml`, which is not in .github/workflows/"),
        "{found}"
    );
    assert!(
        found.contains("passes `-f tag=…`, which no workflow_dispatch"),
        "{found}"
    );
    assert!(
        found.contains("the release config names the workflow `release.yml`"),
        "{found}"
    );
    // `docker-compose.yml`, in a paragraph that is not about workflows, is not one.
    assert!(!found.contains("docker-compose.yml"), "{found}");
}

#[test]
fn tables_are_checked_only_when_declared() {
    let repo = realistic();
    std::fs::create_dir_all(repo.path("docs/record")).unwrap();
    repo.write(
        "docs/record/versioning.md",
        "# Versioning\n\n## Version sites\n\n| path | kind |\n| --- | --- |\n| `Cargo.toml` | `cargo-manifest` |\n",
    );
    verify_json(&repo).0.success();
    let config = repo.read("release/config.toml");
    repo.write(
        "release/config.toml",
        &config.replace(
            "[verify]\n",
            "[verify]\nsites_doc = \"docs/record/versioning.md\"\n",
        ),
    );
    let (run, json) = verify_json(&repo);
    run.failure(1);
    let found = messages(&json, "problems").join("\n");
    assert!(
        found.contains("does not list the site `metadata.json` (json)"),
        "{found}"
    );
}

#[test]
fn bump_minor_moves_every_kind_of_site_and_leaves_the_formula() {
    let repo = realistic();
    let run = repo.xtask(&["bump", "minor"]);
    run.success();
    assert!(run.stdout.contains("1.2.3 -> 1.3.0"), "{}", run.stdout);
    assert_same_tree(
        &repo.snapshot(),
        &snapshot(&fixtures().join("realistic/out-minor")),
    );
    let (run, json) = verify_json(&repo);
    run.success();
    assert_eq!(messages(&json, "warnings"), Vec::<String>::new());
}

#[test]
fn a_pre_release_writes_the_release_part_to_cmake() {
    let repo = realistic();
    repo.xtask(&["bump", "pre", "rc"]).success();
    assert_same_tree(
        &repo.snapshot(),
        &snapshot(&fixtures().join("realistic/out-pre-rc")),
    );
    verify_json(&repo).0.success();
    // rc.2 has the same release part: CMakeLists.txt stays as it is.
    let cmake = repo.read("CMakeLists.txt");
    repo.xtask(&["bump", "pre", "rc"]).success();
    assert_eq!(repo.read("CMakeLists.txt"), cmake);
    assert!(repo.read("Makefile").contains("VERSION := 1.3.0-rc.2"));
    // A CMake file that lags in its release part is drift.
    repo.write(
        "CMakeLists.txt",
        &cmake.replace("VERSION \"1.3.0\"", "VERSION \"1.2.9\""),
    );
    let (run, json) = verify_json(&repo);
    run.failure(1);
    assert_eq!(json["problems"][0]["file"], "CMakeLists.txt");
    assert_eq!(json["problems"][0]["expected"], "1.3.0");
}

#[test]
fn a_json_key_path_edits_only_that_value() {
    let repo = realistic();
    let before = repo.read("metadata.json");
    repo.xtask(&["bump", "1.2.4"]).success();
    assert_eq!(
        repo.read("metadata.json"),
        before.replace("\"version\": \"1.2.3\"", "\"version\": \"1.2.4\"")
    );
    assert!(
        repo.read("metadata.json")
            .contains("\"schema\": { \"version\": \"2\" }")
    );
    let versions = repo.xtask(&["versions", "--json"]).success().json();
    let site = versions["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "metadata.json")
        .unwrap()
        .clone();
    assert_eq!(site["kind"], "json");
    assert_eq!(site["slots"][0]["label"], ".metadata.version");
}

#[test]
fn a_site_outside_the_lock_step_is_listed_but_never_blocks() {
    let repo = realistic();
    let run = repo.xtask(&["versions"]);
    run.success();
    assert!(
        run.stdout.contains(
            "Formula/tool.rb                  homebrew        1.2.2  (outside the lock-step)"
        ),
        "{}",
        run.stdout
    );
    let json = repo.xtask(&["versions", "--json"]).success().json();
    assert_eq!(json["consistent"], true);
    let formula = json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == "Formula/tool.rb")
        .unwrap()
        .clone();
    assert_eq!(formula["lockstep"], false);
    assert_eq!(formula["version"], "1.2.2");
    // Not even an unreadable formula blocks: it is a warning.
    repo.write("Formula/tool.rb", "class Tool < Formula\nend\n");
    let (run, json) = verify_json(&repo);
    run.success();
    assert!(
        messages(&json, "warnings")
            .iter()
            .any(|w| w.starts_with("Formula/tool.rb:null: homebrew site:")),
        "{json}"
    );
    repo.xtask(&["bump", "patch"]).success();
    assert_eq!(repo.read("Formula/tool.rb"), "class Tool < Formula\nend\n");
}

#[test]
fn the_primary_site_cannot_leave_the_lock_step() {
    let repo = realistic();
    let config = repo.read("release/config.toml");
    repo.write(
        "release/config.toml",
        &config.replacen(
            "kind = \"cargo-manifest\"\n",
            "kind = \"cargo-manifest\"\nlockstep = false\n",
            1,
        ),
    );
    let before = repo.snapshot();
    let run = repo.xtask(&["bump", "patch"]);
    run.failure(2);
    assert!(
        run.stderr.contains(
            "site[0] (Cargo.toml) is the primary site, so it cannot have lockstep = false"
        ),
        "{}",
        run.stderr
    );
    assert_same_tree(&repo.snapshot(), &before);
}

#[test]
fn bad_site_declarations_are_named() {
    let repo = realistic();
    let config = repo.read("release/config.toml");
    for (from, to, error) in [
        ("key = \"metadata.version\"\n", "", "site[6].key is missing"),
        (
            "key = \"metadata.version\"",
            "key = \"metadata..version\"",
            "site[6].key = \"metadata..version\" must be a key path",
        ),
        (
            "form = \"release\"",
            "form = \"integers\"",
            "site[5].form = \"integers\" must be \"semver\", \"pep440\" or \"release\"",
        ),
        (
            "lockstep = false",
            "lockstep = \"no\"",
            "site[8].lockstep must be true or false",
        ),
        (
            "[verify]\n",
            "[verify]\nsites_heading = \"Sites\"\n",
            "verify.sites_heading is set but verify.sites_doc is not",
        ),
    ] {
        repo.write("release/config.toml", &config.replace(from, to));
        let before = repo.snapshot();
        let run = repo.xtask(&["bump", "patch"]);
        run.failure(2);
        assert!(run.stderr.contains(error), "{error}: {}", run.stderr);
        assert_same_tree(&repo.snapshot(), &before);
    }
}

#[test]
fn a_lagging_changelog_does_not_block_but_other_drift_does() {
    let repo = realistic();
    // The lagging changelog gets the new section; bump reads the others.
    repo.xtask(&["bump", "patch"]).success();
    let changelog = repo.read("CHANGELOG.md");
    assert!(
        changelog.contains("## [Unreleased]\n\n## [1.2.4] - 2026-01-15\n\n### Added\n\n- The JSON output.\n\n## [1.1.0] - 2024-03-02"),
        "{changelog}"
    );
    // A changelog ahead of the sites is drift, and blocks.
    let repo = realistic();
    repo.write(
        "CHANGELOG.md",
        &repo
            .read("CHANGELOG.md")
            .replace("## [1.1.0] - 2024-03-02", "## [1.3.0] - 2024-03-02"),
    );
    let before = repo.snapshot();
    let run = repo.xtask(&["bump", "patch"]);
    run.failure(1);
    assert!(
        run.stderr
            .contains("CHANGELOG.md (changelog) has 1.3.0 but Cargo.toml has 1.2.3"),
        "{}",
        run.stderr
    );
    assert_same_tree(&repo.snapshot(), &before);
    // sync leaves a lagging changelog alone, and says when there is nothing to do.
    let repo = realistic();
    let before = repo.snapshot();
    let run = repo.xtask(&["sync"]);
    run.success();
    assert_eq!(
        run.stdout,
        "sync: nothing to do, every lock-step site already holds 1.2.3\n"
    );
    assert_same_tree(&repo.snapshot(), &before);
}

#[test]
fn an_explicit_version_heals_drift_but_a_level_does_not() {
    let repo = realistic();
    let edit =
        |rel: &str, from: &str, to: &str| repo.write(rel, &repo.read(rel).replacen(from, to, 1));
    edit("bindings/node/package.json", "1.2.3", "1.2.5");
    edit("Makefile", "1.2.3", "1.2.1");
    let before = repo.snapshot();
    // A level needs a starting point.
    let run = repo.xtask(&["bump", "minor"]);
    run.failure(1);
    assert!(
        run.stderr.contains("bump would not know where to start"),
        "{}",
        run.stderr
    );
    assert_same_tree(&repo.snapshot(), &before);
    // An explicit version not above every site is refused too.
    let run = repo.xtask(&["bump", "1.2.5"]);
    run.failure(1);
    assert!(
        run.stderr
            .contains("bindings/node/package.json has 1.2.5, which is not below 1.2.5"),
        "{}",
        run.stderr
    );
    assert_same_tree(&repo.snapshot(), &before);
    // Above every site: every site is written, and the healed drift reported.
    let run = repo.xtask(&["bump", "1.3.0"]);
    run.success();
    assert!(
        run.stdout.contains(
            "healed drift: these sites disagreed with Cargo.toml and now hold 1.3.0:\n  - bindings/node/package.json had 1.2.5\n  - Makefile had 1.2.1\n"
        ),
        "{}",
        run.stdout
    );
    let json = repo.xtask(&["versions", "--json"]).success().json();
    assert_eq!(json["version"], "1.3.0");
    verify_json(&repo).0.success();
}

#[test]
fn the_changelog_date_comes_from_the_flag_or_a_valid_xtask_today() {
    let repo = realistic();
    repo.xtask(&["bump", "patch", "--date", "2026-07-28"])
        .success();
    assert!(
        repo.read("CHANGELOG.md")
            .contains("## [1.2.4] - 2026-07-28\n")
    );
    for (args, env, error) in [
        (
            vec!["bump", "patch"],
            "28/07/2026",
            "XTASK_TODAY = `28/07/2026` is not a date written YYYY-MM-DD",
        ),
        (
            vec!["bump", "patch", "--date", "2026-02-30"],
            "2026-01-15",
            "--date = `2026-02-30` is not a date written YYYY-MM-DD",
        ),
    ] {
        let before = repo.snapshot();
        let run = xtask_env(&repo.dir, &args, &[("XTASK_TODAY", OsStr::new(env))]);
        run.failure(2);
        assert!(run.stderr.contains(error), "{}", run.stderr);
        assert_same_tree(&repo.snapshot(), &before);
    }
    let help = repo.xtask(&["bump", "--help"]);
    assert!(
        help.stdout.contains("--date <YYYY-MM-DD>"),
        "{}",
        help.stdout
    );
    assert!(help.stdout.contains("XTASK_TODAY"), "{}", help.stdout);
}

#[test]
fn an_ignored_cargo_lock_is_not_demanded_nor_read() {
    let repo = realistic();
    // The fixture has no Cargo.lock and ignores it: verify passes (above).
    // A stale, ignored one on disk is not checked either.
    repo.write(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"tool\"\nversion = \"0.9.0\"\n",
    );
    verify_json(&repo).0.success();
    // Once git tracks it, it is checked.
    repo.git(&["add", "--force", "Cargo.lock"]);
    let (run, json) = verify_json(&repo);
    run.failure(1);
    assert_eq!(
        messages(&json, "problems"),
        vec!["Cargo.lock:null: Cargo.lock has tool 0.9.0 but Cargo.toml has 1.2.3"]
    );
}

#[test]
fn a_version_file_left_out_of_the_config_is_a_warning() {
    let repo = realistic();
    repo.write(
        "tree-sitter.json",
        "{\n  \"grammars\": [{ \"name\": \"tool\" }],\n  \"metadata\": {\n    \"version\": \"1.2.3\"\n  }\n}\n",
    );
    // Untracked: git does not know it yet.
    verify_json(&repo).0.success();
    repo.git(&["add", "tree-sitter.json"]);
    let (run, json) = verify_json(&repo);
    run.success();
    let warnings = messages(&json, "warnings");
    assert!(
        warnings.contains(&"tree-sitter.json:4: tree-sitter.json holds the version 1.2.3 but is not a version site, so `cargo xtask bump` will not move it".to_string()),
        "{warnings:?}"
    );
    // docs/examples/plugin.json holds 1.2.3 too, but [verify].not_sites silences it.
    assert!(
        !warnings.iter().any(|w| w.contains("plugin.json")),
        "{warnings:?}"
    );
    repo.write(
        "release/config.toml",
        &repo.read("release/config.toml").replace(
            "not_sites = [\"docs/examples/**\"]",
            "not_sites = [\"docs/examples/**\", \"tree-sitter.json\"]",
        ),
    );
    let (_, json) = verify_json(&repo);
    assert_eq!(
        messages(&json, "warnings").len(),
        1,
        "only the changelog gap"
    );
}

#[test]
fn a_closed_pipe_ends_verify_quietly() {
    let repo = realistic();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["verify", "--json"])
        .current_dir(&repo.dir)
        .env("PATH", crate::support::hermetic_path(&[]))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "", "no panic, no message");
    assert!(
        out.status.code().is_none_or(|c| c == 0),
        "ends by SIGPIPE as `cat` does: {:?}",
        out.status
    );
}

#[test]
fn help_says_what_verify_checks_and_when_versions_fails() {
    let repo = realistic();
    let verify = repo.xtask(&["verify", "--help"]);
    verify.success();
    for needle in [
        "What verify checks",
        "[verify].documents",
        "#heading anchor",
        "with a [release] section",
        "[verify].not_sites",
        "a changelog that skipped",
        "The report goes to stdout",
    ] {
        assert!(
            verify.stdout.contains(needle),
            "{needle}: {}",
            verify.stdout
        );
    }
    let versions = repo.xtask(&["versions", "--help"]);
    assert!(
        versions
            .stdout
            .contains("Exits 1 when the lock-step sites disagree"),
        "{}",
        versions.stdout
    );
    let edit = repo.read("Makefile").replacen("1.2.3", "1.2.2", 1);
    repo.write("Makefile", &edit);
    repo.xtask(&["versions"]).failure(1);
}
