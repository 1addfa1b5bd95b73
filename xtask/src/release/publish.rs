//! `cargo xtask publish --build-run-id <ID>`: the publish-only retry, the
//! release pipeline entered at a known build run. It checks that the run is
//! a successful build of the released tag and that no blocker is open, then
//! dispatches the publish workflow with it (no rebuild), waits for it and
//! checks delivery. Dry-run unless `--live`.

use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;
use xshell::Shell;

use super::evidence::SCRATCH;
use super::pipeline::{self, Pipeline, Reached};
use super::plan::Entry;
use super::{blockers, finish, open_evidence, release_tags};
use crate::cli;
use crate::effects::{Executor, Guard};
use crate::survey::{Repo, agreement};
use crate::ui::Ui;

impl cli::Publish {
    pub fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let started = Instant::now();
        let ui = Ui { json: self.json };
        // It writes evidence and files blockers in both modes: one run at a time.
        let _lock = crate::lock::acquire(&repo.root)?;
        let version = agreement(&repo.survey()).map_err(|problems| {
            anyhow::anyhow!(
                "the version sites disagree, so the released version is unknown: run `cargo xtask verify`\n  - {}",
                problems.join("\n  - ")
            )
        })?;
        let tag = repo.config.tag(&version);
        let tags = release_tags(&repo.config.release, &tag);
        let exec = Executor::new(sh, &repo.root, self.live, ui);
        let mut evidence = open_evidence(repo, &tag, "publish", ui)?;
        let id = self.build_run_id;
        evidence.set(
            "context",
            json!({"target": tag, "build_run_id": id, "allow_partial_release": self.allow_partial_release, "mode": exec.mode_name(), "time": crate::clock::now_utc()}),
        );
        if self.allow_partial_release {
            let warning = "--allow-partial-release: the publish may leave some registries without this release; this is recorded in the evidence";
            ui.warn(&format!("warning: {warning}"));
            crate::github::annotate(crate::github::Level::Warning, None, None, warning);
        }
        ui.line(&format!(
            "publish {tag} ({}) with build run {id}",
            exec.mode_name()
        ));
        // No new blocker: filing lists the open ones, or says why ergo cannot.
        let scratch = repo.root.join(SCRATCH);
        let filing = blockers::file(&exec, sh, &scratch, &tag, &[]);
        pipeline::report_filing(ui, &tag, &filing);
        let refusals = pipeline::filing_refusals(&filing);
        let pipeline = Pipeline {
            sh,
            repo,
            exec: &exec,
            ui,
            entry: Entry::Publish {
                build_run: id,
                allow_partial: self.allow_partial_release,
            },
            target: &version,
            tag: &tag,
            tags: &tags[..1],
            head: "",
            scratch: &scratch,
            rerun: self.command_line(),
        };
        let result = match exec.guard(&refusals) {
            Guard::Stop => Err(anyhow::anyhow!(
                "refusing to publish: {}",
                refusals.join("; ")
            )),
            _ => pipeline.run(&mut evidence),
        };
        let outcome = outcome(&result, refusals.is_empty());
        if let Err(err) = &result {
            evidence.set("error", json!(format!("{err:#}")));
        }
        finish(&mut evidence, started, Duration::ZERO, outcome)?;
        crate::github::summarize(&format!(
            "**cargo xtask publish --build-run-id {id}** ({}): {outcome}\n\n",
            exec.mode_name()
        ));
        if let Err(err) = &result {
            crate::github::annotate(crate::github::Level::Error, None, None, &format!("{err:#}"));
        }
        if self.json {
            crate::ui::document(&serde_json::to_string_pretty(&evidence.current())?);
        }
        result.map(|_| matches!(outcome, "ready" | "published"))
    }

    /// This command line, to rerun it as it was given.
    fn command_line(&self) -> String {
        let mut line = format!("cargo xtask publish --build-run-id {}", self.build_run_id);
        if self.live {
            line.push_str(" --live");
        }
        if self.allow_partial_release {
            line.push_str(" --allow-partial-release");
        }
        line
    }
}

/// The word the evidence records for how the publish ended.
fn outcome(result: &Result<Reached>, clear: bool) -> &'static str {
    match result {
        Ok(Reached::Shown) if clear => "ready",
        Ok(Reached::Shown) => "blocked",
        Ok(Reached::Delivered) => "published",
        Ok(Reached::Failed) => "failed",
        Err(_) => "refused",
    }
}
