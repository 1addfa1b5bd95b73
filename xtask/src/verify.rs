//! `cargo xtask verify`: offline consistency checks, every problem listed at once.

use std::path::Path;

use anyhow::Result;
use serde_json::json;
use toml_edit::ImDocument;
use xshell::Shell;

pub(crate) use crate::problem::Problem;
use crate::sites::{Kind, cargo_lock, keepachangelog};
use crate::survey::{Repo, SiteState, agreement};

/// Every problem with the version sites, the lockfile and the changelog.
/// `tracked` is what git tracks (`None` outside a work tree).
fn site_problems(repo: &Repo, states: &[SiteState], tracked: Option<&[String]>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let primary = states.first();
    let expected = agreement(states)
        .ok()
        .or_else(|| primary.and_then(|p| p.version().ok().cloned()));
    for state in states {
        let path = &state.site.path;
        // Each token that drifted is a problem at its own line (a
        // package-lock.json holds the version twice).
        if let (Ok(reading), Some(expected)) = (&state.reading, &expected)
            && state.site.lockstep
            && !state.lags(expected)
        {
            let primary_path = primary.map_or("", |p| p.site.path.as_str());
            let drifted: Vec<Problem> = reading
                .versions
                .iter()
                .enumerate()
                .filter(|(_, found)| !state.site.form.matches(found, expected))
                .map(|(i, _)| {
                    let mut problem = Problem::new(
                        "sites",
                        path,
                        format!(
                            "{path} has version {} but {primary_path} has {expected}",
                            reading.raw[i]
                        ),
                        format!(
                            "run `cargo xtask sync` to write {expected} to every site, then commit"
                        ),
                    );
                    problem.line = Some(crate::sites::line_of(
                        &state.text,
                        reading.slots[i].range.start,
                    ));
                    problem.expected = Some(
                        state
                            .site
                            .form
                            .render(expected)
                            .unwrap_or_else(|_| expected.to_string()),
                    );
                    problem.found = Some(reading.raw[i].clone());
                    problem
                })
                .collect();
            if !drifted.is_empty() {
                problems.extend(drifted);
                continue;
            }
        }
        match (state.version(), &expected) {
            (Err(err), _) => {
                let problem = Problem::new(
                    "sites",
                    path,
                    format!("{} site: {err}", state.site.kind.name()),
                    format!(
                        "fix {path}, or its [[site]] entry in {}",
                        crate::config::PATH
                    ),
                );
                // A site outside the lock-step never blocks.
                problems.push(if state.site.lockstep {
                    problem
                } else {
                    problem.warning()
                });
            }
            (Ok(_), _) if !state.site.lockstep => {}
            (Ok(found), Some(expected)) if state.lags(expected) => {
                let mut problem = Problem::new(
                    "changelog",
                    path,
                    format!(
                        "{path} skipped releases: its newest section is {found}, the sites hold {expected}"
                    ),
                    format!(
                        "nothing is required: `cargo xtask bump` adds the next section; add sections for the skipped releases to {path} if you want them"
                    ),
                )
                .warning();
                problem.line = state_line(state);
                problems.push(problem);
            }
            _ => {}
        }
        if state.site.kind == Kind::Changelog
            && state.site.lockstep
            && state.reading.is_ok()
            && !keepachangelog::has_unreleased(&state.text)
        {
            problems.push(Problem::new(
                "changelog",
                path,
                format!("{path} has no `{}` heading", keepachangelog::UNRELEASED),
                format!(
                    "add `{}` above the newest release section of {path}",
                    keepachangelog::UNRELEASED
                ),
            ));
        }
    }
    for state in states
        .iter()
        .filter(|s| s.site.kind == Kind::Changelog && s.site.lockstep)
    {
        for (line, message) in crate::sites::sections::problems(&state.text) {
            let fix = format!("edit {} by hand: {message}", state.site.path);
            let mut problem = Problem::new("changelog", &state.site.path, message, fix);
            problem.line = Some(line);
            problems.push(problem);
        }
    }
    problems.extend(lockfile_problems(&repo.root, states, tracked));
    problems
}

/// The line of a site's first version token.
fn state_line(state: &SiteState) -> Option<usize> {
    state
        .reading
        .as_ref()
        .ok()
        .map(|r| crate::sites::line_of(&state.text, r.slots[0].range.start))
}

/// Cargo.lock must hold each workspace package at its manifest's version.
/// Checked only when a cargo-lock site is declared or git tracks Cargo.lock
/// (or, outside a git work tree, when the file is there): a repository that
/// ignores its lock has none to check.
fn lockfile_problems(
    root: &Path,
    states: &[SiteState],
    tracked: Option<&[String]>,
) -> Vec<Problem> {
    let fix = "run `cargo update --workspace --offline` (or any cargo build) to refresh Cargo.lock, then commit";
    let declared = states
        .iter()
        .any(|s| matches!(s.site.kind, Kind::CargoLock { .. }));
    let wanted = declared
        || match tracked {
            Some(files) => files.iter().any(|f| f == "Cargo.lock"),
            None => root.join("Cargo.lock").is_file(),
        };
    if !wanted {
        return Vec::new();
    }
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
        let locked: Vec<&cargo_lock::LockEntry> =
            entries.iter().filter(|e| e.name == name).collect();
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

/// Prints the report on stdout, in text or JSON; true when no error was found
/// (warnings are listed but pass). On GitHub Actions, each problem is also a
/// workflow command (with its file and line) and the report a step summary.
pub(crate) fn report(problems: &[Problem], version: Option<String>, as_json: bool) -> Result<bool> {
    let (warnings, errors): (Vec<&Problem>, Vec<&Problem>) =
        problems.iter().partition(|p| p.warning);
    annotate(problems);
    if as_json {
        let doc = json!({
            "ok": errors.is_empty(),
            "version": version,
            "problems": errors.iter().map(|p| p.to_json()).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(|p| p.to_json()).collect::<Vec<_>>(),
        });
        crate::ui::document(&serde_json::to_string_pretty(&doc)?);
        return Ok(errors.is_empty());
    }
    let mut out = String::new();
    if errors.is_empty() {
        out.push_str(&format!(
            "verify: ok, every version site holds {}\n",
            version.clone().unwrap_or_default()
        ));
    } else {
        out.push_str(&format!("verify: {} problem(s)\n", errors.len()));
        for problem in &errors {
            out.push_str(&format!("- {}\n", problem.render()));
        }
    }
    if !warnings.is_empty() {
        out.push_str(&format!("verify: {} warning(s)\n", warnings.len()));
        for problem in &warnings {
            out.push_str(&format!("- warning: {}\n", problem.render()));
        }
    }
    crate::ui::text(&out);
    Ok(errors.is_empty())
}

/// On GitHub Actions: a workflow command per problem, and a step summary.
fn annotate(problems: &[Problem]) {
    use crate::actions::{self, Level};
    for p in problems {
        let level = if p.warning {
            Level::Warning
        } else {
            Level::Error
        };
        let message = format!("{} (fix: {})", p.message, p.fix);
        actions::annotate(level, Some(&p.file), p.line, &message);
    }
    let rows: Vec<Vec<String>> = problems
        .iter()
        .map(|p| {
            vec![
                if p.warning { "warning" } else { "error" }.to_string(),
                match p.line {
                    Some(line) => format!("{}:{line}", p.file),
                    None => p.file.clone(),
                },
                p.message.clone(),
                p.fix.clone(),
            ]
        })
        .collect();
    let summary = if rows.is_empty() {
        "### cargo xtask verify: ok\n\n".to_string()
    } else {
        format!(
            "### cargo xtask verify\n\n{}\n",
            actions::table(&["severity", "where", "problem", "fix"], &rows)
        )
    };
    actions::summarize(&summary);
}

/// `cargo xtask verify [--tag vX.Y.Z]`.
impl crate::cli::Verify {
    /// Checks the repository; a config that cannot be read (`Err`) is a
    /// problem to report, not a failure to run.
    pub(crate) fn run(self, sh: &Shell, repo: Result<&Repo, &anyhow::Error>) -> Result<bool> {
        let _lock = repo.ok().and_then(|r| crate::lock::acquire_shared(&r.root));
        check(sh, repo, self.json, self.tag.as_deref())
    }
}

fn check(
    sh: &Shell,
    repo: Result<&Repo, &anyhow::Error>,
    as_json: bool,
    tag: Option<&str>,
) -> Result<bool> {
    // `git ls-files` runs while the config, the sites and the documents are read.
    let git = {
        let sh = sh.clone();
        std::thread::spawn(move || crate::tools::git::tracked_files(&sh))
    };
    let repo = match repo {
        Ok(repo) => repo,
        Err(err) => {
            let problem = Problem::new(
                "config",
                crate::config::PATH,
                format!("{err:#}"),
                "fix the release config; every key is described in docs/config.md",
            );
            return report(&[problem], None, as_json);
        }
    };
    let states = repo.survey();
    let agreed = agreement(&states).ok();
    // Then the tracked files are searched for the version while the documents are checked.
    let strays = {
        let root = repo.root.clone();
        let sites: Vec<String> = repo.config.sites.iter().map(|s| s.path.clone()).collect();
        let not_sites = repo.config.verify.not_sites.clone();
        let version = agreed.clone();
        std::thread::spawn(move || {
            let tracked = git.join().ok().flatten();
            let found = match (&tracked, &version) {
                (Some(tracked), Some(version)) => {
                    crate::strays::problems(&root, &sites, &not_sites, tracked, version)
                }
                _ => Vec::new(),
            };
            (tracked, found)
        })
    };
    let drift = crate::drift::problems(sh, &repo.root, &drift_facts(repo));
    let (tracked, strays) = strays
        .join()
        .map_err(|_| anyhow::anyhow!("the search for stray versions failed"))?;
    let mut problems = site_problems(repo, &states, tracked.as_deref());
    if let (Some(tag), Some(version)) = (tag, &agreed) {
        problems.extend(tag_problem(repo, tag, version));
    }
    problems.extend(drift);
    problems.extend(strays);
    problems.extend(tag_filter_problem(repo));
    problems.extend(runner_problems(
        &repo.config.distribution.targets,
        &crate::clock::today()?,
    ));
    report(&problems, agreed.map(|v| v.to_string()), as_json)
}

/// What the tool says, for the drift checks to hold the documents to.
fn drift_facts(repo: &Repo) -> crate::drift::DriftFacts<'_> {
    let release = &repo.config.release;
    crate::drift::DriftFacts {
        settings: &repo.config.verify,
        release: repo.config.has_release,
        sites: &repo.config.sites,
        channels: crate::config::distribution::Channel::ALL
            .iter()
            .map(|c| c.name())
            .collect(),
        workflows: vec![
            release.ci_workflow.clone(),
            release.build_workflow.clone(),
            release.publish_workflow.clone(),
        ],
        dispatched: crate::tools::gh::DISPATCH_INPUTS
            .iter()
            .map(|(input, kind)| (release.publish_workflow.clone(), *input, *kind))
            .chain(
                crate::tools::gh::BUILD_DISPATCH_INPUTS
                    .iter()
                    .map(|(input, kind)| (release.build_workflow.clone(), *input, *kind)),
            )
            .collect(),
        run_names: vec![
            (
                release.publish_workflow.clone(),
                crate::tools::gh::PUBLISH_RUN_NAME,
            ),
            (
                release.build_workflow.clone(),
                crate::tools::gh::BUILD_RUN_NAME,
            ),
        ],
    }
}

/// GitHub's runner labels: those it hosts, and those it retires, each with
/// the date and the announcement. Data, not code: the workflow harness
/// (`xtask/tests/it/actions/`) reads the same file.
const RUNNERS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/runners.toml"));

/// How long before a runner label retires `verify` starts warning about it.
const RUNNER_WARNING_DAYS: i64 = 120;

/// The retired (or retiring) labels of [`RUNNERS`]: label, date, announcement.
fn retired_runners() -> Vec<(String, String, String)> {
    let doc: toml_edit::DocumentMut = RUNNERS.parse().expect("xtask/runners.toml is TOML");
    let field = |t: &toml_edit::Table, key: &str| {
        t.get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("xtask/runners.toml: a [[retired]] has no {key}"))
            .to_string()
    };
    doc.get("retired")
        .and_then(|r| r.as_array_of_tables())
        .expect("xtask/runners.toml has [[retired]] tables")
        .iter()
        .map(|t| {
            (
                field(t, "label"),
                field(t, "date"),
                field(t, "announcement"),
            )
        })
        .collect()
}

/// An error for each `[[target]]` whose runner GitHub has retired by `today`
/// (its build job would get no runner, and the release stops), a warning for
/// one that retires within [`RUNNER_WARNING_DAYS`].
fn runner_problems(
    targets: &[crate::config::distribution::BuildTarget],
    today: &str,
) -> Vec<Problem> {
    let Some(now) = crate::clock::days(today) else {
        return Vec::new();
    };
    let retired = retired_runners();
    targets
        .iter()
        .filter_map(|t| {
            let (label, date, announcement) = retired.iter().find(|(l, ..)| *l == t.runner)?;
            let left = crate::clock::days(date)? - now;
            let fix = format!(
                "move [[target]] {} to a runner GitHub hosts (https://github.com/actions/runner-images)",
                t.triple
            );
            if left <= 0 {
                Some(Problem::new(
                    "runners",
                    crate::config::PATH,
                    format!(
                        "[[target]] {} runs on {label}, which GitHub retired on {date} ({announcement}): its build job gets no runner and the release stops",
                        t.triple
                    ),
                    fix,
                ))
            } else if left <= RUNNER_WARNING_DAYS {
                Some(
                    Problem::new(
                        "runners",
                        crate::config::PATH,
                        format!(
                            "[[target]] {} runs on {label}, which GitHub retires on {date}, in {left} day(s) ({announcement})",
                            t.triple
                        ),
                        fix,
                    )
                    .warning(),
                )
            } else {
                None
            }
        })
        .collect()
}

/// The build workflow's `push` tag filter must match the tags `tag_format` makes.
fn tag_filter_problem(repo: &Repo) -> Option<Problem> {
    let rel = format!(".github/workflows/{}", repo.config.release.build_workflow);
    let text = std::fs::read_to_string(repo.root.join(&rel)).ok()?;
    let filters = crate::workflows::push_tags(&text)?;
    let samples =
        ["1.2.3", "1.2.3-rc.1"].map(|v| repo.config.tag(&semver::Version::parse(v).unwrap()));
    let unmatched: Vec<&String> = samples
        .iter()
        .filter(|tag| !filters.iter().any(|f| crate::glob::matches(f, tag)))
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
