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
