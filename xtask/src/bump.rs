//! `cargo xtask bump` and `cargo xtask sync`: move every version site at once.
//!
//! The plan (every file's new text) is made first, with no I/O; the executor
//! then applies it, or prints its diffs in dry-run.

use std::collections::HashMap;

use anyhow::{Result, bail};
use semver::Version;

use crate::effects::{Executor, FileEdit, Mode};
use crate::survey::{Repo, SiteState, agreement};
use crate::version::Request;
use crate::versions::{self, Target};

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
        if state.version().ok() == Some(&target) {
            continue; // Already there (sync): leave the file as it is.
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

/// The sites' problems as one error, or nothing.
fn refuse_unreadable(states: &[SiteState]) -> Result<()> {
    let broken: Vec<String> = states
        .iter()
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

/// `cargo xtask bump <request>`.
pub fn run(repo: &Repo, request: &Request, mode: Mode) -> Result<()> {
    let _lock = write_lock(repo, mode)?;
    let states = repo.survey();
    refuse_unreadable(&states)?;
    let current = match agreement(&states) {
        Ok(version) => version,
        Err(problems) => bail!(
            "the version sites disagree, so bump would not know where to start:\n  - {}\nrun `cargo xtask sync` to write the primary version everywhere, or fix the files by hand",
            problems.join("\n  - ")
        ),
    };
    let target = request.apply(&current)?;
    refuse_unwritable_version(&states, &target)?;
    let plan = plan(
        &states,
        current,
        target,
        &repo.config.tag_format,
        &crate::clock::today(),
    )?;
    execute(repo, &plan, mode, "bump")
}

/// `cargo xtask sync`: writes the primary site's version to every other site.
pub fn sync(repo: &Repo, mode: Mode) -> Result<()> {
    let _lock = write_lock(repo, mode)?;
    let states = repo.survey();
    refuse_unreadable(&states)?;
    let Some(Ok(primary)) = states.first().map(|s| s.version().cloned()) else {
        bail!("the primary site has no single version");
    };
    let plan = plan(
        &states,
        primary.clone(),
        primary,
        &repo.config.tag_format,
        &crate::clock::today(),
    )?;
    execute(repo, &plan, mode, "sync")
}

/// A live run holds the repository lock from its first read to its last
/// write, so two runs never interleave; a dry run only reads.
fn write_lock(repo: &Repo, mode: Mode) -> Result<Option<crate::lock::RepoLock>> {
    match mode {
        Mode::Live => crate::lock::acquire(&repo.root).map(Some),
        Mode::DryRun => Ok(None),
    }
}

fn execute(repo: &Repo, plan: &Plan, mode: Mode, verb: &str) -> Result<()> {
    let files = plan.edits.len();
    let tag = repo.config.tag(&plan.target);
    if mode == Mode::DryRun {
        println!(
            "{verb} (dry run): {} -> {}, {files} file(s) would change; release tag {tag}",
            plan.current, plan.target
        );
    }
    Executor::new(&repo.root, mode).write_files(&plan.edits)?;
    if mode == Mode::Live {
        // Read every site back from disk: each must now hold the target.
        let wrong: Vec<String> = repo
            .survey()
            .iter()
            .filter(|s| s.version().ok() != Some(&plan.target))
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
            Executor::new(&repo.root, Mode::Live).write_files(&restore)?;
            bail!(
                "after writing, these sites do not hold {} (the files were restored):\n  - {}",
                plan.target,
                wrong.join("\n  - ")
            );
        }
        // Only now, with every file written and read back, is it true.
        println!(
            "{verb}: {} -> {}, {files} file(s) changed; release tag {tag}",
            plan.current, plan.target
        );
        println!("next: review `git diff`, then commit: git commit -am \"Release {tag}\"");
    }
    Ok(())
}
