//! The rehearsal, run by the local Actions harness (`actions/`): release.yml
//! dispatched for a commit with `rehearsal=true` before any tag exists, then
//! release-publish.yml with `rehearsal=true` and that build's run ID. It
//! does everything short of publishing: every registry, GitHub's releases,
//! the tap (a new repository: not one commit) and origin's tags are as they
//! were; and it fails where the publish would.

use serde_json::Value;

use crate::actions::{Run, World};

/// The jobs of the publish workflow that would publish.
const CHANNELS: [&str; 5] = [
    "publish-crates",
    "publish-npm",
    "publish-pypi",
    "github-release",
    "publish-homebrew",
];

fn argv(call: &Value) -> Vec<&str> {
    call["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect()
}

/// The calls of one run to the publishing tools (`cargo publish`, `npm
/// publish`, twine, `gh release` but its reads), as argv lines.
fn publishing_calls(world: &World, run: &Run) -> Vec<String> {
    let mut calls: Vec<String> = world
        .calls()
        .iter()
        .filter(|c| c["run"].as_str() == Some(run.id.to_string().as_str()))
        .filter(|c| {
            let a = argv(c);
            match (c["tool"].as_str().unwrap(), a.as_slice()) {
                ("cargo", ["publish", ..]) | ("npm", ["publish", ..]) => true,
                ("python", ["-m", "twine", ..]) => true,
                ("gh", ["release", verb, ..]) => !matches!(*verb, "view" | "download"),
                _ => false,
            }
        })
        .map(|c| format!("{} {}", c["tool"].as_str().unwrap(), argv(c).join(" ")))
        .collect();
    calls.sort();
    calls
}

/// Nothing of `version` anywhere: no registry holds it, GitHub has no
/// release, the tap has no commit and no formula, origin has no tag.
fn assert_nothing_published(world: &World) {
    assert_eq!(
        world.registry("crates/pl/as/plasmite"),
        None,
        "crates.io's index has no plasmite"
    );
    assert_eq!(world.registry("npm/plasmite"), None, "npm has no plasmite");
    assert_eq!(
        world.registry("pypi/pypi/plasmite/json"),
        None,
        "PyPI has no plasmite"
    );
    let github = world.github();
    assert!(
        github["releases"].as_object().unwrap().is_empty(),
        "no GitHub release: {}",
        github["releases"]
    );
    assert_eq!(world.tap_commits(), 0, "the tap is still a new repository");
    assert_eq!(world.tap_file("Formula/plasmite.rb"), None);
    assert!(
        world.origin_tags().is_empty(),
        "no tag reached origin: {:?}",
        world.origin_tags()
    );
}

#[test]
fn a_publish_rehearsal_publishes_nothing_and_leaves_the_tap_alone() {
    let mut world = World::new();
    let build = world.rehearse_build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    assert_eq!(build.title, "Rehearse the build of v0.1.0");
    let head = world.repo.git(&["rev-parse", "HEAD"]);
    let context = build.job("context");
    assert_eq!(context.outputs["tag"], "v0.1.0");
    assert_eq!(context.outputs["version"], "0.1.0");
    assert_eq!(
        context.outputs["source_sha"],
        head.as_str(),
        "the dispatched commit is built"
    );
    for artifact in [
        "release-metadata",
        "cli-linux-x86_64",
        "cli-macos-arm64",
        "cli-macos-x86_64",
        "cli-windows-x86_64",
        "python-dist",
        "npm-package",
        "sha256sums",
    ] {
        assert!(
            !world.artifact(build.id, artifact).is_empty(),
            "the rehearsal build uploads {artifact}"
        );
    }
    assert!(world.origin_tags().is_empty(), "the build pushes no tag");

    let publish = world.rehearse_publish(build.id);
    publish.assert_success();
    assert_eq!(
        publish.title,
        format!("Rehearse the publish of build {}", build.id)
    );
    assert_eq!(
        world.github()["runs"][publish.id.to_string()]["display_title"],
        publish.title.as_str(),
        "GitHub's record of the run carries the title the xtask finds it by"
    );
    assert_eq!(publish.job("resolve").outputs["tag"], "v0.1.0");
    assert_eq!(publish.job("resolve").outputs["source_sha"], head.as_str());
    // Every job ran its own steps and passed.
    for (id, job) in &publish.jobs {
        assert_eq!(job.result, "success", "{id}: {}", job.log);
    }
    assert_eq!(
        publish.jobs.len(),
        CHANNELS.len() + 3,
        "{}",
        publish.results()
    );
    let preflight = &publish.job("preflight").log;
    assert!(
        preflight.contains("tap: HOMEBREW_TAP_TOKEN may push to plasmite/homebrew-tap"),
        "the preflight checks the tap with the real token: {preflight}"
    );
    assert!(
        preflight.contains("this first publish uses NPM_TOKEN"),
        "{preflight}"
    );
    // Nothing was published, so nothing is checked for delivery.
    let delivery = &publish.job("delivery").log;
    assert!(
        !delivery.contains("--- Every channel serves the release"),
        "{delivery}"
    );
    assert!(
        world
            .calls_of("cargo", &["xtask", "delivery"])
            .iter()
            .all(|c| c["job"] != "delivery"),
        "{delivery}"
    );
    // Only dry-runs and checks, with the files the publish would send.
    assert_eq!(
        publishing_calls(&world, &publish),
        [
            "cargo publish --locked --dry-run",
            "npm publish npm/plasmite-0.1.0.tgz --dry-run --access public --tag latest",
            "python -m twine check --strict python-dist/plasmite-0.1.0-py3-none-any.whl python-dist/plasmite-0.1.0.tar.gz",
        ]
    );
    for (job, says) in [
        (
            "publish-crates",
            "a rehearsal: cargo publish --dry-run, nothing is published",
        ),
        (
            "publish-npm",
            "a rehearsal: npm publish --dry-run, nothing is published",
        ),
        (
            "publish-pypi",
            "a rehearsal: twine check, nothing is uploaded",
        ),
        (
            "github-release",
            "a rehearsal: the release notes and assets of v0.1.0; no release is created",
        ),
        (
            "publish-homebrew",
            "a rehearsal: the formula is rendered and the tap may be pushed; nothing is pushed",
        ),
    ] {
        let j = publish.job(job);
        assert!(
            j.notices.iter().any(|n| n == says),
            "{job}: {:?}\n{}",
            j.notices,
            j.log
        );
        assert!(j.errors.is_empty(), "{job}: {:?}", j.errors);
    }
    // The release notes were rendered, and the formula of this build.
    assert!(
        publish
            .job("github-release")
            .log
            .contains("- The first release."),
        "{}",
        publish.job("github-release").log
    );
    let homebrew = &publish.job("publish-homebrew").log;
    assert!(
        homebrew.contains("plasmite v0.1.0") && homebrew.contains("Formula/plasmite.rb"),
        "the formula's commit, shown and not pushed: {homebrew}"
    );
    assert_nothing_published(&world);
}

/// What breaks one case's secrets or tap access.
type Breaks = fn(&mut World);

#[test]
fn a_rehearsal_fails_where_the_publish_would() {
    let mut world = World::new();
    let build = world.rehearse_build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    let secrets = world.secrets.clone();
    let cases: [(&str, Breaks, &str); 4] = [
        (
            "no CARGO_REGISTRY_TOKEN",
            |w: &mut World| {
                w.secrets.remove("CARGO_REGISTRY_TOKEN");
            },
            "missing repository secret CARGO_REGISTRY_TOKEN (a crates.io API token with the publish-new scope while the crate is not on crates.io, publish-update after)",
        ),
        (
            "no HOMEBREW_TAP_TOKEN",
            |w: &mut World| {
                w.secrets.remove("HOMEBREW_TAP_TOKEN");
            },
            "missing repository secret HOMEBREW_TAP_TOKEN (a token with contents: write on plasmite/homebrew-tap)",
        ),
        (
            "no NPM_TOKEN while npm has no package",
            |w: &mut World| {
                w.secrets.remove("NPM_TOKEN");
            },
            "missing repository secret NPM_TOKEN (npm token that may create plasmite; needed once, for its first publish)",
        ),
        (
            "a tap token that may only read",
            |w: &mut World| w.git_tokens[0].push = false,
            "HOMEBREW_TAP_TOKEN cannot push to plasmite/homebrew-tap: create the tap on GitHub (an empty repository is fine) and give the token contents: write on it",
        ),
    ];
    // Each preflight's errors, by case: the rehearsal's, then the publish's.
    let mut rehearsed = Vec::new();
    for (case, break_it, says) in &cases {
        break_it(&mut world);
        let rehearsal = world.rehearse_publish(build.id);
        let preflight = rehearsal.job("preflight");
        assert_eq!(preflight.result, "failure", "{case}: {}", preflight.log);
        assert!(
            preflight.errors.iter().any(|e| e == says),
            "{case}: {:?}",
            preflight.errors
        );
        for job in CHANNELS.iter().chain(&["delivery"]) {
            assert_eq!(rehearsal.job(job).result, "skipped", "{case}: {job}");
        }
        assert!(
            publishing_calls(&world, &rehearsal).is_empty(),
            "{case}: {:?}",
            publishing_calls(&world, &rehearsal)
        );
        assert_nothing_published(&world);
        rehearsed.push(preflight.errors.clone());
        world.secrets = secrets.clone();
        world.git_tokens[0].push = true;
    }

    // The tags pushed, the publish of that very build fails in the same
    // preflight with the same words, each time.
    world.push_tag("v0.1.0");
    for ((case, break_it, _), rehearsal_errors) in cases.iter().zip(&rehearsed) {
        break_it(&mut world);
        let publish = world.publish(build.id);
        assert_eq!(
            publish.job("resolve").result,
            "success",
            "{case}: {}",
            publish.job("resolve").log
        );
        let preflight = publish.job("preflight");
        assert_eq!(preflight.result, "failure", "{case}: {}", preflight.log);
        assert_eq!(&preflight.errors, rehearsal_errors, "{case}");
        assert!(publishing_calls(&world, &publish).is_empty(), "{case}");
        world.secrets = secrets.clone();
        world.git_tokens[0].push = true;
    }
    assert!(world.github()["releases"].as_object().unwrap().is_empty());
    assert_eq!(world.tap_commits(), 0);
    assert_eq!(world.registry("crates/pl/as/plasmite"), None);
}
