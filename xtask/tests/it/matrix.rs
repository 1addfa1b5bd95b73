//! `cargo xtask matrix` and `verify --tag`: what the release workflow's context job runs.

use crate::support::{TempRepo, fixtures, workspace_root, xtask_in};

#[test]
fn the_matrix_lists_every_target_on_one_json_line() {
    let repo = TempRepo::new("lockstep/in");
    let extra = std::fs::read_to_string(fixtures().join("distribution/config.toml")).unwrap();
    repo.write(
        "release/config.toml",
        &(repo.read("release/config.toml") + &extra.replace("{server}", "http://127.0.0.1:9")),
    );
    let run = repo.xtask(&["matrix", "--json"]);
    assert_eq!(run.success().stdout.lines().count(), 1, "{}", run.stdout);
    let include = run.json()["include"].as_array().unwrap().clone();
    let platforms: Vec<&str> = include
        .iter()
        .map(|t| t["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["linux-x86_64", "macos-arm64", "windows-x86_64"]);
    assert_eq!(include[2]["target"], "x86_64-pc-windows-msvc");
    assert_eq!(include[2]["os"], "windows-2022");
    assert_eq!(include[2]["archive"], "zip");
    assert!(
        repo.xtask(&["matrix"])
            .success()
            .stdout
            .contains("macos-arm64")
    );
}

#[test]
fn this_repository_builds_the_four_platforms() {
    let json = xtask_in(&workspace_root(), &["matrix", "--json"])
        .success()
        .json();
    let platforms: Vec<&str> = json["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["platform"].as_str().unwrap())
        .collect();
    assert_eq!(
        platforms,
        [
            "linux-x86_64",
            "macos-x86_64",
            "macos-arm64",
            "windows-x86_64"
        ]
    );
}

#[test]
fn no_targets_is_an_error() {
    let run = TempRepo::new("lockstep/in").xtask(&["matrix", "--json"]);
    run.failure(1);
    assert!(
        run.stderr.contains("declares no [[target]]"),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_tag_must_be_the_lock_step_version() {
    let repo = TempRepo::new("lockstep/in");
    repo.xtask(&["verify", "--tag", "v1.4.2"]).success();
    let run = repo.xtask(&["verify", "--tag", "v1.4.3"]);
    run.failure(1);
    assert!(
        run.stdout.contains(
            "the tag v1.4.3 is not the tag of the lock-step version 1.4.2, which is v1.4.2"
        ),
        "{}",
        run.stdout
    );
}
