//! The release pipeline: gather the facts, plan with [`plan::mechanics`],
//! hand each step to the [`Executor`], and after each wait look again, so an
//! interrupted run resumes from the real state. `release` and `publish` are
//! two entries of this one loop.

use std::path::Path;

use anyhow::{Result, bail};
use semver::Version;
use serde_json::json;
use xshell::Shell;

use super::blockers::{self, Blocker, Filing};
use super::evidence::Evidence;
use super::plan::{self, Entry, Facts, Outcome, Step, TagFact, Workflows};
use crate::effects::{Applied, Effect, Executor};
use crate::gates::short;
use crate::schedule::Schedule;
use crate::survey::Repo;
use crate::tools::{gh, git};
use crate::ui::Ui;

/// How far the pipeline got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// A dry-run showed every step.
    Shown,
    /// Published, and every channel serves the release.
    Delivered,
    /// A run or the delivery failed; a blocker says what to do.
    Failed,
}

/// Which workflow run a step waits for.
#[derive(Clone, Copy)]
enum RunKind {
    Build,
    Publish,
}

/// What applying one step leads to.
enum Progress {
    /// On to the next step.
    Next,
    /// A step was only shown (a dry-run).
    Shown,
    /// A wait ended: the facts have changed, look again.
    LookAgain,
    /// The delivery was checked: the end.
    Delivered(bool),
}

/// Everything a run of the pipeline needs.
pub struct Pipeline<'a> {
    pub sh: &'a Shell,
    pub repo: &'a Repo,
    pub exec: &'a Executor<'a>,
    pub ui: Ui,
    pub entry: Entry,
    pub target: &'a Version,
    pub tag: &'a str,
    /// Every tag of the release: the release tag first, then the Go module's.
    pub tags: &'a [String],
    /// The commit released: HEAD for `release`; for `publish`, found on the remote.
    pub head: &'a str,
    pub scratch: &'a Path,
}

impl Pipeline<'_> {
    /// Applies (or shows) the plan until it is done.
    pub fn run(&self, evidence: &mut Evidence) -> Result<Reached> {
        let mut earlier: Option<Vec<u64>> = None;
        for round in 0..12 {
            let facts = self.gather(evidence, &mut earlier)?;
            let plan = plan::mechanics(&facts);
            // What the first look finds was left by an earlier run; later
            // rounds only see this run's own work.
            for r in plan.reused.iter().filter(|_| round == 0) {
                self.ui.line(&format!("    reusing {r}"));
                evidence.step(json!({"step": "reuse", "what": r}));
            }
            match &plan.outcome {
                Outcome::Continue => {}
                Outcome::Conflict(message) => bail!(
                    "{message}: a tag is never moved; if that version is out, bump to the next one (`cargo xtask bump`)"
                ),
                Outcome::Refused(message) => bail!("{message}"),
                Outcome::Published {
                    build_run,
                    publish_run,
                } => {
                    evidence.step(json!({"step": "done", "build_run_id": build_run, "publish_run_id": publish_run}));
                    evidence.save()?;
                    self.ui.line(&format!(
                        "\npublished {}: build run {build_run}, publish run {publish_run}",
                        self.tag
                    ));
                }
                Outcome::BuildFailed(run) => {
                    let fix = format!(
                        "fix the failed jobs, then `gh run rerun {} --failed` and rerun `cargo xtask release {} --live`",
                        run.id, self.tag
                    );
                    self.run_failed(evidence, RunKind::Build, run, &fix)?;
                    return Ok(Reached::Failed);
                }
                Outcome::PublishFailed { build_run, run } => {
                    let fix = format!(
                        "fix the failed jobs, then retry the publish only: `cargo xtask publish --build-run-id {build_run} --live`"
                    );
                    self.run_failed(evidence, RunKind::Publish, run, &fix)?;
                    return Ok(Reached::Failed);
                }
            }
            let mut shown = false;
            for step in &plan.steps {
                let progress = self.apply(step, evidence)?;
                evidence.save()?;
                match progress {
                    Progress::Next => {}
                    Progress::Shown => shown = true,
                    Progress::LookAgain => break,
                    Progress::Delivered(true) => return Ok(Reached::Delivered),
                    Progress::Delivered(false) => return Ok(Reached::Failed),
                }
            }
            if shown {
                return Ok(Reached::Shown);
            }
        }
        bail!("the release did not settle after 12 rounds of checks")
    }

    fn gather(&self, evidence: &Evidence, earlier: &mut Option<Vec<u64>>) -> Result<Facts> {
        let settings = &self.repo.config.release;
        let names: Vec<&str> = self.tags.iter().map(String::as_str).collect();
        let remote = git::remote_tags(self.sh, &settings.remote, &names)?;
        let tags = self
            .tags
            .iter()
            .zip(remote)
            .map(|(name, remote)| {
                Ok(TagFact {
                    name: name.clone(),
                    local: git::local_tag(self.sh, name)?,
                    remote,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (head, build_runs) = match self.entry {
            Entry::Release => (self.head.to_string(), self.runs(&settings.build_workflow)?),
            // A tag not on the remote is refused by the plan; no run to view.
            Entry::Publish { build_run, .. } => match &tags[0].remote {
                Some(sha) => (
                    sha.clone(),
                    vec![gh::run_view(self.sh, settings.repo()?, build_run)?],
                ),
                None => (String::new(), Vec::new()),
            },
        };
        let publish_runs = self.runs(&settings.publish_workflow)?;
        let earlier = earlier
            .get_or_insert_with(|| publish_runs.iter().map(|r| r.id).collect())
            .clone();
        Ok(Facts {
            entry: self.entry.clone(),
            head,
            remote: settings.remote.clone(),
            workflows: Workflows {
                build: settings.build_workflow.clone(),
                build_name: workflow_name(&self.repo.root, &settings.build_workflow),
                publish: settings.publish_workflow.clone(),
            },
            tags,
            build_runs,
            publish_runs,
            earlier_publish_runs: earlier,
            dispatched_for: evidence.dispatched_for(),
        })
    }

    /// The runs of `workflow`; a dry-run that cannot ask GitHub (no gh, no
    /// login) still shows its plan, as if no run existed yet.
    fn runs(&self, workflow: &str) -> Result<Vec<gh::Run>> {
        self.exec.query_or(
            self.repo
                .config
                .release
                .repo()
                .and_then(|repo| gh::run_list(self.sh, repo, workflow, None)),
            Vec::new(),
            &format!("list {workflow} runs"),
        )
    }

    fn schedule(&self, timeout: std::time::Duration) -> Schedule {
        let settings = &self.repo.config.release;
        Schedule {
            interval: settings.poll_interval,
            max_interval: settings.poll_max_interval,
            timeout,
            growth: 1.5,
        }
    }

    fn apply(&self, step: &Step, evidence: &mut Evidence) -> Result<Progress> {
        let settings = &self.repo.config.release;
        let progress = |applied: &Applied| {
            if applied.done() {
                Progress::Next
            } else {
                Progress::Shown
            }
        };
        match step {
            Step::CreateTag { name, sha, message } => {
                let applied = self.exec.apply(&Effect::Tag {
                    name: name.clone(),
                    sha: sha.clone(),
                    message: message.clone(),
                })?;
                evidence.step(
                    json!({"step": "tag", "tag": name, "sha": sha, "status": applied.status()}),
                );
                Ok(progress(&applied))
            }
            Step::PushTags { remote, tags } => {
                let applied = self.exec.apply(&Effect::Push {
                    remote: remote.clone(),
                    tags: tags.clone(),
                })?;
                evidence.step(json!({"step": "push", "remote": remote, "tags": tags, "atomic": true, "status": applied.status()}));
                Ok(progress(&applied))
            }
            Step::Dispatch {
                build_run,
                allow_partial,
            } => {
                let applied = self.exec.apply(&Effect::Dispatch {
                    repo: settings.repo()?.to_string(),
                    workflow: settings.publish_workflow.clone(),
                    build_run: *build_run,
                    allow_partial: *allow_partial,
                })?;
                evidence.step(json!({"step": "dispatch", "workflow": settings.publish_workflow, "build_run_id": build_run, "allow_partial_release": allow_partial, "status": applied.status()}));
                Ok(progress(&applied))
            }
            Step::AwaitBuild { sha, run } => {
                self.await_step(evidence, RunKind::Build, sha, *run, &[])
            }
            Step::AwaitPublish { sha, run, known } => {
                self.await_step(evidence, RunKind::Publish, sha, *run, known)
            }
            Step::CheckDelivery => {
                let what = format!("cargo xtask delivery {}", self.tag);
                match self.exec.check(&what, || self.deliver(evidence))? {
                    Some(ok) => Ok(Progress::Delivered(ok)),
                    None => Ok(Progress::Shown),
                }
            }
        }
    }

    /// Finds the build or publish run (by `sha`, or any new dispatch not in
    /// `known`), polls it until it completes, and records it.
    fn await_step(
        &self,
        evidence: &mut Evidence,
        kind: RunKind,
        sha: &str,
        run: Option<u64>,
        known: &[u64],
    ) -> Result<Progress> {
        let s = &self.repo.config.release;
        let (name, workflow, event, timeout) = match kind {
            RunKind::Build => ("build", &s.build_workflow, "push", s.build_timeout),
            RunKind::Publish => (
                "publish",
                &s.publish_workflow,
                "workflow_dispatch",
                s.publish_timeout,
            ),
        };
        let mut id = run;
        let what = match run {
            Some(id) => format!("{workflow} run {id} to complete"),
            None => format!(
                "the {workflow} run of {} to appear and complete",
                short(sha)
            ),
        };
        let found = self.exec.wait(&what, self.schedule(timeout), || {
            let found = match id {
                Some(id) => Some(gh::run_view(self.sh, s.repo()?, id)?),
                None => gh::run_list(self.sh, s.repo()?, workflow, None)?
                    .into_iter()
                    // A dispatched run runs at the default branch's head,
                    // which may have moved on: any new dispatch is it.
                    .filter(|r| {
                        r.event == event
                            && !known.contains(&r.id)
                            && (event == "workflow_dispatch" || r.head_sha == sha)
                    })
                    .max_by_key(|r| r.id),
            };
            if let Some(run) = &found {
                if id.is_none() {
                    self.ui.line(&format!(
                        "    found {workflow} run {} ({})",
                        run.id, run.url
                    ));
                }
                id = Some(run.id);
                self.ui
                    .line(&format!("    {workflow} run {}: {}", run.id, run.status));
            }
            Ok(found.filter(gh::Run::completed))
        })?;
        let Some(run) = found else {
            return Ok(Progress::Shown);
        };
        self.ui.line(&format!(
            "    {name} run {}: {} ({})",
            run.id, run.conclusion, run.url
        ));
        evidence.step(
            json!({"step": name, "run_id": run.id, "conclusion": run.conclusion, "url": run.url}),
        );
        Ok(Progress::LookAgain)
    }

    /// Delivery verification, the last step: every channel must serve the
    /// version. A failure files a blocker.
    fn deliver(&self, evidence: &mut Evidence) -> Result<bool> {
        if self.repo.config.distribution.delivery.is_none() {
            self.ui.line(&format!(
                "no [delivery] in {}: delivery not checked; declare it, then run `cargo xtask delivery {}`",
                crate::config::PATH,
                self.tag
            ));
            evidence.step(
                json!({"step": "delivery", "status": "skipped", "reason": "no [delivery] section"}),
            );
            evidence.save()?;
            return Ok(true);
        }
        self.ui.line(&format!(
            "checking delivery: cargo xtask delivery {}",
            self.tag
        ));
        let report = crate::delivery::check(self.sh, self.repo, self.target, &Default::default())?;
        for line in report.render().lines() {
            self.ui.line(&format!("    {line}"));
        }
        evidence.step(json!({"step": "delivery", "status": if report.ok() { "passed" } else { "failed" }, "report": report.to_json()}));
        evidence.save()?;
        if !report.ok() {
            let build_run = evidence.last_build_run().unwrap_or_default();
            let blocker = blockers::from_delivery(self.tag, &report, build_run, &evidence.rel);
            let filing = self.file_blocker(&blocker);
            evidence.set("blockers", filing.to_json());
            evidence.save()?;
        }
        Ok(report.ok())
    }

    /// Files one blocker found by the pipeline, and says what happened.
    fn file_blocker(&self, blocker: &Blocker) -> Filing {
        let filing = blockers::file(
            self.exec,
            self.sh,
            self.scratch,
            self.tag,
            std::slice::from_ref(blocker),
        );
        report_filing(self.ui, self.tag, &filing);
        filing
    }

    /// Reports a failed run with its failed jobs, and files a blocker.
    fn run_failed(
        &self,
        evidence: &mut Evidence,
        kind: RunKind,
        run: &gh::Run,
        fix: &str,
    ) -> Result<()> {
        let s = &self.repo.config.release;
        let (gate, workflow) = match kind {
            RunKind::Build => ("build", &s.build_workflow),
            RunKind::Publish => ("publish", &s.publish_workflow),
        };
        let jobs = s
            .repo()
            .and_then(|repo| gh::failed_jobs(self.sh, repo, run.id))
            .unwrap_or_default();
        self.ui.line(&format!(
            "\n{workflow} run {} {}: {}",
            run.id, run.conclusion, run.url
        ));
        for job in &jobs {
            self.ui.line(&format!(
                "  failed job: {} ({}) {}",
                job.name, job.conclusion, job.url
            ));
        }
        let blocker = blockers::from_run(self.tag, gate, workflow, run, &jobs, fix, &evidence.rel);
        let filing = self.file_blocker(&blocker);
        evidence.step(json!({
            "step": gate,
            "run_id": run.id,
            "conclusion": run.conclusion,
            "failed_jobs": jobs.iter().map(|j| json!({"name": j.name, "conclusion": j.conclusion, "url": j.url})).collect::<Vec<_>>(),
            "blocker": filing.to_json(),
        }));
        evidence.set("blockers", filing.to_json());
        evidence.save()?;
        self.ui.line(&format!("next: {fix}"));
        Ok(())
    }
}

/// Says what filing the blockers did, and lists the open ones.
pub fn report_filing(ui: Ui, tag: &str, filing: &Filing) {
    for (id, title) in &filing.filed {
        ui.line(&format!("filed blocker {id}: {title}"));
    }
    if let Some(err) = &filing.error {
        ui.warn(&format!(
            "error: could not file the release blockers in ergo: {err}"
        ));
        for title in &filing.unfiled {
            ui.warn(&format!("  unfiled: {title}"));
        }
    }
    if !filing.open.is_empty() {
        ui.line(&format!(
            "open blockers of {} (epic {}):",
            blockers::epic_title(tag),
            filing.epic_id.as_deref().unwrap_or("?")
        ));
        for (id, title, state) in &filing.open {
            ui.line(&format!("  {id} [{state}] {title}"));
        }
    }
}

/// Why a filing forbids acting: ergo unusable, or blockers still open.
pub fn filing_refusals(filing: &Filing) -> Vec<String> {
    let mut refusals = Vec::new();
    if let Some(err) = &filing.error {
        refusals.push(format!("ergo could not be used: {err}"));
    }
    if !filing.open.is_empty() {
        refusals.push(format!(
            "{} blocker(s) open in epic {}: close them in ergo once fixed",
            filing.open.len(),
            filing.epic_id.as_deref().unwrap_or("?")
        ));
    }
    refusals
}

/// Reads `name:` from `.github/workflows/<file>`; GitHub names a workflow
/// without one by its path.
pub fn workflow_name(root: &Path, file: &str) -> String {
    let path = format!(".github/workflows/{file}");
    std::fs::read_to_string(root.join(&path))
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let name = l.strip_prefix("name:")?.trim();
                Some(name.trim_matches(|c| c == '"' || c == '\'').to_string())
            })
        })
        .unwrap_or(path)
}
