//! `cargo xtask verify` and `versions`.

use crate::support::{TempRepo, workspace_root, xtask_in};

#[test]
fn a_consistent_fixture_passes() {
    let repo = TempRepo::new("lockstep/in");
    let run = repo.xtask(&["verify"]);
    run.success();
    assert!(run.stdout.contains("every version site holds 1.4.2"));
    let json = repo.xtask(&["verify", "--json"]).success().json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn this_repository_passes_verify() {
    let run = xtask_in(&workspace_root(), &["verify"]);
    run.success();
}

#[test]
fn dash_c_acts_on_another_checkout() {
    let repo = TempRepo::new("lockstep/in");
    let elsewhere = std::env::temp_dir();
    let run = xtask_in(
        &elsewhere,
        &[
            "-C",
            repo.dir.join("bindings").to_str().unwrap(),
            "versions",
            "--json",
        ],
    );
    assert_eq!(run.success().json()["version"], "1.4.2");
}

#[test]
fn every_problem_is_listed_at_once_with_its_fix() {
    let repo = TempRepo::new("lockstep/in");
    let edit =
        |rel: &str, from: &str, to: &str| repo.write(rel, &repo.read(rel).replacen(from, to, 1));
    edit(
        "bindings/node/package.json",
        "\"version\": \"1.4.2\"",
        "\"version\": \"1.4.1\"",
    );
    edit(
        "bindings/python/pyproject.toml",
        "version = \"1.4.2\"",
        "version = \"1.5.0rc1\"",
    );
    edit("CHANGELOG.md", "## [Unreleased]\n", "");
    edit("homebrew/fixture.rb", "  version \"1.4.2\"\n", "");
    let run = repo.xtask(&["verify"]);
    run.failure(1);
    assert_eq!(run.stderr, "", "the report goes to stdout");
    let err = &run.stdout;
    assert!(err.contains("verify: 4 problem(s)"), "{err}");
    assert!(err.contains("bindings/node/package.json:3: bindings/node/package.json has version 1.4.1 but Cargo.toml has 1.4.2"), "{err}");
    assert!(
        err.contains(
            "bindings/python/pyproject.toml has version 1.5.0rc1 but Cargo.toml has 1.4.2"
        ),
        "{err}"
    );
    assert!(err.contains("fix: run `cargo xtask sync`"), "{err}");
    assert!(
        err.contains("CHANGELOG.md has no `## [Unreleased]` heading"),
        "{err}"
    );
    assert!(
        err.contains("homebrew/fixture.rb: homebrew site: missing `version \"X.Y.Z\"` line"),
        "{err}"
    );

    let json = repo.xtask(&["verify", "--json"]).json();
    assert_eq!(json["ok"], false);
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 4);
    let node = problems
        .iter()
        .find(|p| p["file"] == "bindings/node/package.json")
        .unwrap();
    assert_eq!(node["expected"], "1.4.2");
    assert_eq!(node["found"], "1.4.1");
    assert_eq!(node["line"], 3);
    let python = problems
        .iter()
        .find(|p| p["file"] == "bindings/python/pyproject.toml")
        .unwrap();
    assert_eq!(
        python["expected"], "1.4.2",
        "pyproject expects the PEP 440 form"
    );
}

#[test]
fn a_stale_cargo_lock_is_caught() {
    let repo = TempRepo::new("lockstep/in");
    // The lock entry of a package no site covers: the member's manifest moves alone.
    repo.write(
        "release/config.toml",
        &repo
            .read("release/config.toml")
            .replace(
                "[[site]]\npath = \"crates/extra/Cargo.toml\"\nkind = \"cargo-manifest\"\n\n",
                "",
            )
            .replace(
                "packages = [\"fixture\", \"fixture-extra\"]",
                "packages = [\"fixture\"]",
            ),
    );
    repo.write(
        "crates/extra/Cargo.toml",
        &repo
            .read("crates/extra/Cargo.toml")
            .replace("1.4.2", "1.4.3"),
    );
    let run = repo.xtask(&["verify"]);
    run.failure(1);
    assert!(
        run.stdout
            .contains("Cargo.lock has fixture-extra 1.4.2 but crates/extra/Cargo.toml has 1.4.3"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("cargo update --workspace --offline"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_invalid_config_is_a_problem_that_names_the_key() {
    let repo = TempRepo::new("lockstep/in");
    repo.write(
        "release/config.toml",
        &repo
            .read("release/config.toml")
            .replace("kind = \"homebrew\"", "kind = \"brew\""),
    );
    let run = repo.xtask(&["verify"]);
    run.failure(1);
    assert!(
        run.stdout.contains("site[7].kind = \"brew\" is unknown"),
        "{}",
        run.stdout
    );
}

#[test]
fn versions_lists_each_site() {
    let repo = TempRepo::new("lockstep/in");
    let run = repo.xtask(&["versions"]);
    run.success();
    for path in [
        "Cargo.toml",
        "crates/extra/Cargo.toml",
        "Cargo.lock",
        "bindings/python/pyproject.toml",
        "CHANGELOG.md",
    ] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(path) && l.ends_with("1.4.2")),
            "{path}: {}",
            run.stdout
        );
    }
    let json = repo.xtask(&["versions", "--json"]).json();
    assert_eq!(json["sites"].as_array().unwrap().len(), 9);
    assert_eq!(json["consistent"], true);
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let repo = TempRepo::new("lockstep/in");
    repo.xtask(&["frobnicate"]).failure(2);
    repo.xtask(&["bump"]).failure(2);
    let help = repo.xtask(&["--help"]);
    assert!(
        help.stdout.contains("Exit codes:") && help.stdout.contains("2  usage error"),
        "{}",
        help.stdout
    );
}

/// The lockstep fixture with the distribution config's targets appended.
fn with_targets() -> TempRepo {
    let repo = TempRepo::new("lockstep/in");
    let extra =
        std::fs::read_to_string(crate::support::fixtures().join("distribution/config.toml"))
            .unwrap();
    repo.write(
        "release/config.toml",
        &(repo.read("release/config.toml") + &extra.replace("{server}", "http://127.0.0.1:9")),
    );
    repo
}

/// `verify` on `day` (XTASK_TODAY), for the runner checks.
fn verify_on(repo: &TempRepo, day: &str, json: bool) -> crate::support::Run {
    let mut args = vec!["verify"];
    if json {
        args.push("--json");
    }
    crate::support::xtask_env(
        &repo.dir,
        &args,
        &[("XTASK_TODAY", std::ffi::OsStr::new(day))],
    )
}

#[test]
fn a_runner_label_past_its_retirement_fails_verify_and_one_close_to_it_warns() {
    let repo = with_targets();
    // The fixture builds aarch64-apple-darwin on macos-14, which GitHub
    // retires on 2026-11-02 (actions/runner-images#13518).
    let early = verify_on(&repo, "2026-07-04", false);
    early.success();
    assert!(!early.all().contains("warning"), "{}", early.all());

    let close = verify_on(&repo, "2026-07-05", false);
    close.success();
    assert!(
        close.stdout.contains("- warning: release/config.toml: [[target]] aarch64-apple-darwin runs on macos-14, which GitHub retires on 2026-11-02, in 120 day(s) (https://github.com/actions/runner-images/issues/13518)"),
        "{}",
        close.all()
    );

    let retired = verify_on(&repo, "2026-11-02", false);
    retired.failure(1);
    assert!(
        retired.stdout.contains("[[target]] aarch64-apple-darwin runs on macos-14, which GitHub retired on 2026-11-02 (https://github.com/actions/runner-images/issues/13518): its build job gets no runner and the release stops"),
        "{}",
        retired.all()
    );
    assert!(
        retired
            .stdout
            .contains("move [[target]] aarch64-apple-darwin to a runner GitHub hosts"),
        "{}",
        retired.all()
    );
    let json = verify_on(&repo, "2026-12-02", true).failure(1).json();
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{json}");
    assert_eq!(problems[0]["check"], "runners");
    assert!(json["warnings"].as_array().unwrap().is_empty(), "{json}");

    // A label retired long ago fails just the same.
    let config = repo.read("release/config.toml");
    repo.write(
        "release/config.toml",
        &config.replacen("runner = \"macos-14\"", "runner = \"macos-13\"", 1),
    );
    let run = verify_on(&repo, "2026-01-15", false);
    run.failure(1);
    assert!(
        run.stdout.contains("runs on macos-13, which GitHub retired on 2025-12-04 (https://github.com/actions/runner-images/issues/13046)"),
        "{}",
        run.all()
    );
    // On a runner GitHub hosts, nothing.
    repo.write(
        "release/config.toml",
        &config.replacen("runner = \"macos-14\"", "runner = \"macos-15\"", 1),
    );
    let hosted = verify_on(&repo, "2026-12-02", false);
    hosted.success();
    assert!(!hosted.all().contains("warning"), "{}", hosted.all());
}

/// The table of runner labels is data every reader can trust: each retired
/// label has a real date and its announcement, and none is also listed as hosted.
#[test]
fn the_runner_table_is_well_formed() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runners.toml"),
    )
    .unwrap();
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    let hosted: Vec<&str> = doc["hosted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(hosted.contains(&"macos-15") && hosted.contains(&"ubuntu-24.04"));
    let retired = doc["retired"].as_array_of_tables().unwrap();
    assert!(retired.iter().any(
        |t| t["label"].as_str() == Some("macos-14") && t["date"].as_str() == Some("2026-11-02")
    ));
    for t in retired {
        let label = t["label"].as_str().unwrap();
        let date = t["date"].as_str().unwrap();
        let bytes = date.as_bytes();
        assert!(
            date.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-',
            "{label}: {date}"
        );
        assert!(
            t["announcement"]
                .as_str()
                .unwrap()
                .starts_with("https://github."),
            "{label}"
        );
        assert!(
            !hosted.contains(&label),
            "{label} is both hosted and retired"
        );
    }
}

#[test]
fn a_tag_filter_that_does_not_match_tag_format_is_a_problem() {
    let repo = TempRepo::new("lockstep/in");
    // This repository's workflows, whose release.yml filters `tags: ["v*"]`.
    crate::support::copy_tree(
        &workspace_root().join(".github/workflows"),
        &repo.path(".github/workflows"),
    );
    repo.xtask(&["verify"]).success();
    let config = repo.read("release/config.toml");
    let config = if config.contains("tag_format") {
        config.replace(
            "tag_format = \"v{version}\"",
            "tag_format = \"plasmite-{version}\"",
        )
    } else {
        format!("tag_format = \"plasmite-{{version}}\"\n{config}")
    };
    repo.write("release/config.toml", &config);
    let before = repo.snapshot();
    let run = repo.xtask(&["verify"]);
    run.failure(1);
    assert!(
        run.stdout.contains(".github/workflows/release.yml: the push tag filter [\"v*\"] does not match plasmite-1.2.3 or plasmite-1.2.3-rc.1"),
        "{}",
        run.all()
    );
    assert_eq!(repo.snapshot(), before, "verify changes nothing");
    let workflow = repo.read(".github/workflows/release.yml");
    repo.write(
        ".github/workflows/release.yml",
        &workflow.replacen("tags: [\"v*\"]", "tags:\n      - \"plasmite-*\"", 1),
    );
    // (The fixture's formula URLs still carry `v` tags: that is another problem.)
    let run = repo.xtask(&["verify"]);
    assert!(!run.stderr.contains("push tag filter"), "{}", run.stderr);
}
