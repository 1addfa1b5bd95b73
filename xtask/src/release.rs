//! `cargo xtask release <vX.Y.Z>`: gates, evidence and blockers in both modes;
//! with `--live`, and only then, the tag, the push, the build and the publish.
//!
//! This file runs the gates and files their blockers, then enters the one
//! [`crate::pipeline`] at its start; `publish` enters it at a known build
//! run. Facts are gathered by queries (run in both modes),
//! [`crate::pipeline::plan::mechanics`] turns them into steps, and the executor applies each
//! effect or, in a dry-run, prints it.

use std::time::Duration;

use anyhow::{Result, bail};
use semver::Version;
use serde_json::{Value, json};
use xshell::Shell;

use crate::blockers::{self, Blocker};
use crate::cli;
use crate::effects::{Executor, Guard};
use crate::gates;
use crate::pipeline::plan::{Entry, Rehearsal};
use crate::pipeline::{Pipeline, Reached};
use crate::survey::Repo;
use crate::tools::git::short;
use crate::tools::{self, ergo, gh, git};
use crate::ui::Ui;

/// The highest tag below `target` that `tag_format` makes from a version.
pub(crate) fn base_tag(tags: &[&str], tag_format: &str, target: &Version) -> Option<String> {
    let (prefix, suffix) = tag_format.split_once("{version}")?;
    tags.iter()
        .filter_map(|t| {
            let v = t.strip_prefix(prefix)?.strip_suffix(suffix)?;
            Some((Version::parse(v).ok()?, t.to_string()))
        })
        .filter(|(v, _)| v < target)
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t)
}

/// The tool versions recorded in the evidence.
fn tool_versions(sh: &Shell) -> Value {
    json!({
        "git": git::version(sh),
        "gh": gh::version(sh),
        "ergo": ergo::version(sh),
        "cargo": tools::cargo_version(sh),
    })
}

impl cli::Release {
    pub(crate) fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let ui = Ui { json: self.json };
        // Both modes write evidence and file blockers: one run at a time.
        let _lock = crate::lock::acquire(&repo.root)?;
        let target = crate::versioning::parse(&self.version)?;
        // `--rehearse` acts too: it dispatches the rehearsal, and no more.
        let exec = Executor::new(sh, &repo.root, self.live || self.rehearse, ui);
        let head = git::read(sh, &["rev-parse", "HEAD"])?;
        let entry = Entry::Release {
            head: head.clone(),
            branch: release_branch(sh, &repo.config.release.branches),
            rehearsal: self.rehearsal(),
        };
        let mut pipeline = Pipeline::open(sh, repo, &exec, ui, "release", entry, target)?;
        pipeline.rerun = self.command_line(&pipeline.tag);
        let tag = pipeline.tag.clone();
        let base = self.base(sh, repo, &pipeline.target)?;
        let changed = changed_since(sh, base.as_deref());
        pipeline.evidence.set(
            "context",
            json!({
                "target": tag, "version": pipeline.target.to_string(), "base_tag": base,
                "mode": exec.mode_name(), "rehearsal": rehearsal_name(self.rehearsal()), "agent": self.agent, "time": crate::clock::now_utc(),
                "head": head, "changed_paths": changed.as_ref().ok().map(Vec::len),
                "tools": tool_versions(sh),
            }),
        );
        ui.line(&format!(
            "release {tag} ({}) at {} from base {}",
            exec.mode_name(),
            short(&head),
            base.as_deref().unwrap_or("(none)")
        ));
        let (refusals, (gates_failed, open), gates_time) =
            run_gates(&mut pipeline, &head, &changed)?;
        let reached = match self.proceed(&exec, &mut pipeline, &refusals) {
            Ok(reached) => reached,
            Err(err) => {
                pipeline.evidence.set("error", json!(format!("{err:#}")));
                pipeline.finish(gates_time, "interrupted")?;
                return Err(err.context(format!(
                    "the release of {tag} stopped (the `next:` line above says how to go on)"
                )));
            }
        };
        let outcome = match reached {
            Some(Reached::Shown) if refusals.is_empty() => "ready",
            Some(Reached::Delivered) => "released",
            Some(Reached::Rehearsed) => "rehearsed",
            _ => "blocked",
        };
        pipeline.finish(gates_time, outcome)?;
        crate::actions::summarize(&format!(
            "**cargo xtask release {tag}** ({}): {outcome}\n\n",
            exec.mode_name()
        ));
        if !refusals.is_empty() {
            ui.line(&format!(
                "next: {}",
                pipeline.next_after_refusal(gates_failed, &open)
            ));
        }
        ui.line(&format!("evidence: {}", pipeline.evidence.rel));
        if self.json {
            crate::ui::document(&serde_json::to_string_pretty(&pipeline.evidence.current())?);
        }
        Ok(matches!(outcome, "ready" | "released" | "rehearsed"))
    }

    /// How this release treats the rehearsal.
    fn rehearsal(&self) -> Rehearsal {
        match (self.rehearse, self.no_rehearsal) {
            (true, _) => Rehearsal::Only,
            (_, true) => Rehearsal::Skipped,
            _ => Rehearsal::First,
        }
    }

    /// Past the gates: a live run stops at a refusal; otherwise the pipeline
    /// runs (a dry-run shows it, refusals or not). `None` when stopped.
    fn proceed(
        &self,
        exec: &Executor<'_>,
        pipeline: &mut Pipeline<'_>,
        refusals: &[String],
    ) -> Result<Option<Reached>> {
        match exec.guard(refusals) {
            Guard::Stop => {
                pipeline.ui.line(&format!(
                    "\nrefusing to release {}: {}",
                    pipeline.tag,
                    refusals.join("; ")
                ));
                pipeline.ui.line("nothing was tagged, pushed or dispatched");
                return Ok(None);
            }
            Guard::Clear if self.rehearse => exec.announce(
                "\nevery gate passed and no blocker is open: rehearsing (nothing is tagged or published)",
                "\nevery gate passed; a rehearsal would:",
            ),
            Guard::Clear => exec.announce(
                "\nevery gate passed and no blocker is open: releasing",
                "\nevery gate passed; a live run (`--live`) would:",
            ),
            Guard::Show => {}
        }
        pipeline.run().map(Some)
    }

    /// The tag whose diff decides the conditional gates.
    fn base(&self, sh: &Shell, repo: &Repo, target: &Version) -> Result<Option<String>> {
        if let Some(base) = &self.base_tag {
            if let Some(why) = crate::config::names::ref_problem(base, "a tag name") {
                return Err(crate::versioning::UsageError(format!(
                    "--base-tag {base:?} is not a tag name: {why}"
                ))
                .into());
            }
            if git::local_tag(sh, base)?.is_none() {
                bail!(
                    "--base-tag {base}: no such tag here; `git fetch --tags`, or name an existing tag"
                );
            }
            return Ok(Some(base.clone()));
        }
        let all_tags = git::read(sh, &["tag", "--list"])?;
        Ok(base_tag(
            &all_tags.lines().collect::<Vec<_>>(),
            &repo.config.tag_format,
            target,
        ))
    }
}

/// The branch a rehearsal build is dispatched on: the current one if a
/// release may be cut from it, else the first allowed (the `git-branch`
/// gate refuses a live run from any other).
fn release_branch(sh: &Shell, branches: &[String]) -> String {
    match git::read(sh, &["symbolic-ref", "--quiet", "--short", "HEAD"]) {
        Ok(current) if branches.contains(&current) => current,
        _ => branches.first().cloned().unwrap_or_else(|| "main".into()),
    }
}

/// How the evidence names a rehearsal mode.
fn rehearsal_name(rehearsal: Rehearsal) -> &'static str {
    match rehearsal {
        Rehearsal::First => "before the tag",
        Rehearsal::Only => "only (--rehearse)",
        Rehearsal::Skipped => "skipped (--no-rehearsal)",
    }
}

/// The paths changed since `base`, or why they are unknown.
fn changed_since(sh: &Shell, base: Option<&str>) -> Result<Vec<String>, String> {
    match base {
        // The full ref: never an option, and never a branch of that name.
        Some(base) => git::read(
            sh,
            &["diff", "--name-only", &format!("refs/tags/{base}..HEAD")],
        )
        .map(|out| out.lines().map(String::from).collect())
        .map_err(|err| format!("{err:#}")),
        None => Err("no base tag below the target".to_string()),
    }
}

/// What the gates leave: what forbids a live release, whether a gate
/// failed and the open blockers (`(id, title)`), and the time they took.
type GatesDone = (Vec<String>, (bool, Vec<(String, String)>), Duration);

/// Runs every gate, then files a blocker for each that did not pass; what
/// forbids a live release, whether a gate failed and the open blockers
/// (`(id, title)`), and the time the gates took.
fn run_gates(
    pipeline: &mut Pipeline<'_>,
    head: &str,
    changed: &Result<Vec<String>, String>,
) -> Result<GatesDone> {
    let ui = pipeline.ui;
    let tag = pipeline.tag.clone();
    let ctx = gates::Context {
        sh: pipeline.sh,
        repo: pipeline.repo,
        target: &pipeline.target,
        tags: &pipeline.tags,
        head,
        changed,
    };
    let outcomes = gates::run(&ctx, &gates::all(&ctx.repo.config.release.gates), ui);
    let gates_time: Duration = outcomes.iter().map(|o| o.duration).sum();
    pipeline.evidence.set(
        "gates",
        Value::Array(outcomes.iter().map(gates::GateResult::to_json).collect()),
    );
    pipeline.evidence.save()?;
    ui.line(&format!("\n{}", gates::table(&outcomes)));
    for o in outcomes.iter().filter(|o| o.status.blocks()) {
        crate::actions::annotate(
            crate::actions::Level::Error,
            None,
            None,
            &format!(
                "gate {} {}: {} (next: {})",
                o.name,
                o.status.name(),
                o.summary,
                o.fix
            ),
        );
    }
    crate::actions::summarize(&format!(
        "### Gates of {tag} ({})\n\n{}\n",
        pipeline.exec.mode_name(),
        gates::markdown(&outcomes)
    ));

    // Blockers: filed in both modes, never twice.
    let found: Vec<Blocker> = outcomes
        .iter()
        .filter(|o| o.status.blocks())
        .map(|o| blockers::from_gate(&tag, o, &pipeline.evidence.rel))
        .collect();
    let (filing, filing_refusals) = pipeline.file_found(&found)?;

    let failed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.status.blocks())
        .map(|o| o.name.as_str())
        .collect();
    let mut refusals = Vec::new();
    if !failed.is_empty() {
        refusals.push(format!(
            "{} gate(s) did not pass: {}",
            failed.len(),
            failed.join(", ")
        ));
    }
    refusals.extend(filing_refusals);
    let open = filing
        .open
        .iter()
        .map(|(id, title, _)| (id.clone(), title.clone()))
        .collect();
    Ok((refusals, (!failed.is_empty(), open), gates_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_is_the_highest_tag_below_the_target() {
        let v = |s| Version::parse(s).unwrap();
        let tags = [
            "v0.9.0",
            "v1.4.2",
            "v1.10.0",
            "v2.0.0",
            "bindings/go/v1.4.9",
            "nightly",
            "v1.5.0-rc.1",
        ];
        assert_eq!(
            base_tag(&tags, "v{version}", &v("1.5.0")).as_deref(),
            Some("v1.5.0-rc.1")
        );
        assert_eq!(
            base_tag(&tags, "v{version}", &v("1.11.0")).as_deref(),
            Some("v1.10.0")
        );
        assert_eq!(base_tag(&tags, "v{version}", &v("0.1.0")), None);
    }
}
