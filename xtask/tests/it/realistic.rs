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
    let declared = "documents = [\"README.md\", \"CONTRIBUTING.md\", \"CHANGELOG.md\", \"docs\", \"skills\"]\n";
    assert!(config.contains(declared), "{config}");
    repo.write(
        "release/config.toml",
        &config.replace(
            declared,
            "documents = [\"README.md\", \"CONTRIBUTING.md\"]\n",
        ),
    );
    let (run, json) = verify_json(&repo);
    run.success();
    assert_eq!(messages(&json, "problems"), Vec::<String>::new());
    // A declared document must exist.
    repo.write(
        "release/config.toml",
        &config.replace(declared, "documents = [\"MANUAL.md\"]\n"),
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
            "site[5].form = \"integers\" must be \"semver\", \"pep440\", \"release\" or \"minor\"",
        ),
        (
            "lockstep = false",
            "lockstep = \"no\"",
            "site[10].lockstep must be true or false",
        ),
        (
            ".patch_version = {patch},",
            ".patch_version = {major},",
            "must contain {major} and {minor} exactly once each, and {patch} at most once",
        ),
        (
            "kind = \"pattern\"\npattern = '''",
            "kind = \"pattern\"\nform = \"semver\"\npattern = '''",
            "site[7].form = \"semver\": a pattern of {major}, {minor} and {patch} holds numbers only, so its form is \"release\" (leave `form` out)",
        ),
        (
            "pattern = 'tool = \"{version}\"'",
            "pattern = 'tool = \"{version}.{minor}\"'",
            "must contain {version} exactly once, or instead {major}, {minor} and (optionally) {patch}",
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

/// The cases of false drift found on real documents (`real_docs_and_history_verify_clean`
/// holds them clean) are live: take away what makes each fine and it is reported.
#[test]
fn each_class_of_false_drift_is_a_live_case_of_the_fixture() {
    let repo = realistic();
    // A skill names `scripts/file_blocker.sh` from its own folder, though the
    // repository also has a top-level `scripts/`.
    std::fs::remove_file(repo.path("skills/tool-release/scripts/file_blocker.sh")).unwrap();
    // Build outputs ignored by a nested rule of the root `.gitignore` and by a subfolder's.
    repo.write(".gitignore", "/target\nCargo.lock\n/dist\n");
    std::fs::remove_file(repo.path("bindings/node/.gitignore")).unwrap();
    // Prose that states a file rather than proposes it.
    let install = repo.read("docs/install.md");
    repo.write(
        "docs/install.md",
        &install.replace(
            "if more is vendored, consider\nadding",
            "the rest is listed\nin",
        ),
    );
    // A regular expression under a folder the repository has is still no path.
    append(
        &repo,
        "docs/architecture.md",
        "\nThe loader matches `src/native/libdemo.(dylib|so)`.\n",
    );
    let (run, json) = verify_json(&repo);
    run.failure(1);
    let line = |text: &str| {
        repo.read("docs/install.md")
            .lines()
            .position(|l| l.contains(text))
            .unwrap()
            + 1
    };
    assert_eq!(
        messages(&json, "problems"),
        vec![
            format!(
                "docs/install.md:{}: names `pkg/mylib/_native/libdemo.so`, which does not exist",
                line("`make native`")
            ),
            format!(
                "docs/install.md:{}: names `bindings/node/generated/index.d.ts`, which does not exist",
                line("binding's types")
            ),
            format!(
                "docs/install.md:{}: names `vendor/THIRD_PARTY_VERSIONS.md`, which does not exist",
                line("THIRD_PARTY")
            ),
            "skills/tool-release/SKILL.md:3: names `scripts/file_blocker.sh`, which does not exist"
                .to_string(),
            "skills/tool-release/archive/old.md:3: names `scripts/file_blocker.sh`, which does not exist"
                .to_string(),
        ]
    );
    // Regular expressions are never paths, and the changelog's `src/parse_old.rs` (under `src/`, which the
    // repository has) is history: neither is reported above. Declared as a
    // document or not, a changelog is not checked for paths.
    assert!(repo.read("CHANGELOG.md").contains("`src/parse_old.rs`"));
}

/// A version as three numbers on three lines of a generated parser, and as
/// `X.Y` in a README's dependency line: `verify` reads both, names each
/// drift, and `sync` writes both back byte for byte.
#[test]
fn numbers_on_separate_lines_and_major_minor_are_read_and_written() {
    let repo = realistic();
    let versions = repo.xtask(&["versions", "--json"]);
    versions.success();
    let json = versions.json();
    let found: Vec<(String, String, String)> = json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| ["src/parser.c", "README.md"].contains(&s["path"].as_str().unwrap()))
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["form"].as_str().unwrap().to_string(),
                s["raw"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("src/parser.c".into(), "release".into(), "1.2.3".into()),
            ("README.md".into(), "minor".into(), "1.2".into()),
        ],
        "{json}"
    );
    let (parser, readme) = (repo.read("src/parser.c"), repo.read("README.md"));
    repo.write(
        "src/parser.c",
        &parser.replace(".minor_version = 2,", ".minor_version = 1,"),
    );
    repo.write(
        "README.md",
        &readme.replace("tool = \"1.2\"", "tool = \"1.1\""),
    );
    let (run, json) = verify_json(&repo);
    run.failure(1);
    let line =
        |text: &str, needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert_eq!(
        messages(&json, "problems"),
        vec![
            format!(
                "src/parser.c:{}: src/parser.c has version 1.1.3 but Cargo.toml has 1.2.3",
                line(&parser, ".major_version")
            ),
            format!(
                "README.md:{}: README.md has version 1.1 but Cargo.toml has 1.2.3",
                line(&readme, "tool = ")
            ),
        ]
    );
    repo.xtask(&["sync"]).success();
    assert_eq!(repo.read("src/parser.c"), parser);
    assert_eq!(repo.read("README.md"), readme);
    verify_json(&repo).0.success();
}

/// A package-lock.json holds the version twice: each token that drifted is
/// a problem at its own line, whether both drifted or one.
#[test]
fn a_drifted_package_lock_is_reported_at_every_drifted_line() {
    let repo = realistic();
    let lock = repo.read("bindings/node/package-lock.json");
    // The lookalike dependency at line 12 stays 1.2.3.
    let both = lock.replacen("\"version\": \"1.2.3\"", "\"version\": \"1.2.2\"", 2);
    repo.write("bindings/node/package-lock.json", &both);
    let (run, json) = verify_json(&repo);
    run.failure(1);
    let drift = "bindings/node/package-lock.json has version 1.2.2 but Cargo.toml has 1.2.3";
    assert_eq!(
        messages(&json, "problems"),
        vec![
            format!("bindings/node/package-lock.json:3: {drift}"),
            format!("bindings/node/package-lock.json:9: {drift}"),
        ]
    );
    // Only the second token drifted.
    let second = both.replacen("\"version\": \"1.2.2\"", "\"version\": \"1.2.3\"", 1);
    repo.write("bindings/node/package-lock.json", &second);
    let (run, json) = verify_json(&repo);
    run.failure(1);
    assert_eq!(
        messages(&json, "problems"),
        vec![format!("bindings/node/package-lock.json:9: {drift}")]
    );
    repo.xtask(&["sync"]).success();
    assert_eq!(repo.read("bindings/node/package-lock.json"), lock);
}

/// `sync` fixes a drift, and says so: its `next:` line commits what it
/// fixed (no "Release" commit) and pushes it, and works when followed.
#[test]
fn sync_says_what_it_fixed_and_its_next_step_works() {
    let repo = TempRepo::with_origin("realistic/in");
    let makefile = repo.read("Makefile");
    repo.write(
        "Makefile",
        &makefile.replace("VERSION := 1.2.3", "VERSION := 1.2.1"),
    );
    repo.commit_and_push("a drift");
    let run = repo.xtask(&["sync"]);
    run.success();
    assert!(
        run.stdout.contains(
            "sync: wrote 1.2.3 (the version of Cargo.toml) to 1 file(s) that disagreed: Makefile"
        ),
        "{}",
        run.stdout
    );
    let next = run
        .stdout
        .lines()
        .find(|l| l.starts_with("next: "))
        .unwrap();
    assert_eq!(
        next,
        "next: review `git diff`, then commit and push the fix: `git commit -am 'Sync the version of Makefile to 1.2.3'`, then `git push origin HEAD`"
    );
    for command in next.split('`').skip(1).step_by(2).skip(1) {
        let words = shlex::split(command).unwrap();
        assert_eq!(words[0], "git", "{command}");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        repo.git(&args);
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert_eq!(
        repo.git(&["rev-parse", "HEAD"]),
        repo.git(&["rev-parse", "origin/main"])
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]),
        "Sync the version of Makefile to 1.2.3"
    );
    verify_json(&repo).0.success();
}
