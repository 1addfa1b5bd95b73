//! `cargo xtask bump` and `cargo xtask sync`: move every version site at once.
//!
//! The plan (every file's new text) is made first, with no I/O; the executor
//! then applies it, or prints its diffs in dry-run.

use std::collections::HashMap;

use anyhow::{Result, bail};
use semver::Version;

use xshell::Shell;

use crate::cli;
use crate::effects::{Applied, Effect, Executor, FileEdit};
use crate::survey::{Repo, SiteState, agreement};
use crate::ui::Ui;
use crate::version::Request;
use crate::versions::{self, Kind, Target};

/// What a bump will do: the versions and each file's new contents.
#[derive(Debug)]
pub struct Plan {
    pub current: Version,
    pub target: Version,
    pub edits: Vec<FileEdit>,
}

/// Every site rewritten to `target`, grouped by file (several sites may share one).
/// Fails, naming the site, if any cannot be rewritten; nothing is written then.
pub fn plan(
    states: &[SiteState],
    current: Version,
    target: Version,
    tag_format: &str,
    today: &str,
) -> Result<Plan> {
    let mut edits: Vec<FileEdit> = Vec::new();
    let mut by_path: HashMap<&str, usize> = HashMap::new();
    let goal = Target {
        version: &target,
        tag_format,
        today,
    };
    for state in states {
        if !state.site.lockstep || state.holds(&target) {
            continue; // Outside the lock-step, or already there (sync): leave it.
        }
        let index = *by_path.entry(&state.site.path).or_insert_with(|| {
            edits.push(FileEdit {
                path: state.site.path.clone(),
                before: state.text.clone(),
                after: state.text.clone(),
            });
            edits.len() - 1
        });
        let edit = &mut edits[index];
        edit.after = versions::rewrite(&state.site, &edit.after, &goal).map_err(|err| {
            anyhow::anyhow!(
                "cannot move {} ({}) to {target}: {err:#}; no file was changed",
                state.site.path,
                state.site.kind.name()
            )
        })?;
    }
    edits.retain(|e| e.before != e.after);
    Ok(Plan {
        current,
        target,
        edits,
    })
}

/// A target some site cannot write (`1.2.3-rc` has no PEP 440 form) is bad
/// input: a usage error that says what is wrong with it.
fn refuse_unwritable_version(states: &[SiteState], target: &Version) -> Result<()> {
    for state in states {
        if let Err(err) = state.site.form.render(target) {
            return Err(crate::version::UsageError(format!(
                "{target} cannot be written at {} ({} form): {err:#}; no file was changed",
                state.site.path,
                state.site.form.name()
            ))
            .into());
        }
    }
    Ok(())
}

/// The lock-step sites' problems as one error, or nothing.
fn refuse_unreadable(states: &[SiteState]) -> Result<()> {
    let broken: Vec<String> = states
        .iter()
        .filter(|s| s.site.lockstep)
        .filter_map(|s| {
            s.reading
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", s.site.path))
        })
        .collect();
    if !broken.is_empty() {
        bail!(
            "cannot read every version site, so no file was changed:\n  - {}",
            broken.join("\n  - ")
        );
    }
    Ok(())
}

/// The lock-step sites that disagree with the primary, as `path had X`, when
/// every lock-step site is below `target`; else the first site that is not.
fn drift_below(states: &[SiteState], target: &Version) -> Result<Vec<String>, String> {
    let primary = states.first().and_then(|s| s.version().ok());
    let mut healed = Vec::new();
    for state in states.iter().filter(|s| s.site.lockstep) {
        let Ok(found) = state.version() else {
            return Err(format!("{} cannot be read", state.site.path));
        };
        let release_part_only = state.site.form == crate::version::Form::Release;
        if found >= target && !(release_part_only && state.holds(target)) {
            return Err(format!(
                "{} has {}",
                state.site.path,
                state.raw().unwrap_or_default()
            ));
        }
        if primary.is_some_and(|p| !state.holds(p) && !state.lags(p)) {
            healed.push(format!(
                "{} had {}",
                state.site.path,
                state.raw().unwrap_or_default()
            ));
        }
    }
    Ok(healed)
}

impl cli::Bump {
    /// `cargo xtask bump <request>`.
    pub fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let request = Request::parse(&self.words)?;
        let today = crate::clock::release_date(self.date.as_deref())?;
        let _lock = crate::lock::acquire_for_writes(&repo.root, !self.dry_run)?;
        let states = repo.survey();
        refuse_unreadable(&states)?;
        let (current, healed) = match agreement(&states) {
            Ok(version) => (version, Vec::new()),
            Err(problems) => match &request {
                // An explicit target says where to go: heal the drift if it is above every site.
                Request::Exact(target) => {
                    let healed = drift_below(&states, target).map_err(|site| {
                        anyhow::anyhow!(
                            "the version sites disagree and {site}, which is not below {target}:\n  - {}\nbump to a version above every site, or run `cargo xtask sync` first",
                            problems.join("\n  - ")
                        )
                    })?;
                    let primary = states[0].version().cloned().map_err(anyhow::Error::msg)?;
                    (primary, healed)
                }
                _ => bail!(
                    "the version sites disagree, so bump would not know where to start:\n  - {}\nrun `cargo xtask sync` to write the primary version everywhere, give an explicit version above every site (`cargo xtask bump X.Y.Z`), or fix the files by hand",
                    problems.join("\n  - ")
                ),
            },
        };
        let target = request.apply(&current)?;
        refuse_unwritable_version(&states, &target)?;
        let exec = Executor::new(sh, &repo.root, !self.dry_run, Ui { json: false });
        execute(
            &exec,
            repo,
            &states,
            current,
            target.clone(),
            &today,
            "bump",
        )?;
        if !healed.is_empty() {
            Ui { json: false }.line(&format!(
                "healed drift: these sites disagreed with {} and now hold {target}:\n  - {}",
                states[0].site.path,
                healed.join("\n  - ")
            ));
        }
        Ok(true)
    }
}

impl cli::Sync {
    /// `cargo xtask sync`: writes the primary site's version to every other site.
    pub fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let _lock = crate::lock::acquire_for_writes(&repo.root, !self.dry_run)?;
        let states = repo.survey();
        refuse_unreadable(&states)?;
        let Some(Ok(primary)) = states.first().map(|s| s.version().cloned()) else {
            bail!("the primary site has no single version");
        };
        let today = crate::clock::release_date(None)?;
        // A changelog that lags stays as it is: sync adds no release section.
        let states: Vec<SiteState> = states.into_iter().filter(|s| !s.lags(&primary)).collect();
        let exec = Executor::new(sh, &repo.root, !self.dry_run, Ui { json: false });
        execute(
            &exec,
            repo,
            &states,
            primary.clone(),
            primary,
            &today,
            "sync",
        )
    }
}

/// Plans the move from `current` to `target`, applies (or shows) its
/// edits, then reads every site back.
fn execute(
    exec: &Executor<'_>,
    repo: &Repo,
    states: &[SiteState],
    current: Version,
    target: Version,
    today: &str,
    verb: &str,
) -> Result<bool> {
    let plan = &plan(states, current, target, &repo.config.tag_format, today)?;
    let ui = Ui { json: false };
    if verb == "sync" && plan.edits.is_empty() {
        ui.line(&format!(
            "sync: nothing to do, every lock-step site already holds {}",
            plan.target
        ));
        return Ok(true);
    }
    let files = plan.edits.len();
    let tag = repo.config.tag(&plan.target);
    warn_empty_notes(states, plan, ui);
    let applied = exec.apply(&Effect::Write(plan.edits.clone()))?;
    if applied == Applied::Shown {
        ui.line(&format!(
            "{verb} (dry run): {} -> {}, {files} file(s) would change; release tag {tag}",
            plan.current, plan.target
        ));
        return Ok(true);
    }
    // Read every site back from disk: each must now hold the target.
    let wrong: Vec<String> = repo
        .survey()
        .iter()
        .filter(|s| s.site.lockstep && !s.holds(&plan.target) && !s.lags(&plan.target))
        .map(|s| {
            format!(
                "{}: {}",
                s.site.path,
                s.version().map_or_else(|e| e, |v| v.to_string())
            )
        })
        .collect();
    if !wrong.is_empty() {
        let restore: Vec<FileEdit> = plan
            .edits
            .iter()
            .map(|e| FileEdit {
                path: e.path.clone(),
                before: e.after.clone(),
                after: e.before.clone(),
            })
            .collect();
        exec.apply(&Effect::Write(restore))?;
        bail!(
            "after writing, these sites do not hold {} (the files were restored):\n  - {}",
            plan.target,
            wrong.join("\n  - ")
        );
    }
    // Only now, with every file written and read back, is it true.
    ui.line(&format!(
        "{verb}: {} -> {}, {files} file(s) changed; release tag {tag}",
        plan.current, plan.target
    ));
    ui.line(&format!(
        "next: review `git diff`, then commit: git commit -am \"Release {tag}\""
    ));
    Ok(true)
}

/// Warns when a changelog section the bump creates has no notes: they are
/// written under `## [Unreleased]` before bumping, and a release needs them.
fn warn_empty_notes(states: &[SiteState], plan: &Plan, ui: Ui) {
    for state in states.iter().filter(|s| s.site.kind == Kind::Changelog) {
        let Some(edit) = plan.edits.iter().find(|e| e.path == state.site.path) else {
            continue;
        };
        if crate::changelog::notes(&edit.after, &edit.path, &plan.target).is_err() {
            ui.warn(&format!(
                "warning: the section `## [{}]` this bump writes into {} is empty: write the release notes under it (or under `## [Unreleased]` before bumping); the release's changelog gate and its GitHub release need them",
                plan.target, edit.path
            ));
        }
    }
}
