//! `cargo xtask publish --build-run-id <ID>`: the publish-only retry. It
//! checks that the run is a successful build of the released tag, then
//! dispatches the publish workflow with it (no rebuild) and waits for it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};
use serde_json::json;
use xshell::Shell;

use crate::effects::{Executor, Mode, Schedule};
use crate::gates::short;
use crate::release::{blockers, evidence::Evidence, evidence::SCRATCH, workflow_name};
use crate::survey::{Repo, agreement};
use crate::tools::{self, ergo, gh, git};
use crate::ui::Ui;

/// The inputs the publish workflow is dispatched with, and their types in
/// its `workflow_dispatch` (checked against the workflow by `verify`).
pub const BUILD_RUN_ID: &str = "build_run_id";
pub const ALLOW_PARTIAL_RELEASE: &str = "allow_partial_release";
pub const DISPATCH_INPUTS: [(&str, &str); 2] =
    [(BUILD_RUN_ID, "string"), (ALLOW_PARTIAL_RELEASE, "boolean")];

pub struct Args {
    pub build_run_id: u64,
    pub allow_partial_release: bool,
    pub json: bool,
}

/// Why run `run` may not be published as `tag` at `tag_sha` (empty when it may).
pub fn refusals(
    run: &gh::Run,
    build_workflow: &str,
    build_name: &str,
    tag: &str,
    tag_sha: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    if run.workflow_name != build_name {
        problems.push(format!(
            "run {} belongs to workflow {:?}, not the build workflow {build_workflow} ({build_name:?}): pass the ID of a {build_workflow} run",
            run.id, run.workflow_name
        ));
    }
    if !run.succeeded() {
        let state = if run.completed() {
            run.conclusion.as_str()
        } else {
            run.status.as_str()
        };
        problems.push(format!(
            "run {} is {state}, not a success: only a successful build is published (rerun it with `gh run rerun {} --failed`)",
            run.id, run.id
        ));
    }
    if run.head_sha != tag_sha {
        problems.push(format!(
            "run {} built {}, but {tag} is at {}: pass the build run of {tag}",
            run.id,
            short(&run.head_sha),
            short(tag_sha)
        ));
    }
    problems
}

pub fn run(sh: &Shell, root: PathBuf, args: Args) -> Result<bool> {
    let ui = Ui { json: args.json };
    let repo = Repo::open(root)?;
    let _lock = crate::lock::acquire(&repo.root)?;
    let version = agreement(&repo.survey()).map_err(|problems| {
        anyhow::anyhow!(
            "the version sites disagree, so the released version is unknown: run `cargo xtask verify`\n  - {}",
            problems.join("\n  - ")
        )
    })?;
    let tag = repo.config.tag(&version);
    let (mut evidence, warning) = Evidence::open(&repo.root, &tag, "publish")?;
    if let Some(warning) = warning {
        ui.warn(&format!("warning: {warning}"));
    }
    let id = args.build_run_id;
    evidence.set(
        "context",
        json!({"target": tag, "build_run_id": id, "allow_partial_release": args.allow_partial_release, "time": crate::clock::now_utc()}),
    );
    if args.allow_partial_release {
        ui.warn("warning: --allow-partial-release: the publish may leave some registries without this release; this is recorded in the evidence");
    }
    let result = publish(sh, &repo, &tag, &args, &mut evidence, ui);
    let outcome = match &result {
        Ok(true) => "published",
        Ok(false) => "failed",
        Err(_) => "refused",
    };
    if let Err(err) = &result {
        evidence.set("error", json!(format!("{err:#}")));
    }
    evidence.set("outcome", json!(outcome));
    evidence.save()?;
    if args.json {
        println!(
            "{}",
            crate::secrets::redact(&serde_json::to_string_pretty(&evidence.current())?)
        );
    }
    result
}

fn publish(
    sh: &Shell,
    repo: &Repo,
    tag: &str,
    args: &Args,
    evidence: &mut Evidence,
    ui: Ui,
) -> Result<bool> {
    let settings = &repo.config.release;
    let id = args.build_run_id;
    let Some(tag_sha) = git::remote_tags(sh, &settings.remote, &[tag])?.remove(0) else {
        bail!(
            "{tag} is not on {}: the publish-only retry publishes a released tag; run `cargo xtask release {tag} --live` first",
            settings.remote
        );
    };
    let run = gh::run_view(sh, id)?;
    let build_name = workflow_name(&repo.root, &settings.build_workflow);
    let problems = refusals(&run, &settings.build_workflow, &build_name, tag, &tag_sha);
    evidence.step(json!({"step": "check-build", "run_id": id, "workflow": run.workflow_name, "conclusion": run.conclusion, "head_sha": run.head_sha, "ok": problems.is_empty()}));
    if !problems.is_empty() {
        bail!(
            "refusing to publish run {id}:\n  - {}",
            problems.join("\n  - ")
        );
    }
    if tools::on_path("ergo") {
        let epic_title = blockers::epic_title(tag);
        if let Some(epic) = ergo::list_all(sh)?
            .into_iter()
            .find(|i| i.kind == "epic" && i.title == epic_title)
        {
            let open: Vec<String> = ergo::list_epic(sh, &epic.id)?
                .into_iter()
                .filter(|i| i.kind != "epic" && i.is_open())
                .map(|i| format!("{} {}", i.id, i.title))
                .collect();
            if !open.is_empty() {
                bail!(
                    "refusing to publish: {} blocker(s) open in epic {}; close them in ergo once fixed:\n  - {}",
                    open.len(),
                    epic.id,
                    open.join("\n  - ")
                );
            }
        }
    } else {
        bail!(
            "ergo is not installed, so open release blockers cannot be checked: install ergo v6, then rerun"
        );
    }
    let all = gh::run_list(sh, &settings.publish_workflow, None)?;
    let previous: Vec<&gh::Run> = all
        .iter()
        .filter(|r| r.head_sha == tag_sha && r.event == "workflow_dispatch")
        .collect();
    if let Some(done) = previous.iter().find(|r| r.succeeded()) {
        bail!(
            "{tag} was already published by {} run {} ({}); a succeeded publish is never dispatched again. Next: cargo xtask delivery {tag}",
            settings.publish_workflow,
            done.id,
            done.url
        );
    }
    if let Some(running) = previous.iter().find(|r| !r.completed()) {
        bail!(
            "{} run {} is still {} for {tag}: wait for it (`gh run view {}`) instead of dispatching another",
            settings.publish_workflow,
            running.id,
            running.status,
            running.id
        );
    }
    // The dispatched run is the first new one: it runs at the default
    // branch's head, which may have moved on since the tag.
    let known: Vec<u64> = all.iter().map(|r| r.id).collect();
    let exec = Executor::new(&repo.root, Mode::Live).with_ui(ui);
    let inputs = [
        (BUILD_RUN_ID, id.to_string()),
        (
            ALLOW_PARTIAL_RELEASE,
            args.allow_partial_release.to_string(),
        ),
    ];
    exec.command(
        gh::workflow_run(sh, &settings.publish_workflow, &inputs),
        Duration::from_secs(60),
    )?;
    evidence.step(json!({"step": "dispatch", "workflow": settings.publish_workflow, "build_run_id": id, "allow_partial_release": args.allow_partial_release, "status": "done"}));
    evidence.save()?;
    let schedule = Schedule {
        interval: settings.poll_interval,
        max_interval: settings.poll_max_interval,
        timeout: settings.publish_timeout,
    };
    let mut found_id = None;
    let what = format!(
        "the {} run to appear and complete",
        settings.publish_workflow
    );
    let run = exec
        .wait(&what, schedule, || {
            let found = match found_id {
                Some(rid) => Some(gh::run_view(sh, rid)?),
                None => gh::run_list(sh, &settings.publish_workflow, None)?
                    .into_iter()
                    .filter(|r| r.event == "workflow_dispatch" && !known.contains(&r.id))
                    .max_by_key(|r| r.id),
            };
            if let Some(r) = &found {
                found_id = Some(r.id);
                ui.line(&format!(
                    "    {} run {}: {}",
                    settings.publish_workflow, r.id, r.status
                ));
            }
            Ok(found.filter(gh::Run::completed))
        })?
        .expect("a live wait returns the run");
    evidence.step(
        json!({"step": "publish", "run_id": run.id, "conclusion": run.conclusion, "url": run.url}),
    );
    if run.succeeded() {
        ui.line(&format!("published {tag} with build run {id}: publish run {} ({})\nnext: cargo xtask delivery {tag}", run.id, run.url));
        return Ok(true);
    }
    let jobs = gh::failed_jobs(sh, run.id).unwrap_or_default();
    let fix = format!(
        "fix the failed jobs, close this blocker, then `cargo xtask publish --build-run-id {id}`"
    );
    let blocker = blockers::from_run(
        tag,
        "publish",
        &settings.publish_workflow,
        &run,
        &jobs,
        &fix,
        &evidence.rel,
    );
    let filing = blockers::file(
        sh,
        &repo.root.join(SCRATCH),
        tag,
        std::slice::from_ref(&blocker),
    );
    evidence.set("blockers", filing.to_json());
    ui.line(&format!(
        "{} run {} {}: {}",
        settings.publish_workflow, run.id, run.conclusion, run.url
    ));
    for job in &jobs {
        ui.line(&format!(
            "  failed job: {} ({}) {}",
            job.name, job.conclusion, job.url
        ));
    }
    ui.line(&format!("next: {fix}"));
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(workflow: &str, conclusion: &str, sha: &str) -> gh::Run {
        gh::Run {
            id: 5,
            head_sha: sha.into(),
            event: "push".into(),
            status: "completed".into(),
            conclusion: conclusion.into(),
            url: String::new(),
            workflow_name: workflow.into(),
        }
    }

    #[test]
    fn only_a_successful_build_of_the_tag_is_published() {
        let ok = run("Release", "success", "aaaa");
        assert!(refusals(&ok, "release.yml", "Release", "v1", "aaaa").is_empty());
        let bad = refusals(
            &run("CI", "failure", "bbbb"),
            "release.yml",
            "Release",
            "v1",
            "aaaa",
        );
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].contains("not the build workflow release.yml"));
        assert!(bad[1].contains("is failure, not a success"));
        assert!(bad[2].contains("built bbbb, but v1 is at aaaa"));
    }
}
