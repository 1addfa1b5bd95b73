//! `cargo xtask verify`: offline consistency checks, every problem listed at once.

use std::path::Path;

use anyhow::Result;
use serde_json::json;
use toml_edit::ImDocument;

pub use crate::problem::Problem;
use crate::survey::{Repo, SiteState, agreement};
use crate::versions::{Kind, cargo_lock, changelog};

/// Every problem with the version sites, the lockfile and the changelog.
pub fn site_problems(repo: &Repo, states: &[SiteState]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let primary = states.first();
    let expected = agreement(states)
        .ok()
        .or_else(|| primary.and_then(|p| p.version().ok().cloned()));
    for state in states {
        let path = &state.site.path;
        match (state.version(), &expected) {
            (Err(err), _) => problems.push(Problem::new(
                "sites",
                path,
                format!("{} site: {err}", state.site.kind.name()),
                format!(
                    "fix {path}, or its [[site]] entry in {}",
                    crate::config::PATH
                ),
            )),
            (Ok(found), Some(expected)) if found != expected => {
                let primary_path = primary.map_or("", |p| p.site.path.as_str());
                let mut problem = Problem::new(
                    "sites",
                    path,
                    format!(
                        "{path} has version {} but {primary_path} has {expected}",
                        state.raw().unwrap_or_default()
                    ),
                    format!(
                        "run `cargo xtask sync` to write {expected} to every site, then commit"
                    ),
                );
                problem.line = state
                    .reading
                    .as_ref()
                    .ok()
                    .map(|r| crate::versions::line_of(&state.text, r.slots[0].range.start));
                problem.expected = Some(
                    state
                        .site
                        .form
                        .render(expected)
                        .unwrap_or_else(|_| expected.to_string()),
                );
                problem.found = state.raw().map(String::from);
                problems.push(problem);
            }
            _ => {}
        }
        if state.site.kind == Kind::Changelog
            && state.reading.is_ok()
            && !changelog::has_unreleased(&state.text)
        {
            problems.push(Problem::new(
                "changelog",
                path,
                format!("{path} has no `{}` heading", changelog::UNRELEASED),
                format!(
                    "add `{}` above the newest release section of {path}",
                    changelog::UNRELEASED
                ),
            ));
        }
    }
    problems.extend(lockfile_problems(&repo.root, states));
    problems
}

/// Cargo.lock must hold each workspace package at its manifest's version.
fn lockfile_problems(root: &Path, states: &[SiteState]) -> Vec<Problem> {
    let fix = "run `cargo update --workspace --offline` (or any cargo build) to refresh Cargo.lock, then commit";
    let Ok(lock) = std::fs::read_to_string(root.join("Cargo.lock")) else {
        if root.join("Cargo.toml").is_file() {
            return vec![Problem::new(
                "lockfile",
                "Cargo.lock",
                "Cargo.lock is missing",
                fix,
            )];
        }
        return Vec::new();
    };
    // Packages a cargo-lock site covers are already checked against the lock-step version.
    let covered: Vec<&String> = states
        .iter()
        .filter_map(|s| match &s.site.kind {
            Kind::CargoLock { packages } => Some(packages),
            _ => None,
        })
        .flatten()
        .collect();
    let entries = match cargo_lock::entries(&lock) {
        Ok(entries) => entries,
        Err(err) => {
            return vec![Problem::new(
                "lockfile",
                "Cargo.lock",
                format!("Cargo.lock: {err:#}"),
                fix,
            )];
        }
    };
    let mut problems = Vec::new();
    for (manifest, name, version) in workspace_packages(root) {
        if covered.contains(&&name) {
            continue;
        }
        let locked: Vec<&cargo_lock::Entry> = entries.iter().filter(|e| e.name == name).collect();
        if !locked.iter().any(|e| e.version == version) {
            let found = locked.first().map(|e| e.version.clone());
            let mut problem = Problem::new(
                "lockfile",
                "Cargo.lock",
                format!(
                    "Cargo.lock has {name} {} but {manifest} has {version}",
                    found.as_deref().unwrap_or("no entry")
                ),
                fix,
            );
            problem.expected = Some(version);
            problem.found = found;
            problems.push(problem);
        }
    }
    problems
}

/// `(manifest path, name, version)` of the root package and each workspace member.
fn workspace_packages(root: &Path) -> Vec<(String, String, String)> {
    let read = |rel: &str| std::fs::read_to_string(root.join(rel)).ok();
    let Some(root_text) = read("Cargo.toml") else {
        return Vec::new();
    };
    let Ok(root_doc) = ImDocument::parse(root_text.as_str()) else {
        return Vec::new();
    };
    let workspace_version = root_doc
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .map(String::from);
    let package_of = |rel: &str, text: &str| -> Option<(String, String, String)> {
        let doc = ImDocument::parse(text).ok()?;
        let package = doc.get("package")?;
        let name = package.get("name")?.as_str()?.to_string();
        let version = match package.get("version") {
            Some(v) if v.is_str() => v.as_str()?.to_string(),
            Some(_) => workspace_version.clone()?,
            None => "0.0.0".to_string(),
        };
        Some((rel.to_string(), name, version))
    };
    let mut packages: Vec<_> = package_of("Cargo.toml", &root_text).into_iter().collect();
    let members = root_doc
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for member in members {
        let dirs: Vec<String> = match member.strip_suffix("/*") {
            Some(parent) => std::fs::read_dir(root.join(parent))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| format!("{parent}/{}", e.file_name().to_string_lossy()))
                .collect(),
            None => vec![member],
        };
        for dir in dirs {
            let rel = format!("{dir}/Cargo.toml");
            if let Some(package) = read(&rel).and_then(|text| package_of(&rel, &text)) {
                packages.push(package);
            }
        }
    }
    packages
}

/// Prints problems (or a success line) in text or JSON, and warnings (which
/// do not fail); true when there are no problems.
pub fn report(
    problems: &[Problem],
    warnings: &[String],
    version: Option<String>,
    as_json: bool,
) -> Result<bool> {
    if as_json {
        let doc = json!({
            "ok": problems.is_empty(),
            "version": version,
            "problems": problems.iter().map(Problem::to_json).collect::<Vec<_>>(),
            "warnings": warnings,
        });
        crate::ui::document(&serde_json::to_string_pretty(&doc)?);
        return Ok(problems.is_empty());
    }
    for warning in warnings {
        crate::ui::note(&format!("warning: {warning}"));
    }
    if problems.is_empty() {
        crate::ui::document(&format!(
            "verify: ok, every version site holds {}",
            version.unwrap_or_default()
        ));
    } else {
        crate::ui::note(&format!("verify: {} problem(s)", problems.len()));
        for problem in problems {
            crate::ui::note(&format!("- {}", problem.render()));
        }
    }
    Ok(problems.is_empty())
}

/// `cargo xtask verify [--tag vX.Y.Z]`.
impl crate::cli::Verify {
    /// Checks the repository; a config that cannot be read is a problem to report.
    pub fn run(self, repo: &Result<Repo>) -> Result<bool> {
        check(repo, self.json, self.tag.as_deref())
    }
}

fn check(repo: &Result<Repo>, as_json: bool, tag: Option<&str>) -> Result<bool> {
    let repo = match repo {
        Ok(repo) => repo,
        Err(err) => {
            let problem = Problem::new(
                "config",
                crate::config::PATH,
                format!("{err:#}"),
                "fix the release config; every key is described in docs/config.md",
            );
            return report(&[problem], &[], None, as_json);
        }
    };
    let states = repo.survey();
    let mut problems = site_problems(&repo, &states);
    let agreed = agreement(&states).ok();
    if let (Some(tag), Some(version)) = (tag, &agreed) {
        problems.extend(tag_problem(&repo, tag, version));
    }
    problems.extend(crate::drift::problems(&repo.root, &drift_facts(&repo)));
    problems.extend(tag_filter_problem(&repo));
    let warnings = runner_warnings(&repo.config.distribution.targets);
    report(&problems, &warnings, agreed.map(|v| v.to_string()), as_json)
}

/// Runner labels GitHub has retired, with the date: a job that asks for one
/// waits for a runner that never comes, and with `fail-fast` nothing publishes.
pub const RETIRED_RUNNERS: &[(&str, &str)] = &[
    ("macos-13", "2025-12-04"),
    ("macos-12", "2024-12-03"),
    ("macos-11", "2024-06-28"),
    ("macos-10.15", "2022-08-30"),
    ("ubuntu-20.04", "2025-04-15"),
    ("ubuntu-18.04", "2023-04-03"),
    ("windows-2019", "2025-06-30"),
];

/// A warning for each `[[target]]` whose runner GitHub has retired.
fn runner_warnings(targets: &[crate::distribution::Target]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| {
            let (_, date) = RETIRED_RUNNERS.iter().find(|(label, _)| *label == t.runner)?;
            Some(format!(
                "{}: [[target]] {} runs on {}, which GitHub retired on {date}: its build would wait forever; pick a supported runner (https://github.com/actions/runner-images)",
                crate::config::PATH,
                t.triple,
                t.runner
            ))
        })
        .collect()
}

/// The build workflow's `push` tag filter must match the tags `tag_format` makes.
fn tag_filter_problem(repo: &Repo) -> Option<Problem> {
    let rel = format!(".github/workflows/{}", repo.config.release.build_workflow);
    let text = std::fs::read_to_string(repo.root.join(&rel)).ok()?;
    let filters = crate::drift::workflows::push_tags(&text)?;
    let samples =
        ["1.2.3", "1.2.3-rc.1"].map(|v| repo.config.tag(&semver::Version::parse(v).unwrap()));
    let unmatched: Vec<&String> = samples
        .iter()
        .filter(|tag| {
            !filters
                .iter()
                .any(|f| crate::drift::workflows::filter_matches(f, tag))
        })
        .collect();
    if unmatched.is_empty() {
        return None;
    }
    let mut problem = Problem::new(
        "workflows",
        rel,
        format!(
            "the push tag filter {filters:?} does not match {}, a tag of tag_format = {:?}: pushing a release tag would build nothing",
            unmatched
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(" or "),
            repo.config.tag_format
        ),
        format!(
            "make `on.push.tags` match tag_format in {} (for \"v{{version}}\": tags: [\"v*\"])",
            crate::config::PATH
        ),
    );
    problem.found = Some(filters.join(", "));
    Some(problem)
}

/// What the tool says, for the drift checks to hold the documents to.
fn drift_facts(repo: &Repo) -> crate::drift::Facts<'_> {
    let release = &repo.config.release;
    crate::drift::Facts {
        sites: &repo.config.sites,
        channels: crate::distribution::Channel::ALL
            .iter()
            .map(|c| c.name())
            .collect(),
        workflows: vec![
            release.ci_workflow.clone(),
            release.build_workflow.clone(),
            release.publish_workflow.clone(),
        ],
        dispatched: crate::release::settings::DISPATCH_INPUTS
            .iter()
            .map(|(input, kind)| (release.publish_workflow.clone(), *input, *kind))
            .collect(),
        run_names: vec![(
            release.publish_workflow.clone(),
            crate::release::settings::PUBLISH_RUN_NAME,
        )],
    }
}

/// The tag must be the lock-step version's tag: `v` + version.
fn tag_problem(repo: &Repo, tag: &str, version: &semver::Version) -> Option<Problem> {
    let expected = repo.config.tag(version);
    if tag == expected {
        return None;
    }
    let mut problem = Problem::new(
        "tag",
        crate::config::PATH,
        format!(
            "the tag {tag} is not the tag of the lock-step version {version}, which is {expected}"
        ),
        format!(
            "release from a commit whose version matches the tag (`cargo xtask bump` it first), or push {expected} instead"
        ),
    );
    problem.expected = Some(expected);
    problem.found = Some(tag.to_string());
    Some(problem)
}
