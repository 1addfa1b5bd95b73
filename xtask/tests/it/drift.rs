//! Drift between the docs, the skill, the workflows and the tool: each kind,
//! introduced into a temporary copy of this repository, is caught by `verify`.

use crate::support::TempRepo;

/// Applies `edit` to a fresh copy of the repository and returns what `verify` said.
fn drifted(rel: &str, edit: impl FnOnce(String) -> String) -> String {
    let repo = TempRepo::of_workspace();
    let text = repo.read(rel);
    let changed = edit(text.clone());
    assert_ne!(changed, text, "the edit to {rel} changed nothing");
    repo.write(rel, &changed);
    let run = repo.xtask(&["verify"]);
    run.failure(1);
    run.stdout.clone()
}

#[test]
fn the_repository_copy_is_clean() {
    TempRepo::of_workspace().xtask(&["verify"]).success();
}

#[test]
fn a_command_that_does_not_parse() {
    let err = drifted("README.md", |t| {
        t + "\nThen run `cargo xtask relase v0.2.0`.\n"
    });
    assert!(err.contains("README.md:"), "{err}");
    assert!(
        err.contains(
            "`cargo xtask relase v0.2.0` does not parse: unrecognized subcommand 'relase'"
        ),
        "{err}"
    );
    let err = drifted("skills/plasmite-release-manager/SKILL.md", |t| {
        t.replace("--live --agent", "--go-live --agent")
    });
    assert!(
        err.contains("skills/plasmite-release-manager/SKILL.md:"),
        "{err}"
    );
    assert!(err.contains("unexpected argument '--go-live'"), "{err}");
}

#[test]
fn a_path_that_does_not_exist() {
    let err = drifted("RELEASING.md", |t| {
        t + "\nSee `xtask/scripts/release.sh` for the old way.\n"
    });
    assert!(err.contains("RELEASING.md:"), "{err}");
    assert!(
        err.contains("names `xtask/scripts/release.sh`, which does not exist"),
        "{err}"
    );
    let err = drifted("docs/architecture.md", |t| {
        t + "\n[gone](../xtask/src/nowhere.rs)\n"
    });
    assert!(
        err.contains("names `../xtask/src/nowhere.rs`, which does not exist"),
        "{err}"
    );
}

#[test]
fn version_sites_that_differ_from_the_config() {
    let err = drifted("docs/record/versioning.md", |t| {
        t.replace(
            "| `homebrew/plasmite.rb` | `homebrew` |",
            "| `Formula/plasmite.rb` | `homebrew` |",
        )
    });
    assert!(err.contains("lists the site `Formula/plasmite.rb` (homebrew), which release/config.toml does not declare"), "{err}");
    assert!(
        err.contains("does not list the site `homebrew/plasmite.rb` (homebrew)"),
        "{err}"
    );
    let err = drifted("release/config.toml", |t| {
        t + "\n[[site]]\npath = \"README.md\"\nkind = \"pattern\"\npattern = \"plasmite {version}\"\ncount = 0\n"
    });
    assert!(err.contains("count must be at least 1"), "{err}");
}

#[test]
fn a_workflow_or_input_that_does_not_exist() {
    let err = drifted("RELEASING.md", |t| {
        t.replace(
            "`release-publish.yml` with the build's run ID",
            "`publish.yml` with the build's run ID",
        )
    });
    assert!(
        err.contains("names the workflow `publish.yml`, which is not in .github/workflows/"),
        "{err}"
    );
    let err = drifted("skills/plasmite-release-manager/SKILL.md", |t| {
        t.replace("-f allow_partial_release=false", "-f partial=false")
    });
    assert!(
        err.contains(
            "passes `-f partial=…`, which no workflow_dispatch in .github/workflows/ declares"
        ),
        "{err}"
    );
    let err = drifted(".github/workflows/release-publish.yml", |t| {
        t.replace("allow_partial_release:", "allow_partial:")
    });
    assert!(
        err.contains("declares no such workflow_dispatch input"),
        "{err}"
    );
}

#[test]
fn channels_the_tool_does_not_accept() {
    let rel = "skills/plasmite-release-manager/references/delivery-verification.md";
    let err = drifted(rel, |t| t.replacen("| `pypi` |", "| `conda` |", 1));
    assert!(
        err.contains("lists the channel `conda`, which `cargo xtask delivery` does not accept"),
        "{err}"
    );
    assert!(
        err.contains("does not list the channel `pypi` that `cargo xtask delivery` checks"),
        "{err}"
    );
    let err = drifted(rel, |t| {
        t.replace(
            "--channels crates,npm,pypi,homebrew,github",
            "--channels crates,docker",
        )
    });
    assert!(err.contains("passes the channel `docker`"), "{err}");
}

#[test]
fn a_publish_workflow_whose_runs_cannot_be_told_apart() {
    let err = drifted(".github/workflows/release-publish.yml", |t| {
        t.replace(
            "run-name: ${{ inputs.rehearsal && 'Rehearse the publish of build' || 'Publish build' }} ${{ inputs.build_run_id }}",
            "run-name: Publish",
        )
    });
    assert!(
        err.contains("finds this workflow's runs by their title, but its `run-name` is `Publish`"),
        "{err}"
    );
    assert!(
        err.contains("set `run-name: ${{ inputs.rehearsal && 'Rehearse the publish of build' || 'Publish build' }} ${{ inputs.build_run_id }}`"),
        "{err}"
    );
}

#[test]
fn the_runbook_and_the_skill_say_what_the_policy_says() {
    let root = crate::support::workspace_root();
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).unwrap();
    let releasing = read("RELEASING.md");
    let skill = read("skills/plasmite-release-manager/SKILL.md");
    let references = root.join("skills/plasmite-release-manager/references");
    for entry in std::fs::read_dir(references).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            releasing.contains(&format!(
                "skills/plasmite-release-manager/references/{name}"
            )),
            "RELEASING.md does not list the skill's reference {name}"
        );
    }
    assert!(releasing.contains("If this page and the skill disagree, follow the skill"));
    // The publish-only retry as the policy states it, in both: what
    // `cargo xtask publish` dispatches.
    let retry = "gh workflow run release-publish.yml --repo plasmite/plasmite -f build_run_id=1234567890 -f allow_partial_release=false";
    assert!(releasing.contains(retry), "RELEASING.md lacks `{retry}`");
    assert!(skill.contains(retry), "SKILL.md lacks `{retry}`");
    assert!(
        !skill.contains("no manual\n`gh workflow run`")
            && !skill.contains("no manual `gh workflow run`")
    );
    assert!(
        skill.contains("under\n   `## [Unreleased]`") || skill.contains("under `## [Unreleased]`")
    );
}

#[test]
fn on_github_actions_drift_is_an_annotation_on_its_line_and_a_summary() {
    let repo = TempRepo::of_workspace();
    let readme = repo.read("README.md");
    let line = readme.lines().count() + 2;
    // A message with a percent sign (and clap's reason after it).
    repo.write(
        "README.md",
        &(readme + "\nThen run `cargo xtask relase 50%`.\n"),
    );
    let summary = repo.base().join("step-summary.md");
    let run = crate::support::xtask_env(
        &repo.dir,
        &["verify"],
        &[
            ("GITHUB_ACTIONS", "true".as_ref()),
            ("GITHUB_STEP_SUMMARY", summary.as_os_str()),
        ],
    );
    run.failure(1);
    let annotations: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        annotations,
        [format!(
            "::error file=README.md,line={line}::`cargo xtask relase 50%25` does not parse: unrecognized subcommand 'relase' (fix: write the command as `cargo xtask --help` shows it)"
        )],
        "{}",
        run.all()
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("### cargo xtask verify\n\n| severity | where | problem | fix |\n| --- | --- | --- | --- |\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "| error | README.md:{line} | `cargo xtask relase 50%` does not parse"
        )),
        "{text}"
    );
    // Elsewhere, no workflow command and no summary.
    std::fs::remove_file(&summary).unwrap();
    let plain = repo.xtask(&["verify"]);
    assert!(!plain.all().contains("::error"), "{}", plain.all());
    assert!(!summary.exists());
}

/// Every `gh workflow run` the maintainer documents names the repository
/// with `--repo`, so it works when followed in a clone whose remote is not
/// on GitHub; `gh` accepts the line (the fake gh is as strict as gh 2.23).
#[test]
fn documented_manual_dispatches_name_the_repository() {
    let root = crate::support::workspace_root();
    let config = std::fs::read_to_string(root.join("release/config.toml")).unwrap();
    let repo = config
        .lines()
        .find_map(|l| l.strip_prefix("github_repo = "))
        .unwrap()
        .trim_matches('"')
        .to_string();
    let mut found = 0;
    for doc in ["RELEASING.md", "skills/plasmite-release-manager/SKILL.md"] {
        let text = std::fs::read_to_string(root.join(doc)).unwrap();
        for span in text.split('`').skip(1).step_by(2) {
            if span.starts_with("gh workflow run ") {
                found += 1;
                assert!(
                    span.contains(&format!("--repo {repo} ")),
                    "{doc}: `{span}` does not name --repo {repo}"
                );
            }
        }
    }
    assert!(found > 0, "RELEASING.md documents the manual dispatch");
}
