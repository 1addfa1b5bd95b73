//! The release workflows' own steps, run by the local Actions harness
//! (`actions/`): the first release (an empty tap, npm without the package), a
//! later release, a pre-release and a rerun after a partial publish, with what
//! each hand-off carried and what each publish command received; then the
//! inputs that must stop a release, and where.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::actions::{Run, World};

const PLATFORMS: [(&str, &str); 4] = [
    ("linux-x86_64", "tar.gz"),
    ("macos-x86_64", "tar.gz"),
    ("macos-arm64", "tar.gz"),
    ("windows-x86_64", "zip"),
];

fn sha256(bytes: &[u8]) -> String {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn argv(call: &Value) -> Vec<&str> {
    call["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

fn names(files: &BTreeMap<String, Vec<u8>>) -> Vec<&str> {
    files.keys().map(String::as_str).collect()
}

/// The build run and its hand-offs for `version`: the context job's outputs,
/// metadata.json, one archive per platform, sha256sums.txt of exactly those,
/// the Python and npm packages. Returns sha256sums.txt.
fn assert_build(world: &World, build: &Run, version: &str, pep440: &str) -> String {
    build.assert_success();
    let tag = format!("v{version}");
    let context = build.job("context");
    let sha = world.repo.git(&["rev-parse", &format!("{tag}^{{commit}}")]);
    assert_eq!(context.outputs["tag"], tag.as_str());
    assert_eq!(context.outputs["version"], version);
    assert_eq!(context.outputs["source_sha"], sha.as_str());
    let matrix: Value = serde_json::from_str(context.outputs["matrix"].as_str().unwrap()).unwrap();
    let legs = matrix["include"].as_array().unwrap();
    assert_eq!(legs.len(), PLATFORMS.len(), "{matrix}");
    let intel_mac = legs
        .iter()
        .find(|l| l["platform"] == "macos-x86_64")
        .unwrap();
    assert_eq!(
        intel_mac["os"], "macos-15-intel",
        "a runner GitHub still has"
    );
    assert_eq!(build.job("build (macos-x86_64)").runs_on, "macos-15-intel");

    let metadata = world.artifact(build.id, "release-metadata");
    let metadata: Value = serde_json::from_slice(&metadata["metadata.json"]).unwrap();
    assert_eq!(
        metadata,
        json!({"tag": tag, "version": version, "source_sha": sha,
               "source_ref": format!("refs/tags/{tag}"), "run_id": build.id.to_string()})
    );
    let mut expected_sums = String::new();
    for (platform, archive) in PLATFORMS {
        let file = format!("plasmite_{version}_{platform}.{archive}");
        let cli = world.artifact(build.id, &format!("cli-{platform}"));
        assert_eq!(names(&cli), [file.as_str()], "cli-{platform}");
        expected_sums.push_str(&format!("{}  {file}\n", sha256(&cli[&file])));
    }
    let sums = world.artifact(build.id, "sha256sums");
    let sums = String::from_utf8(sums["sha256sums.txt"].clone()).unwrap();
    let mut lines: Vec<&str> = sums.lines().collect();
    lines.sort();
    let mut expected: Vec<&str> = expected_sums.lines().collect();
    expected.sort();
    assert_eq!(lines, expected, "sha256sums.txt sums the CLI archives");
    assert_eq!(
        names(&world.artifact(build.id, "python-dist")),
        [
            format!("plasmite-{pep440}-py3-none-any.whl"),
            format!("plasmite-{pep440}.tar.gz")
        ]
    );
    assert!(
        !build
            .job("python")
            .log
            .contains("SetuptoolsDeprecationWarning"),
        "project.license is the SPDX string:\n{}",
        build.job("python").log
    );
    assert_eq!(
        names(&world.artifact(build.id, "npm-package")),
        [format!("plasmite-{version}.tgz")]
    );
    sums
}

/// The tap's formula installs `version` with the sums of the release.
fn assert_formula(world: &World, version: &str, sums: &str) {
    let formula = world
        .tap_file("Formula/plasmite.rb")
        .expect("the tap has the formula");
    assert!(
        formula.contains(&format!("version \"{version}\"")),
        "{formula}"
    );
    for platform in ["macos-arm64", "macos-x86_64", "linux-x86_64"] {
        let file = format!("plasmite_{version}_{platform}.tar.gz");
        let sum = sums.lines().find(|l| l.ends_with(&file)).unwrap();
        let sum = sum.split_whitespace().next().unwrap();
        assert!(
            formula.contains(&format!("/releases/download/v{version}/{file}\"")),
            "{formula}"
        );
        assert!(
            formula.contains(&format!("sha256 \"{sum}\"")),
            "{platform}: {formula}"
        );
    }
}

/// The publish calls of one run, as argv lines per tool.
fn publish_calls(world: &World, run: &Run) -> Vec<String> {
    world
        .calls()
        .iter()
        .filter(|c| c["run"] == run.id.to_string())
        .filter(|c| {
            let a = argv(c);
            matches!(
                (
                    c["tool"].as_str().unwrap(),
                    a.first().copied(),
                    a.get(1).copied()
                ),
                ("cargo", Some("publish"), _)
                    | ("npm", Some("publish"), _)
                    | ("python", Some("-m"), Some("twine"))
                    | ("gh", Some("release"), _)
            ) && !(a.get(1) == Some(&"view") || a.get(1) == Some(&"download"))
        })
        .map(|c| format!("{} {}", c["tool"].as_str().unwrap(), argv(c).join(" ")))
        .collect()
}

/// The publish commands a run called, whatever the job order.
fn assert_calls(world: &World, run: &Run, expected: &[&str]) {
    let mut calls = publish_calls(world, run);
    calls.sort();
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(calls, expected, "{}", run.results());
}

#[test]
fn first_release_v0_1_0_with_an_empty_tap_and_no_npm_package() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    let sums = assert_build(&world, &build, "0.1.0", "0.1.0");
    assert!(
        world.tap_file("Formula/plasmite.rb").is_none(),
        "the tap starts empty"
    );

    let publish = world.publish(build.id);
    publish.assert_success();
    assert_eq!(publish.job("resolve").outputs["tag"], "v0.1.0");
    assert_eq!(publish.job("resolve").outputs["version"], "0.1.0");
    assert_eq!(
        publish.job("preflight").outputs["npm_first_publish"],
        "true"
    );
    assert_calls(
        &world,
        &publish,
        &[
            "cargo publish --locked",
            "npm publish npm/plasmite-0.1.0.tgz --access public --provenance --tag latest",
            "python -m twine upload --non-interactive --skip-existing python-dist/plasmite-0.1.0-py3-none-any.whl python-dist/plasmite-0.1.0.tar.gz",
            "gh release create v0.1.0 assets/plasmite_0.1.0_linux-x86_64.tar.gz assets/plasmite_0.1.0_macos-arm64.tar.gz assets/plasmite_0.1.0_macos-x86_64.tar.gz assets/plasmite_0.1.0_windows-x86_64.zip assets/sha256sums.txt --repo plasmite/plasmite --verify-tag --title v0.1.0 --notes-file notes.md",
        ],
    );
    let calls = world.calls();
    let cargo = world.calls_of("cargo", &["publish"]);
    assert_eq!(cargo.len(), 1);
    assert_eq!(
        (cargo[0]["job"].as_str(), cargo[0]["token"].as_bool()),
        (Some("publish-crates"), Some(true))
    );
    let npm = world.calls_of("npm", &["publish"]);
    assert_eq!(npm.len(), 1);
    assert_eq!(
        npm[0]["auth"], "token",
        "the first npm publish creates the package with NPM_TOKEN"
    );
    let twine = world.calls_of("python", &["-m", "twine"]);
    assert_eq!(
        (twine[0]["user"].as_str(), twine[0]["token"].as_bool()),
        (Some("__token__"), Some(true))
    );
    assert!(
        calls
            .iter()
            .all(|c| c["job"] != "preflight" || c["tool"] != "cargo")
    );

    // What the registries and GitHub hold now.
    let index = world.registry("crates/pl/as/plasmite").unwrap();
    assert!(index.contains("\"vers\": \"0.1.0\""), "{index}");
    let npm_doc: Value = serde_json::from_str(&world.registry("npm/plasmite").unwrap()).unwrap();
    assert_eq!(npm_doc["dist-tags"]["latest"], "0.1.0");
    let release = &world.github()["releases"]["v0.1.0"];
    assert_eq!(release["prerelease"], false);
    assert_eq!(release["notes"], "### Added\n\n- The first release.\n");
    assert_eq!(release["assets"]["sha256sums.txt"], sha256(sums.as_bytes()));
    assert_formula(&world, "0.1.0", &sums);
    assert_eq!(world.tap_commits(), 2, "one commit adds the formula");
    assert!(
        publish.job("delivery").log.contains("delivery: ok"),
        "{}",
        publish.job("delivery").log
    );
}
