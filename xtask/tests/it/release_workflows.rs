//! The release workflows' own steps, run by the local Actions harness
//! (`actions/`), each from a tap that is a new repository (not one commit):
//! the first release (npm without the package), a first release that is a
//! pre-release, a later release, a pre-release after it, a rerun after a
//! partial publish, a permitted partial release and missing secrets with and
//! without `allow_partial_release`, with what each hand-off carried and what
//! each publish command received; then the inputs that must stop a release,
//! and where.

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
        .filter(|c| c["run"].as_str() == Some(run.id.to_string().as_str()))
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
        publish.job("resolve").outputs["source_sha"],
        build.job("context").outputs["source_sha"]
    );
    // cargo publish runs at the root of the checkout of the built commit.
    for call in world.calls_of("cargo", &["publish"]) {
        assert_eq!(call["cwd"], ".");
    }
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
    // The preflight asked npm about the package before any channel published.
    let asked = calls
        .iter()
        .position(|c| c["job"] == "preflight" && argv(c) == ["view", "plasmite", "name"])
        .expect("the preflight asks npm whether the package exists");
    let first_publish = calls
        .iter()
        .position(|c| c["job"].as_str().unwrap().starts_with("publish-"))
        .unwrap();
    assert!(asked < first_publish);

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
    assert_eq!(
        world.tap_commits(),
        1,
        "the first commit of the empty tap adds the formula"
    );
    assert!(
        publish
            .job("preflight")
            .log
            .contains("tap: HOMEBREW_TAP_TOKEN may push to plasmite/homebrew-tap"),
        "{}",
        publish.job("preflight").log
    );
    // "Not published yet" is the normal answer of a first publish: the
    // probes say nothing on the run's page.
    for job in ["publish-crates", "publish-pypi", "publish-npm"] {
        let j = publish.job(job);
        assert!(j.errors.is_empty(), "{job}: {:?}\n{}", j.errors, j.log);
        assert!(j.warnings.is_empty(), "{job}: {:?}", j.warnings);
        assert!(j.summary.is_empty(), "{job}: {}", j.summary);
    }
    assert!(
        publish.job("delivery").log.contains("delivery: ok"),
        "{}",
        publish.job("delivery").log
    );
}

/// v0.1.0 published (and npm's trusted publisher set up on the new package,
/// as RELEASING.md asks after the first publish).
fn released_v0_1_0(world: &mut World) -> String {
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    let sums = assert_build(world, &build, "0.1.0", "0.1.0");
    world.publish(build.id).assert_success();
    let mut npm: Value = serde_json::from_str(&world.registry("npm/plasmite").unwrap()).unwrap();
    npm["trusted_publisher"] = json!(crate::actions::REPO);
    world.seed("npm/plasmite", &npm.to_string());
    sums
}

#[test]
fn a_later_release_v0_2_0_publishes_with_trusted_publishing_and_updates_the_tap() {
    let mut world = World::new();
    released_v0_1_0(&mut world);
    // GitHub documents run paths such as `.github/workflows/build.yml@main`.
    world.run_path_suffix = "@refs/tags/v0.2.0".to_string();
    let build = world.build("0.2.0", "### Changed\n\n- A later release.");
    let sums = assert_build(&world, &build, "0.2.0", "0.2.0");
    let publish = world.publish(build.id);
    publish.assert_success();
    assert_eq!(
        publish.job("preflight").outputs["npm_first_publish"],
        "false"
    );
    assert_calls(
        &world,
        &publish,
        &[
            "cargo publish --locked",
            "npm publish npm/plasmite-0.2.0.tgz --access public --provenance --tag latest",
            "python -m twine upload --non-interactive --skip-existing python-dist/plasmite-0.2.0-py3-none-any.whl python-dist/plasmite-0.2.0.tar.gz",
            "gh release create v0.2.0 assets/plasmite_0.2.0_linux-x86_64.tar.gz assets/plasmite_0.2.0_macos-arm64.tar.gz assets/plasmite_0.2.0_macos-x86_64.tar.gz assets/plasmite_0.2.0_windows-x86_64.zip assets/sha256sums.txt --repo plasmite/plasmite --verify-tag --title v0.2.0 --notes-file notes.md",
        ],
    );
    let npm = world.calls_of("npm", &["publish"]);
    assert_eq!(npm.len(), 2);
    assert_eq!(npm[1]["auth"], "oidc", "the package exists: no token");
    let index = world.registry("crates/pl/as/plasmite").unwrap();
    assert_eq!(index.lines().count(), 2, "{index}");
    let npm_doc: Value = serde_json::from_str(&world.registry("npm/plasmite").unwrap()).unwrap();
    assert_eq!(npm_doc["dist-tags"]["latest"], "0.2.0");
    assert_formula(&world, "0.2.0", &sums);
    assert_eq!(world.tap_commits(), 2);
    let release = &world.github()["releases"]["v0.2.0"];
    assert_eq!(release["notes"], "### Changed\n\n- A later release.\n");
    assert!(publish.job("delivery").log.contains("delivery: ok"));
}

#[test]
fn a_pre_release_stays_out_of_the_tap_and_of_latest() {
    let mut world = World::new();
    let stable_sums = released_v0_1_0(&mut world);
    let formula = world.tap_file("Formula/plasmite.rb").unwrap();
    let build = world.build("0.2.0-rc.1", "### Added\n\n- A release candidate.");
    assert_build(&world, &build, "0.2.0-rc.1", "0.2.0rc1");
    let publish = world.publish(build.id);
    publish.assert_success();
    assert_calls(
        &world,
        &publish,
        &[
            "cargo publish --locked",
            "npm publish npm/plasmite-0.2.0-rc.1.tgz --access public --provenance --tag rc",
            "python -m twine upload --non-interactive --skip-existing python-dist/plasmite-0.2.0rc1-py3-none-any.whl python-dist/plasmite-0.2.0rc1.tar.gz",
            "gh release create v0.2.0-rc.1 assets/plasmite_0.2.0-rc.1_linux-x86_64.tar.gz assets/plasmite_0.2.0-rc.1_macos-arm64.tar.gz assets/plasmite_0.2.0-rc.1_macos-x86_64.tar.gz assets/plasmite_0.2.0-rc.1_windows-x86_64.zip assets/sha256sums.txt --repo plasmite/plasmite --verify-tag --title v0.2.0-rc.1 --notes-file notes.md --prerelease",
        ],
    );
    assert_eq!(
        world.tap_file("Formula/plasmite.rb").unwrap(),
        formula,
        "the tap keeps 0.1.0"
    );
    assert_formula(&world, "0.1.0", &stable_sums);
    assert_eq!(world.tap_commits(), 1);
    assert_eq!(
        publish.job("publish-homebrew").result,
        "skipped",
        "a pre-release never touches the tap"
    );
    let npm_doc: Value = serde_json::from_str(&world.registry("npm/plasmite").unwrap()).unwrap();
    assert_eq!(npm_doc["dist-tags"]["latest"], "0.1.0");
    assert_eq!(npm_doc["dist-tags"]["rc"], "0.2.0-rc.1");
    assert_eq!(
        world.github()["releases"]["v0.2.0-rc.1"]["prerelease"],
        true
    );
    let delivery = &publish.job("delivery").log;
    assert!(
        delivery.contains("homebrew  skip  a pre-release"),
        "{delivery}"
    );
    assert!(delivery.contains("delivery: ok"), "{delivery}");
}

#[test]
fn a_rerun_after_a_partial_publish_publishes_only_what_is_missing() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    let sums = assert_build(&world, &build, "0.1.0", "0.1.0");
    world.fail_once("npm-publish");
    let first = world.publish(build.id);
    assert_eq!(first.job("publish-npm").result, "failure");
    for job in ["publish-crates", "publish-pypi"] {
        assert_eq!(
            first.job(job).result,
            "success",
            "{job}: {}",
            first.job(job).log
        );
    }
    assert_eq!(
        first.job("github-release").result,
        "skipped",
        "no release while a channel failed"
    );
    assert_eq!(
        first.job("publish-homebrew").result,
        "skipped",
        "no formula before the release holds its assets"
    );
    assert_eq!(first.job("delivery").result, "skipped");
    assert!(world.github()["releases"].as_object().unwrap().is_empty());
    assert_eq!(world.tap_commits(), 0, "the tap is still empty");

    let rerun = world.publish(build.id);
    rerun.assert_success();
    assert_calls(
        &world,
        &rerun,
        &[
            "npm publish npm/plasmite-0.1.0.tgz --access public --provenance --tag latest",
            "gh release create v0.1.0 assets/plasmite_0.1.0_linux-x86_64.tar.gz assets/plasmite_0.1.0_macos-arm64.tar.gz assets/plasmite_0.1.0_macos-x86_64.tar.gz assets/plasmite_0.1.0_windows-x86_64.zip assets/sha256sums.txt --repo plasmite/plasmite --verify-tag --title v0.1.0 --notes-file notes.md",
        ],
    );
    let notices = |job: &str| rerun.job(job).notices.join("\n");
    assert!(
        notices("publish-crates").contains("already on crates.io, with this build's checksum"),
        "{}",
        rerun.job("publish-crates").log
    );
    assert!(
        notices("publish-pypi").contains("already on PyPI, with this build's digests"),
        "{}",
        rerun.job("publish-pypi").log
    );
    assert_eq!(world.calls_of("cargo", &["publish"]).len(), 1);
    assert_eq!(world.calls_of("python", &["-m", "twine"]).len(), 1);
    assert_eq!(world.tap_commits(), 1);
    assert_formula(&world, "0.1.0", &sums);
    assert_eq!(
        world.calls_of("npm", &["publish"]).last().unwrap()["auth"],
        "token"
    );
    assert!(rerun.job("delivery").log.contains("delivery: ok"));
}

#[test]
fn registries_holding_other_files_of_the_version_fail_their_publish() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    // Someone else's plasmite 0.1.0 on crates.io and on PyPI.
    let other = "0".repeat(64);
    world.seed(
        "crates/pl/as/plasmite",
        &format!(
            "{{\"name\":\"plasmite\",\"vers\":\"0.1.0\",\"cksum\":\"{other}\",\"yanked\":false}}\n"
        ),
    );
    world.seed(
        "pypi/pypi/plasmite/json",
        &json!({"info": {"version": "0.1.0"}, "releases": {"0.1.0": [
            {"filename": "plasmite-0.1.0.tar.gz", "digests": {"sha256": other}}]}})
        .to_string(),
    );
    // The version's own document, which the xtask reads.
    world.seed(
        "pypi/pypi/plasmite/0.1.0/json",
        &json!({"info": {"version": "0.1.0"}, "urls": [
            {"filename": "plasmite-0.1.0.tar.gz", "digests": {"sha256": other}}]})
        .to_string(),
    );
    let publish = world.publish(build.id);
    for (job, says) in [
        (
            "publish-crates",
            "crates.io holds another v0.1.0 than this build made",
        ),
        (
            "publish-pypi",
            "PyPI holds other files for v0.1.0 than this build made",
        ),
    ] {
        let j = publish.job(job);
        assert_eq!(j.result, "failure", "{job}: {}", j.log);
        assert!(
            j.errors.iter().any(|e| e.contains(says)),
            "{job}: {:?}\n{}",
            j.errors,
            j.log
        );
        assert!(
            j.log.contains(&other),
            "names the registry's checksum: {}",
            j.log
        );
    }
    assert!(world.calls_of("cargo", &["publish"]).is_empty());
    assert!(world.calls_of("python", &["-m", "twine"]).is_empty());
    assert_eq!(publish.job("github-release").result, "skipped");
    assert_eq!(publish.job("publish-homebrew").result, "skipped");
    assert_eq!(world.tap_commits(), 0);
}

#[test]
fn an_empty_release_notes_section_stops_the_build_in_its_first_job() {
    let mut world = World::new();
    let build = world.build("0.1.0", "");
    let context = build.job("context");
    assert_eq!(context.result, "failure", "{}", context.log);
    assert!(context.log.contains("0.1.0"), "{}", context.log);
    for job in ["build", "python", "node", "checksums"] {
        assert_eq!(build.job(job).result, "skipped", "{job}");
    }
    assert!(
        !world.has_artifacts(build.id),
        "nothing is built or uploaded"
    );
    assert!(world.calls_of("cargo", &["build"]).is_empty());
}

#[test]
fn the_publish_refuses_another_workflow_s_run_and_a_first_npm_publish_without_a_token() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    // A run of another workflow, with a ref after the path: refused.
    let mut github = world.github();
    github["runs"][build.id.to_string()]["path"] =
        json!(".github/workflows/ci.yml@refs/heads/main");
    std::fs::write(world.state.join("github.json"), github.to_string()).unwrap();
    let publish = world.publish(build.id);
    let resolve = publish.job("resolve");
    assert_eq!(resolve.result, "failure");
    assert!(
        resolve.errors.iter().any(
            |e| e.contains("is of .github/workflows/ci.yml, not .github/workflows/release.yml")
        ),
        "{:?}",
        resolve.errors
    );
    // The release workflow's run, but npm has no package yet and no NPM_TOKEN is set.
    github["runs"][build.id.to_string()]["path"] =
        json!(".github/workflows/release.yml@refs/tags/v0.1.0");
    std::fs::write(world.state.join("github.json"), github.to_string()).unwrap();
    world.secrets.remove("NPM_TOKEN");
    let publish = world.publish(build.id);
    assert_eq!(
        publish.job("resolve").result,
        "success",
        "{}",
        publish.job("resolve").log
    );
    let preflight = publish.job("preflight");
    assert_eq!(preflight.result, "failure");
    assert!(
        preflight
            .errors
            .iter()
            .any(|e| e.contains("missing repository secret NPM_TOKEN")),
        "{:?}",
        preflight.errors
    );
    for job in [
        "publish-crates",
        "publish-npm",
        "publish-pypi",
        "publish-homebrew",
        "github-release",
    ] {
        assert_eq!(publish.job(job).result, "skipped", "{job}");
    }
    assert!(publish_calls(&world, &publish).is_empty());
    assert_eq!(world.tap_commits(), 0);
}

/// The publish jobs that must not run when the preflight fails.
const PUBLISHING: [&str; 5] = [
    "publish-crates",
    "publish-npm",
    "publish-pypi",
    "github-release",
    "publish-homebrew",
];

#[test]
fn a_first_release_that_is_a_pre_release_needs_no_tap_token_and_leaves_the_empty_tap_alone() {
    let mut world = World::new();
    // The tap token is only for the tap, which a pre-release never touches.
    world.secrets.remove("HOMEBREW_TAP_TOKEN");
    let build = world.build("0.1.0-rc.1", "### Added\n\n- A first candidate.");
    assert_build(&world, &build, "0.1.0-rc.1", "0.1.0rc1");
    let publish = world.publish(build.id);
    publish.assert_success();
    assert_eq!(publish.job("resolve").outputs["prerelease"], "true");
    assert!(
        publish
            .job("preflight")
            .log
            .contains("tap: plasmite/homebrew-tap is not touched by a pre-release"),
        "{}",
        publish.job("preflight").log
    );
    assert_eq!(publish.job("publish-homebrew").result, "skipped");
    assert_eq!(world.tap_commits(), 0, "the tap is still a new repository");
    assert_eq!(
        world.github()["releases"]["v0.1.0-rc.1"]["prerelease"],
        true
    );
    let delivery = &publish.job("delivery").log;
    assert!(delivery.contains("delivery: ok"), "{delivery}");
}

#[test]
fn missing_secrets_stop_every_publish_with_or_without_allow_partial_release() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    world.secrets.remove("PYPI_API_TOKEN");
    world.secrets.remove("CARGO_REGISTRY_TOKEN");
    for allow_partial_release in [false, true] {
        let publish = world.publish_with(build.id, allow_partial_release);
        let preflight = publish.job("preflight");
        assert_eq!(preflight.result, "failure", "{}", preflight.log);
        // Every missing secret at once, each with what RELEASING.md asks for.
        for says in [
            "missing repository secret CARGO_REGISTRY_TOKEN (a crates.io API token with the publish-new scope while the crate is not on crates.io, publish-update after)",
            "missing repository secret PYPI_API_TOKEN (a PyPI API token for the whole account until the project exists on PyPI, then one for the project)",
        ] {
            assert!(
                preflight.errors.iter().any(|e| e == says),
                "{says}: {:?}",
                preflight.errors
            );
        }
        for job in PUBLISHING.iter().chain(&["delivery"]) {
            assert_eq!(
                publish.job(job).result,
                "skipped",
                "{job} with allow_partial_release={allow_partial_release}"
            );
        }
        assert!(publish_calls(&world, &publish).is_empty());
        assert!(world.github()["releases"].as_object().unwrap().is_empty());
        assert_eq!(world.tap_commits(), 0);
    }
}

#[test]
fn a_tap_that_does_not_exist_or_cannot_be_pushed_stops_the_release_in_the_preflight() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    let says = "HOMEBREW_TAP_TOKEN cannot push to plasmite/homebrew-tap: create the tap on GitHub (an empty repository is fine) and give the token contents: write on it";
    // A token that may only read the tap.
    world.git_tokens[0].push = false;
    let publish = world.publish(build.id);
    let preflight = publish.job("preflight");
    assert_eq!(preflight.result, "failure", "{}", preflight.log);
    assert!(
        preflight.errors.iter().any(|e| e == says),
        "{:?}",
        preflight.errors
    );
    // No tap at all.
    world.git_tokens[0].push = true;
    std::fs::remove_dir_all(&world.tap).unwrap();
    let publish = world.publish(build.id);
    let preflight = publish.job("preflight");
    assert_eq!(preflight.result, "failure", "{}", preflight.log);
    assert!(
        preflight.errors.iter().any(|e| e == says),
        "{:?}",
        preflight.errors
    );
    for job in PUBLISHING {
        assert_eq!(publish.job(job).result, "skipped", "{job}");
    }
    assert!(world.calls_of("cargo", &["publish"]).is_empty());
    assert!(world.calls_of("npm", &["publish"]).is_empty());
}

#[test]
fn the_tap_is_updated_only_after_the_github_release_holds_every_asset() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    let sums = assert_build(&world, &build, "0.1.0", "0.1.0");
    world.fail_once("gh-release-create");
    let first = world.publish(build.id);
    for job in ["publish-crates", "publish-npm", "publish-pypi"] {
        assert_eq!(first.job(job).result, "success", "{job}");
    }
    assert_eq!(first.job("github-release").result, "failure");
    assert_eq!(
        first.job("publish-homebrew").result,
        "skipped",
        "no formula whose downloads would 404"
    );
    assert_eq!(world.tap_commits(), 0);
    let rerun = world.publish(build.id);
    rerun.assert_success();
    assert_eq!(
        world.github()["releases"]["v0.1.0"]["assets"]
            .as_object()
            .unwrap()
            .len(),
        5
    );
    assert_formula(&world, "0.1.0", &sums);
    assert_eq!(world.tap_commits(), 1);
    assert!(rerun.job("delivery").log.contains("delivery: ok"));
}

#[test]
fn a_permitted_partial_release_goes_out_and_is_still_checked_for_delivery() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    let sums = assert_build(&world, &build, "0.1.0", "0.1.0");
    world.fail_once("twine-upload");
    let publish = world.publish_with(build.id, true);
    assert_eq!(publish.job("publish-pypi").result, "failure");
    for job in [
        "publish-crates",
        "publish-npm",
        "github-release",
        "publish-homebrew",
    ] {
        assert_eq!(
            publish.job(job).result,
            "success",
            "{job}: {}",
            publish.job(job).log
        );
    }
    assert_formula(&world, "0.1.0", &sums);
    // The delivery check runs (a job-level success() would have skipped it,
    // as publish-pypi failed) and names what is missing.
    let delivery = publish.job("delivery");
    assert_eq!(delivery.result, "failure", "{}", delivery.log);
    assert!(
        delivery
            .errors
            .iter()
            .any(|e| e.starts_with("pypi does not serve v0.1.0")),
        "{:?}\n{}",
        delivery.errors,
        delivery.log
    );
    assert!(
        delivery.errors.iter().any(|e| e == "a partial release (allow_partial_release): pypi did not publish v0.1.0: an incident, fix forward with a patch release"),
        "{:?}",
        delivery.errors
    );
    // The channels that did publish were checked and serve it.
    for channel in ["crates", "npm", "homebrew", "github", "go"] {
        assert!(
            delivery.log.contains(&format!("{channel} "))
                && !delivery
                    .errors
                    .iter()
                    .any(|e| e.starts_with(&format!("{channel} "))),
            "{channel}: {}",
            delivery.log
        );
    }
}

#[test]
fn a_build_of_a_tag_that_does_not_exist_names_both_tags_to_push() {
    let mut world = World::new();
    let inputs = json!({"tag": "v9.9.9"});
    let build = world.run("release.yml", crate::actions::Event::Dispatch { inputs });
    let context = build.job("context");
    assert_eq!(context.result, "failure", "{}", context.log);
    assert_eq!(
        context.errors,
        [
            "plasmite/plasmite has no tag v9.9.9 bindings/go/v9.9.9: push both tags of the release at once (git push --atomic origin v9.9.9 bindings/go/v9.9.9), as cargo xtask release v9.9.9 --live does"
        ]
    );
    for job in ["build", "python", "node", "checksums"] {
        assert_eq!(build.job(job).result, "skipped", "{job}");
    }
    // The tag without the Go module's tag.
    world.bump("0.1.0", "### Added\n\n- The first release.");
    world.repo.git(&["tag", "-a", "v0.1.0", "-m", "v0.1.0"]);
    world.repo.git(&["push", "--quiet", "origin", "v0.1.0"]);
    let build = world.run(
        "release.yml",
        crate::actions::Event::Push {
            tag: "v0.1.0".into(),
        },
    );
    let context = build.job("context");
    assert_eq!(context.result, "failure", "{}", context.log);
    assert!(
        context.errors[0].starts_with("plasmite/plasmite has no tag bindings/go/v0.1.0: "),
        "{:?}",
        context.errors
    );
}

#[test]
fn a_retired_runner_label_stops_the_build_in_its_first_job() {
    let mut world = World::new();
    world.today = "2026-12-02".into();
    let config = world.repo.read("release/config.toml");
    world.repo.write(
        "release/config.toml",
        &config.replacen("runner = \"macos-15\"", "runner = \"macos-14\"", 1),
    );
    world
        .repo
        .commit_and_push("build the arm64 mac on macos-14");
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    let context = build.job("context");
    assert_eq!(context.result, "failure", "{}", context.log);
    assert!(
        context.log.contains(
            "[[target]] aarch64-apple-darwin runs on macos-14, which GitHub retired on 2026-11-02"
        ),
        "{}",
        context.log
    );
    assert!(!world.has_artifacts(build.id), "nothing is built");
    // This repository's config builds on runners GitHub hosts that day.
    assert!(
        !config.contains("runner = \"macos-14\""),
        "release/config.toml"
    );
}
