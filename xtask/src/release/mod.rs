//! `cargo xtask release <vX.Y.Z>`: gates, evidence and blockers in both modes;
//! with `--live`, and only then, the tag, the push, the build and the publish.
//!
//! This file runs the gates and files their blockers, then enters the one
//! [`pipeline`] at its start; `publish` ([`publish`]) enters it at a known
//! build run. Facts are gathered by queries (run in both modes),
//! [`plan::mechanics`] turns them into steps, and the executor applies each
//! effect or, in a dry-run, prints it.

pub mod blockers;
pub mod deliver;
pub mod evidence;
pub mod pipeline;
pub mod plan;
pub mod publish;
pub mod settings;

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use semver::Version;
use serde_json::{Value, json};
use xshell::Shell;

use crate::cli;
use crate::effects::{Executor, Guard};
use crate::gates::{self, short};
use crate::survey::Repo;
use crate::tools::{self, ergo, gh, git};
use crate::ui::Ui;
use blockers::Blocker;
use evidence::{Evidence, SCRATCH};
use pipeline::{Pipeline, Reached};
use plan::Entry;
use settings::Settings;

/// Every tag the release makes: the release tag, then the Go module's.
pub fn release_tags(settings: &Settings, tag: &str) -> Vec<String> {
    let mut tags = vec![tag.to_string()];
    if let Some(dir) = &settings.go_module {
        tags.push(format!("{}/{tag}", dir.trim_end_matches('/')));
    }
    tags
}

/// The highest tag below `target` that `tag_format` makes from a version.
pub fn base_tag(tags: &[&str], tag_format: &str, target: &Version) -> Option<String> {
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
    pub fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let started = Instant::now();
        let ui = Ui { json: self.json };
        // Both modes write evidence and file blockers: one run at a time.
        let _lock = crate::lock::acquire(&repo.root)?;
        let target = crate::version::parse(&self.version)?;
        let tag = repo.config.tag(&target);
        let tags = release_tags(&repo.config.release, &tag);
        let exec = Executor::new(sh, &repo.root, self.live, ui);
        let mut evidence = open_evidence(repo, &tag, "release", ui)?;
        let head = git::read(sh, &["rev-parse", "HEAD"])?;
        let base = self.base(sh, repo, &target)?;
        let changed = changed_since(sh, base.as_deref());
        evidence.set(
            "context",
            json!({
                "target": tag, "version": target.to_string(), "base_tag": base,
                "mode": exec.mode_name(), "agent": self.agent, "time": crate::clock::now_utc(),
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
        let ctx = gates::Context {
            sh,
            repo,
            target: &target,
            tags: &tags,
            head: &head,
            changed: &changed,
        };
        let (refusals, open, gates_time) = run_gates(&ctx, &exec, &mut evidence, ui)?;
        let scratch = repo.root.join(SCRATCH);
        let pipeline = Pipeline {
            sh,
            repo,
            exec: &exec,
            ui,
            entry: Entry::Release,
            target: &target,
            tag: &tag,
            tags: &tags,
            head: &head,
            scratch: &scratch,
            rerun: format!(
                "cargo xtask release {tag}{}",
                if self.live { " --live" } else { "" }
            ),
        };
        let reached = match self.proceed(&exec, &pipeline, &refusals, &mut evidence) {
            Ok(reached) => reached,
            Err(err) => {
                evidence.set("error", json!(format!("{err:#}")));
                finish(&mut evidence, started, gates_time, "interrupted")?;
                return Err(err.context(format!(
                    "the release of {tag} stopped (the `next:` line above says how to go on)"
                )));
            }
        };
        let outcome = match reached {
            Some(Reached::Shown) if refusals.is_empty() => "ready",
            Some(Reached::Delivered) => "released",
            _ => "blocked",
        };
        finish(&mut evidence, started, gates_time, outcome)?;
        crate::github::summarize(&format!(
            "**cargo xtask release {tag}** ({}): {outcome}\n\n",
            exec.mode_name()
        ));
        if !refusals.is_empty() {
            ui.line(&format!(
                "next: {}",
                next_after_refusal(&open, &pipeline.rerun)
            ));
        }
        ui.line(&format!("evidence: {}", evidence.rel));
        if self.json {
            crate::ui::document(&serde_json::to_string_pretty(&evidence.current())?);
        }
        Ok(matches!(outcome, "ready" | "released"))
    }

    /// Past the gates: a live run stops at a refusal; otherwise the pipeline
    /// runs (a dry-run shows it, refusals or not). `None` when stopped.
    fn proceed(
        &self,
        exec: &Executor<'_>,
        pipeline: &Pipeline<'_>,
        refusals: &[String],
        evidence: &mut Evidence,
    ) -> Result<Option<Reached>> {
        let tag = pipeline.tag;
        match exec.guard(refusals) {
            Guard::Stop => {
                pipeline.ui.line(&format!(
                    "\nrefusing to release {tag}: {}",
                    refusals.join("; ")
                ));
                pipeline.ui.line("nothing was tagged, pushed or dispatched");
                return Ok(None);
            }
            Guard::Clear => exec.announce(
                "\nevery gate passed and no blocker is open: releasing",
                "\nevery gate passed; a live run (`--live`) would:",
            ),
            Guard::Show => {}
        }
        pipeline.run(evidence).map(Some)
    }

    /// The tag whose diff decides the conditional gates.
    fn base(&self, sh: &Shell, repo: &Repo, target: &Version) -> Result<Option<String>> {
        if let Some(base) = &self.base_tag {
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

/// The paths changed since `base`, or why they are unknown.
fn changed_since(sh: &Shell, base: Option<&str>) -> Result<Vec<String>, String> {
    match base {
        Some(base) => git::read(sh, &["diff", "--name-only", &format!("{base}..HEAD")])
            .map(|out| out.lines().map(String::from).collect())
            .map_err(|err| format!("{err:#}")),
        None => Err("no base tag below the target".to_string()),
    }
}

/// The next step of a release that its gates or blockers stopped: fix,
/// close each open blocker (`ergo done <ID>`), rerun.
fn next_after_refusal(open: &[String], rerun: &str) -> String {
    let close = if open.is_empty() {
        String::new()
    } else {
        format!(", close each ({})", open.join(", "))
    };
    format!("fix what the table above names{close}, then rerun `{rerun}`")
}

/// Opens the evidence report of `tag` for a new run of `command`.
pub fn open_evidence(repo: &Repo, tag: &str, command: &str, ui: Ui) -> Result<Evidence> {
    let (evidence, warning) = Evidence::open(&repo.root, tag, command)?;
    if let Some(warning) = warning {
        ui.warn(&format!("warning: {warning}"));
    }
    Ok(evidence)
}

/// Runs every gate, then files a blocker for each that did not pass; what
/// forbids a live release, how to close the open blockers, and the time the
/// gates took.
fn run_gates(
    ctx: &gates::Context<'_>,
    exec: &Executor<'_>,
    evidence: &mut Evidence,
    ui: Ui,
) -> Result<(Vec<String>, Vec<String>, Duration)> {
    let tag = ctx.tags[0].as_str();
    let outcomes = gates::run(ctx, &gates::all(&ctx.repo.config.release.gates), ui);
    let gates_time: Duration = outcomes.iter().map(|o| o.duration).sum();
    evidence.set(
        "gates",
        Value::Array(outcomes.iter().map(gates::Outcome::to_json).collect()),
    );
    evidence.save()?;
    ui.line(&format!("\n{}", gates::table(&outcomes)));
    for o in outcomes.iter().filter(|o| o.status.blocks()) {
        crate::github::annotate(
            crate::github::Level::Error,
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
    crate::github::summarize(&format!(
        "### Gates of {tag} ({})\n\n{}\n",
        exec.mode_name(),
        gates::markdown(&outcomes)
    ));

    // Blockers: filed in both modes, never twice.
    let found: Vec<Blocker> = outcomes
        .iter()
        .filter(|o| o.status.blocks())
        .map(|o| blockers::from_gate(tag, o, &evidence.rel))
        .collect();
    let filing = blockers::file(exec, ctx.sh, &ctx.repo.root.join(SCRATCH), tag, &found);
    evidence.set("blockers", filing.to_json());
    evidence.save()?;
    pipeline::report_filing(ui, tag, &filing);

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
    refusals.extend(pipeline::filing_refusals(&filing));
    let open = filing
        .open
        .iter()
        .map(|(id, _, _)| format!("`ergo done {id}`"))
        .collect();
    Ok((refusals, open, gates_time))
}

/// Records the outcome and the timing (the xtask's own time is the total minus the gates').
pub fn finish(
    evidence: &mut Evidence,
    started: Instant,
    gates_time: Duration,
    outcome: &str,
) -> Result<()> {
    let total = started.elapsed();
    let overhead = total.saturating_sub(gates_time);
    evidence.set("outcome", json!(outcome));
    evidence.set(
        "timing",
        json!({
            "total_ms": total.as_millis() as u64,
            "gates_ms": gates_time.as_millis() as u64,
            "overhead_ms": overhead.as_millis() as u64,
            "overhead_percent": if total.is_zero() { 0.0 } else { (overhead.as_secs_f64() / total.as_secs_f64() * 1000.0).round() / 10.0 },
        }),
    );
    evidence.save()
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

    #[test]
    fn a_go_module_gets_its_own_tag() {
        let mut s = Settings::default();
        assert_eq!(release_tags(&s, "v1.0.0"), ["v1.0.0"]);
        s.go_module = Some("bindings/go/".into());
        assert_eq!(release_tags(&s, "v1.0.0"), ["v1.0.0", "bindings/go/v1.0.0"]);
    }
}
