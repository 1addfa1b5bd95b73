//! Moving every lock-step site to one version, for `bump` and `sync`: the
//! plan (every file's new text) is made first, with no I/O; the executor
//! then applies it, or prints its diffs in dry-run, and every site is read
//! back.

use std::collections::HashMap;

use anyhow::{Result, bail};
use semver::Version;

use crate::effects::{Applied, Effect, Executor, FileEdit};
use crate::sites::{self, Kind, Target, keepachangelog};
use crate::survey::{Repo, SiteState};
use crate::ui::Ui;
use crate::words::quote;

/// What a bump or a sync will do: the versions and each file's new contents.
#[derive(Debug)]
pub(crate) struct MovePlan {
    pub current: Version,
    pub target: Version,
    pub edits: Vec<FileEdit>,
}

/// Every site rewritten to `target`, grouped by file (several sites may share one).
/// Fails, naming the site, if any cannot be rewritten; nothing is written then.
pub(crate) fn plan(
    states: &[SiteState],
    current: Version,
    target: Version,
    tag_format: &str,
    today: &str,
) -> Result<MovePlan> {
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
        edit.after = sites::rewrite(&state.site, &edit.after, &goal).map_err(|err| {
            anyhow::anyhow!(
                "cannot move {} ({}) to {target}: {err:#}; no file was changed",
                state.site.path,
                state.site.kind.name()
            )
        })?;
    }
    edits.retain(|e| e.before != e.after);
    Ok(MovePlan {
        current,
        target,
        edits,
    })
}

/// The lock-step sites' problems as one error, or nothing.
pub(crate) fn refuse_unreadable(states: &[SiteState]) -> Result<()> {
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

/// Plans the move from `current` to `target`, applies (or shows) its
/// edits, then reads every site back.
pub(crate) fn execute(
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
    let remote = quote(&repo.config.release.remote);
    if verb == "sync" {
        // A drift fix, not a release: the commit says what was fixed.
        let fixed: Vec<&str> = plan.edits.iter().map(|e| e.path.as_str()).collect();
        let primary = states.first().map_or("", |s| s.site.path.as_str());
        ui.line(&format!(
            "sync: wrote {} (the version of {primary}) to {files} file(s) that disagreed: {}",
            plan.target,
            fixed.join(", ")
        ));
        let message = if fixed.len() <= 3 {
            format!(
                "Sync the version of {} to {}",
                fixed.join(", "),
                plan.target
            )
        } else {
            format!("Sync the version of {files} files to {}", plan.target)
        };
        ui.line(&format!(
            "next: review `git diff`, then commit and push the fix: `git commit -am {}`, then `git push {remote} HEAD`",
            quote(&message)
        ));
        return Ok(true);
    }
    ui.line(&format!(
        "{verb}: {} -> {}, {files} file(s) changed; release tag {tag}",
        plan.current, plan.target
    ));
    // The release's git-origin gate wants HEAD on the remote: push is part of the step.
    ui.line(&format!(
        "next: review `git diff`, then commit and push: `git commit -am {}`, then `git push {remote} HEAD`",
        quote(&format!("Release {tag}"))
    ));
    Ok(true)
}

/// Warns when a changelog section the bump creates has no notes: they are
/// written under `## [Unreleased]` before bumping, and a release needs them.
fn warn_empty_notes(states: &[SiteState], plan: &MovePlan, ui: Ui) {
    for state in states.iter().filter(|s| s.site.kind == Kind::Changelog) {
        let Some(edit) = plan.edits.iter().find(|e| e.path == state.site.path) else {
            continue;
        };
        if keepachangelog::notes(&edit.after, &edit.path, &plan.target).is_err() {
            ui.warn(&format!(
                "warning: the section `## [{}]` this bump writes into {} is empty: write the release notes under it (or under `## [Unreleased]` before bumping); the release's changelog gate and its GitHub release need them",
                plan.target, edit.path
            ));
        }
    }
}
