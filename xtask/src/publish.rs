//! `cargo xtask publish --build-run-id <ID>`: the publish-only retry, the
//! release pipeline entered at a known build run. It checks that the run is
//! a successful build of the released tag and that no blocker is open, then
//! dispatches the publish workflow with it (no rebuild), waits for it and
//! checks delivery. Dry-run unless `--live`.

use std::time::Duration;

use anyhow::Result;
use serde_json::json;
use xshell::Shell;

use crate::cli;
use crate::effects::{Executor, Guard};
use crate::pipeline::plan::Entry;
use crate::pipeline::{Pipeline, Reached};
use crate::survey::{Repo, agreement};
use crate::ui::Ui;

impl cli::Publish {
    pub(crate) fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let ui = Ui { json: self.json };
        // It writes evidence and files blockers in both modes: one run at a time.
        let _lock = crate::lock::acquire(&repo.root)?;
        let version = agreement(&repo.survey()).map_err(|problems| {
            anyhow::anyhow!(
                "the version sites disagree, so the released version is unknown: run `cargo xtask verify`\n  - {}",
                problems.join("\n  - ")
            )
        })?;
        let exec = Executor::new(sh, &repo.root, self.live, ui);
        let id = self.build_run_id;
        let entry = Entry::Publish {
            build_run: id,
            allow_partial: self.allow_partial_release,
        };
        let mut pipeline = Pipeline::open(sh, repo, &exec, ui, "publish", entry, version)?;
        pipeline.rerun = self.command_line();
        let tag = pipeline.tag.clone();
        pipeline.evidence.set(
            "context",
            json!({"target": tag, "build_run_id": id, "allow_partial_release": self.allow_partial_release, "mode": exec.mode_name(), "time": crate::clock::now_utc()}),
        );
        if self.allow_partial_release {
            let warning = "--allow-partial-release: the publish may leave some registries without this release; this is recorded in the evidence";
            ui.warn(&format!("warning: {warning}"));
            crate::actions::annotate(crate::actions::Level::Warning, None, None, warning);
        }
        ui.line(&format!(
            "publish {tag} ({}) with build run {id}",
            exec.mode_name()
        ));
        // No new blocker: filing lists the open ones, or says why ergo cannot.
        let (filing, refusals) = pipeline.file_found(&[])?;
        if !filing.open.is_empty() {
            let open: Vec<(String, String)> = filing
                .open
                .iter()
                .map(|(id, title, _)| (id.clone(), title.clone()))
                .collect();
            ui.line(&format!(
                "next: {}",
                pipeline.next_after_refusal(false, &open)
            ));
        }
        let result = match exec.guard(&refusals) {
            Guard::Stop => Err(anyhow::anyhow!(
                "refusing to publish: {}",
                refusals.join("; ")
            )),
            _ => pipeline.run(),
        };
        let outcome = outcome(&result, refusals.is_empty());
        if let Err(err) = &result {
            pipeline.evidence.set("error", json!(format!("{err:#}")));
        }
        pipeline.finish(Duration::ZERO, outcome)?;
        crate::actions::summarize(&format!(
            "**cargo xtask publish --build-run-id {id}** ({}): {outcome}\n\n",
            exec.mode_name()
        ));
        if let Err(err) = &result {
            crate::actions::annotate(
                crate::actions::Level::Error,
                None,
                None,
                &format!("{err:#}"),
            );
        }
        if self.json {
            crate::ui::document(&serde_json::to_string_pretty(&pipeline.evidence.current())?);
        }
        result.map(|_| matches!(outcome, "ready" | "published"))
    }
}

/// The word the evidence records for how the publish ended.
fn outcome(result: &Result<Reached>, clear: bool) -> &'static str {
    match result {
        Ok(Reached::Shown) if clear => "ready",
        Ok(Reached::Shown) => "blocked",
        // A publish never rehearses: it enters the pipeline past the tag.
        Ok(Reached::Rehearsed) => "failed",
        Ok(Reached::Delivered) => "published",
        Ok(Reached::Failed) => "failed",
        Err(_) => "refused",
    }
}
