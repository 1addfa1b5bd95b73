//! The second release, and every one after it: one fixture repository
//! released 0.1.0 -> 0.2.0 -> 0.2.1 -> 0.3.0-rc.1 -> 0.3.0, each with a
//! dry-run that finds a blocker, the fix (closing it with `ergo done`), a
//! green dry-run and the live run, as a maintainer would.

use serde_json::Value;

use crate::support::{Run, TempRepo};

const VERSIONS: [&str; 5] = ["0.1.0", "0.2.0", "0.2.1", "0.3.0-rc.1", "0.3.0"];

fn first_release() -> TempRepo {
    TempRepo::with_fresh_origin("release/in", |dir| {
        let manifest = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        std::fs::write(&manifest, text.replace("1.5.0", "0.1.0")).unwrap();
        std::fs::write(
            dir.join("CHANGELOG.md"),
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-15\n\n### Added\n\n- The first release.\n",
        )
        .unwrap();
    })
}

fn last_record(repo: &TempRepo, tag: &str) -> Value {
    let path = format!(".scratch/release/evidence-{tag}.json");
    let doc: Value = serde_json::from_str(&repo.read(&path)).unwrap();
    doc["runs"].as_array().unwrap().last().unwrap().clone()
}

/// The open tasks of the epic `Release blockers: <tag>`.
fn open_blockers(repo: &TempRepo, tag: &str) -> Vec<Value> {
    let items = repo.ergo_items();
    let Some(epic) = items
        .iter()
        .find(|i| i["kind"] == "epic" && i["title"] == format!("Release blockers: {tag}"))
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|i| i["epic_id"] == epic["id"] && i["state"] != "done" && i["state"] != "canceled")
        .cloned()
        .collect()
}

fn release(repo: &TempRepo, tag: &str, live: bool, env: &[(&str, &str)]) -> Run {
    let mut args = vec!["release", tag];
    if live {
        args.push("--live");
    }
    repo.xtask_with(&args, env)
}

#[test]
fn five_releases_in_a_row() {
    let repo = first_release();
    let mut previous: Option<String> = None;
    for version in VERSIONS {
        let tag = format!("v{version}");
        if previous.is_some() {
            // The notes first, under `## [Unreleased]`; then every site moves.
            let changelog = repo.read("CHANGELOG.md").replace(
                "## [Unreleased]\n",
                &format!("## [Unreleased]\n\n### Fixed\n\n- What {version} fixes.\n"),
            );
            repo.write("CHANGELOG.md", &changelog);
            repo.xtask_with(&["bump", version], &[]).success();
            repo.git(&["commit", "--quiet", "-am", &format!("Release {tag}")]);
            repo.git(&["push", "--quiet", "origin", "main"]);
        }
        // A dry-run with a red gate files one blocker and tags nothing.
        release(&repo, &tag, false, &[("FAIL_GATE", "test")]).failure(1);
        let blockers = open_blockers(&repo, &tag);
        assert_eq!(blockers.len(), 1, "{tag}: {blockers:#?}");
        assert!(!repo.remote_tags().contains(&tag));
        // Live refuses while the blocker is open, even with the gate fixed.
        let refused = release(&repo, &tag, true, &[]);
        refused.failure(1);
        let id = blockers[0]["id"].as_str().unwrap();
        assert!(
            refused.all().contains(&format!("ergo done {id}")),
            "{tag}: {}",
            refused.all()
        );
        // The fix: the gate is green, the blocker closed as the tool says.
        repo.ergo(&["done", id]).success();
        let dry = release(&repo, &tag, false, &[]);
        dry.success();
        assert_eq!(last_record(&repo, &tag)["outcome"], "ready");
        let context = &last_record(&repo, &tag)["context"];
        assert_eq!(
            context["base_tag"].as_str(),
            previous.as_deref(),
            "{tag}: the diff of the conditional gates starts at the last release"
        );
        let live = release(&repo, &tag, true, &[]);
        live.success();
        assert_eq!(last_record(&repo, &tag)["outcome"], "released", "{tag}");
        for made in [tag.clone(), format!("bindings/go/{tag}")] {
            assert!(repo.remote_tags().contains(&made), "{made} on origin");
        }
        assert!(open_blockers(&repo, &tag).is_empty());
        previous = Some(tag);
    }
    assert_eq!(repo.remote_tags().len(), 2 * VERSIONS.len());
    let epics = repo
        .ergo_items()
        .into_iter()
        .filter(|i| i["kind"] == "epic")
        .count();
    assert_eq!(epics, VERSIONS.len(), "one epic per release");
    let dispatches: Vec<String> = repo
        .gh_calls()
        .into_iter()
        .filter(|c| c.starts_with("workflow run"))
        .collect();
    let rehearsals = dispatches
        .iter()
        .filter(|c| c.ends_with("rehearsal=true"))
        .count();
    // Each release: a rehearsal build and a publish rehearsal before the
    // tag, then one publish of that very build.
    assert_eq!(rehearsals, 2 * VERSIONS.len(), "one rehearsal per release");
    assert_eq!(
        dispatches.len() - rehearsals,
        VERSIONS.len(),
        "one publish per release"
    );
}
