//! The release pipeline: gather the facts, plan with [`plan::mechanics`],
//! hand each step to the [`Executor`], and after each wait look again, so an
//! interrupted run resumes from the real state. `release` and `publish` are
//! two entries of this one loop.

pub(crate) mod evidence;
pub(crate) mod plan;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use semver::Version;
use serde_json::json;
use xshell::Shell;

use crate::blockers::{self, Blocker, Filing};
use crate::cli;
use crate::config::release::ReleaseSettings;
use crate::effects::{Applied, Effect, Executor};
use crate::schedule::Schedule;
use crate::survey::Repo;
use crate::tools::gh::publish_title;
use crate::tools::git::short;
use crate::tools::{gh, git};
use crate::ui::Ui;
use crate::words::{quote, quote_words};
use evidence::Evidence;
use plan::{Entry, Facts, Outcome, Step, TagFact, Workflows};

/// Every tag the release makes: the release tag, then the Go module's.
fn release_tags(settings: &ReleaseSettings, tag: &str) -> Vec<String> {
    let mut tags = vec![tag.to_string()];
    if let Some(dir) = &settings.go_module {
        tags.push(format!("{}/{tag}", dir.trim_end_matches('/')));
    }
    tags
}

/// How far the pipeline got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reached {
    /// A dry-run showed every step.
    Shown,
    /// Published, and every channel serves the release.
    Delivered,
    /// A run or the delivery failed; a blocker says what to do.
    Failed,
    /// `--rehearse`: the rehearsal passed; nothing was tagged or published.
    Rehearsed,
}

/// Which workflow run a step waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RunKind {
    Build,
    Publish,
    RehearsalBuild,
    RehearsalPublish,
}

impl RunKind {
    /// The evidence step and blocker gate of its run, and the rehearsal's phase.
    fn gate(self) -> (&'static str, Option<&'static str>) {
        match self {
            RunKind::Build => ("build", None),
            RunKind::Publish => ("publish", None),
            RunKind::RehearsalBuild => ("rehearsal", Some("build")),
            RunKind::RehearsalPublish => ("rehearsal", Some("publish")),
        }
    }

    /// Whether its runs are of the build workflow.
    fn builds(self) -> bool {
        matches!(self, RunKind::Build | RunKind::RehearsalBuild)
    }
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

/// One run of the pipeline: what it acts on, and the evidence it keeps.
pub(crate) struct Pipeline<'a> {
    pub sh: &'a Shell,
    pub repo: &'a Repo,
    pub exec: &'a Executor<'a>,
    pub ui: Ui,
    pub entry: Entry,
    pub target: Version,
    pub tag: String,
    /// Every tag of the release: the release tag first, then the Go
    /// module's (a publish acts on the release tag alone).
    pub tags: Vec<String>,
    pub scratch: PathBuf,
    /// The command that goes on from where a stopped run left off.
    pub rerun: String,
    /// The run's record, saved after every step.
    pub evidence: Evidence,
    started: Instant,
}

impl<'a> Pipeline<'a> {
    /// Opens a run of `command` (`release` or `publish`) of `target`: its
    /// tags and its evidence record. The caller holds the repository lock.
    pub(crate) fn open(
        sh: &'a Shell,
        repo: &'a Repo,
        exec: &'a Executor<'a>,
        ui: Ui,
        command: &str,
        entry: Entry,
        target: Version,
    ) -> Result<Pipeline<'a>> {
        let started = Instant::now();
        let tag = repo.config.tag(&target);
        let mut tags = release_tags(&repo.config.release, &tag);
        if matches!(entry, Entry::Publish { .. }) {
            tags.truncate(1);
        }
        let (evidence, warning) = Evidence::open(&repo.root, &tag, command)?;
        if let Some(warning) = warning {
            ui.warn(&format!("warning: {warning}"));
        }
        Ok(Pipeline {
            sh,
            repo,
            exec,
            ui,
            entry,
            target,
            tag,
            tags,
            scratch: repo.root.join(crate::config::SCRATCH),
            rerun: String::new(),
            evidence,
            started,
        })
    }

    /// Records the outcome and the timing (the xtask's own time is the
    /// total minus the gates').
    pub(crate) fn finish(&mut self, gates_time: Duration, outcome: &str) -> Result<()> {
        let total = self.started.elapsed();
        let overhead = total.saturating_sub(gates_time);
        self.evidence.set("outcome", json!(outcome));
        self.evidence.set(
            "timing",
            json!({
                "total_ms": total.as_millis() as u64,
                "gates_ms": gates_time.as_millis() as u64,
                "overhead_ms": overhead.as_millis() as u64,
                "overhead_percent": if total.is_zero() { 0.0 } else { (overhead.as_secs_f64() / total.as_secs_f64() * 1000.0).round() / 10.0 },
            }),
        );
        self.evidence.save()
    }

    /// The next step of a run that failed gates or open blockers stopped:
    /// fix (what the gate table names, or what the run that filed a blocker
    /// said fixes it, as its evidence recorded), close each blocker
    /// (`ergo done <ID>`), rerun.
    pub(crate) fn next_after_refusal(
        &self,
        gates_failed: bool,
        open: &[(String, String)],
    ) -> String {
        let mut steps = Vec::new();
        let mut closes = Vec::new();
        for (id, title) in open {
            match self.evidence.fix_of(title) {
                Some((first, _)) => steps.push(format!(
                    "{first}, then close its blocker (`ergo done {id}`)"
                )),
                None => closes.push(format!("`ergo done {id}`")),
            }
        }
        let closes = closes.join(", ");
        match (gates_failed, closes.is_empty()) {
            (true, true) => steps.insert(0, "fix what the table above names".to_string()),
            (true, false) => steps.insert(
                0,
                format!("fix what the table above names, close each ({closes})"),
            ),
            (false, false) => {
                steps.push(format!("close each blocker whose fix is done ({closes})"))
            }
            (false, true) => {}
        }
        format!("{}, then rerun `{}`", steps.join("; "), self.rerun)
    }

    /// Files the blockers found before the pipeline runs (none for a
    /// publish: its filing lists the open ones), says what happened, and
    /// what they forbid.
    pub(crate) fn file_found(&mut self, found: &[Blocker]) -> Result<(Filing, Vec<String>)> {
        let filing = blockers::file(self.exec, self.sh, &self.scratch, &self.tag, found);
        self.evidence.set("blockers", filing.to_json());
        self.evidence.save()?;
        blockers::report_filing(self.ui, &self.tag, &filing);
        let refusals = blockers::filing_refusals(&filing);
        Ok((filing, refusals))
    }

    /// Applies (or shows) the plan until it is done.
    pub(crate) fn run(&mut self) -> Result<Reached> {
        let mut earlier: Option<Vec<u64>> = None;
        let mut rehearsal_recorded = false;
        for round in 0..12 {
            let facts = self.gather(&mut earlier).map_err(|err| {
                let summary = "the release's tags and workflow runs could not be read";
                self.fail("state", summary, "git ls-remote; gh run list", err)
            })?;
            let plan = plan::mechanics(&facts);
            // What the first look finds was left by an earlier run; later
            // rounds only see this run's own work.
            for r in plan.reused.iter().filter(|_| round == 0) {
                self.ui.line(&format!("    reusing {r}"));
                self.evidence.step(json!({"step": "reuse", "what": r}));
            }
            // The rehearsal that passed, before any tag: once per run.
            if let Some((build, publish)) = plan.rehearsed.filter(|_| !rehearsal_recorded) {
                rehearsal_recorded = true;
                self.evidence.step(json!({"step": "rehearsal", "status": "passed", "build_run_id": build, "publish_run_id": publish}));
                self.evidence.save()?;
            }
            if let Some(reached) = self.settle(&plan.outcome)? {
                return Ok(reached);
            }
            let mut shown = false;
            for step in &plan.steps {
                let progress = match self.apply(step) {
                    Ok(progress) => progress,
                    Err(err) => {
                        let (gate, summary, command) = self.describe(step);
                        return Err(self.fail(gate, &summary, &command, err));
                    }
                };
                self.evidence.save()?;
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

    /// What an outcome means for the round: `None` goes on with its steps;
    /// `Some` ends the pipeline (a failed run, after its blocker is filed).
    fn settle(&mut self, outcome: &Outcome) -> Result<Option<Reached>> {
        match outcome {
            Outcome::Continue => Ok(None),
            // The `tag` gate has filed this already.
            Outcome::Conflict(message) => bail!(
                "{message}: a tag is never moved; if that version is out, bump to the next one (`cargo xtask bump`)"
            ),
            Outcome::Refused(message) => bail!("{message}"),
            Outcome::Published {
                build_run,
                publish_run,
            } => {
                self.evidence.step(json!({"step": "done", "build_run_id": build_run, "publish_run_id": publish_run}));
                self.evidence.save()?;
                self.ui.line(&format!(
                    "\npublished {}: build run {build_run}, publish run {publish_run}",
                    self.tag
                ));
                Ok(None)
            }
            Outcome::BuildFailed(run) => {
                let repo = self.repo.config.release.repo()?;
                let first = format!(
                    "fix the failed jobs, then rerun them: `gh run rerun {} --failed --repo {}`",
                    run.id,
                    quote(repo)
                );
                let rerun = self.rerun.clone();
                self.run_failed(RunKind::Build, run, &first, &rerun)?;
                Ok(Some(Reached::Failed))
            }
            Outcome::PublishFailed { build_run, run } => {
                let retry = cli::publish_retry(Some(*build_run));
                self.run_failed(RunKind::Publish, run, "fix the failed jobs", &retry)?;
                Ok(Some(Reached::Failed))
            }
            Outcome::RehearsalFailed { run, publish } => {
                let repo = self.repo.config.release.repo()?;
                let kind = if *publish {
                    RunKind::RehearsalPublish
                } else {
                    RunKind::RehearsalBuild
                };
                let first = format!(
                    "nothing was tagged; fix the failed jobs of the rehearsal, then rerun them: `gh run rerun {} --failed --repo {repo}`",
                    run.id
                );
                let rerun = self.rerun.clone();
                self.run_failed(kind, run, &first, &rerun)?;
                Ok(Some(Reached::Failed))
            }
            Outcome::Rehearsed {
                build_run,
                publish_run,
            } => {
                self.ui.line(&format!(
                    "\nrehearsed {} at {}: build run {build_run}, publish rehearsal run {publish_run}; nothing was tagged or published",
                    self.tag,
                    short(&self.facts_head())
                ));
                self.ui.line(&format!(
                    "next: `cargo xtask release {} --live` tags this commit and publishes build run {build_run} (the rehearsal is reused)",
                    self.tag
                ));
                Ok(Some(Reached::Rehearsed))
            }
        }
    }

    /// The commit a release acts on (HEAD), or empty for a publish.
    fn facts_head(&self) -> String {
        match &self.entry {
            Entry::Release { head, .. } => head.clone(),
            Entry::Publish { .. } => String::new(),
        }
    }

    fn gather(&self, earlier: &mut Option<Vec<u64>>) -> Result<Facts> {
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
        let (head, build_runs) = match &self.entry {
            Entry::Release { head, .. } => (head.clone(), self.runs(&settings.build_workflow)?),
            // A tag not on the remote is refused by the plan; no run to view.
            Entry::Publish { build_run, .. } => match &tags[0].remote {
                Some(sha) => (
                    sha.clone(),
                    vec![gh::run_view(self.sh, settings.repo()?, *build_run)?],
                ),
                None => (String::new(), Vec::new()),
            },
        };
        let publish_runs = self.runs(&settings.publish_workflow)?;
        let earlier = earlier
            .get_or_insert_with(|| publish_runs.iter().map(|r| r.id).collect())
            .clone();
        // A retry after a successful publish looks at delivery once, before
        // its own dispatch; once its own run exists, the delivery step does.
        let undelivered = match &self.entry {
            Entry::Publish { build_run, .. } => {
                let title = publish_title(*build_run);
                let ours = |r: &&gh::Run| r.display_title == title;
                let published = publish_runs
                    .iter()
                    .filter(ours)
                    .any(|r| earlier.contains(&r.id) && r.succeeded());
                let own = publish_runs
                    .iter()
                    .filter(ours)
                    .any(|r| !earlier.contains(&r.id));
                if published && !own {
                    self.undelivered()
                } else {
                    None
                }
            }
            Entry::Release { .. } => None,
        };
        let (rehearsal_builds_dispatched, rehearsals_dispatched_for) =
            self.evidence.rehearsals_dispatched();
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
            dispatched_for: self.evidence.dispatched_for(),
            rehearsal_builds_dispatched,
            rehearsals_dispatched_for,
            undelivered,
        })
    }

    /// The channels that do not serve the release at one look (no waiting),
    /// or `None` when delivery cannot be checked (no `[delivery]`).
    fn undelivered(&self) -> Option<Vec<String>> {
        self.repo.config.distribution.delivery.as_ref()?;
        let once = crate::delivery::Options {
            channels: None,
            max_wait: Some(std::time::Duration::ZERO),
            artifacts: Vec::new(),
        };
        let report = crate::delivery::check(self.sh, self.repo, &self.target, &once).ok()?;
        let missing: Vec<String> = report
            .missing()
            .map(|o| o.channel.name().to_string())
            .collect();
        if !missing.is_empty() {
            // A dispatch follows: live, or shown in a dry-run.
            let names: Vec<&str> = missing.iter().map(String::as_str).collect();
            let serving = crate::delivery::report::not_serving(&names);
            self.exec.announce(
                &format!(
                    "    {serving} {} after its publish: publishing again",
                    self.tag
                ),
                &format!(
                    "    {serving} {} after its publish: a live run publishes again",
                    self.tag
                ),
            );
        }
        Some(missing)
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

    fn apply(&mut self, step: &Step) -> Result<Progress> {
        let settings = &self.repo.config.release;
        let progress = |applied: &Applied| {
            if applied.done() {
                Progress::Next
            } else {
                Progress::Shown
            }
        };
        match step {
            Step::SkipRehearsal => {
                self.ui.line(
                    "    no rehearsal (--no-rehearsal): the GitHub path is first tried on the tag",
                );
                self.evidence.step(
                    json!({"step": "rehearsal", "status": "skipped", "reason": "--no-rehearsal"}),
                );
                Ok(Progress::Next)
            }
            Step::DispatchRehearsalBuild { branch, tag, sha } => {
                let applied = self.exec.apply(&Effect::Dispatch {
                    repo: settings.repo()?.to_string(),
                    workflow: settings.build_workflow.clone(),
                    git_ref: Some(branch.clone()),
                    inputs: gh::rehearsal_build_inputs(tag),
                    placeholder: false,
                })?;
                self.evidence.step(json!({"step": "rehearsal", "phase": "dispatch build", "workflow": settings.build_workflow, "ref": branch, "sha": sha, "status": applied.status()}));
                Ok(progress(&applied))
            }
            Step::AwaitRehearsalBuild { sha, run, known } => {
                let of = format!("rehearsing {} at {}", self.tag, short(sha));
                let title = gh::rehearsal_build_title(&self.tag);
                let wanted = |r: &gh::Run| {
                    r.event == "workflow_dispatch"
                        && r.head_sha == *sha
                        && r.display_title == title
                        && !known.contains(&r.id)
                };
                self.await_step(RunKind::RehearsalBuild, &of, *run, &wanted)
            }
            Step::DispatchRehearsal { build_run } => {
                let applied = self.exec.apply(&Effect::Dispatch {
                    repo: settings.repo()?.to_string(),
                    workflow: settings.publish_workflow.clone(),
                    git_ref: None,
                    inputs: gh::publish_inputs(*build_run, false, true),
                    placeholder: build_run.is_none(),
                })?;
                self.evidence.step(json!({"step": "rehearsal", "phase": "dispatch publish", "workflow": settings.publish_workflow, "build_run_id": build_run, "status": applied.status()}));
                Ok(progress(&applied))
            }
            Step::AwaitRehearsal {
                build_run,
                run,
                known,
            } => {
                let title = build_run.map(gh::rehearsal_title);
                let of = match build_run {
                    Some(id) => format!("rehearsing the publish of build run {id}"),
                    None => "rehearsing the publish of the rehearsal build".to_string(),
                };
                let wanted = |r: &gh::Run| {
                    r.event == "workflow_dispatch"
                        && !known.contains(&r.id)
                        && title.as_ref().is_none_or(|t| r.display_title == *t)
                };
                self.await_step(RunKind::RehearsalPublish, &of, *run, &wanted)
            }
            Step::CreateTag { name, sha, message } => {
                let applied = self.exec.apply(&Effect::Tag {
                    name: name.clone(),
                    sha: sha.clone(),
                    message: message.clone(),
                })?;
                self.evidence.step(
                    json!({"step": "tag", "tag": name, "sha": sha, "status": applied.status()}),
                );
                Ok(progress(&applied))
            }
            Step::PushTags { remote, tags } => {
                let applied = self.exec.apply(&Effect::Push {
                    remote: remote.clone(),
                    tags: tags.clone(),
                })?;
                self.evidence.step(json!({"step": "push", "remote": remote, "tags": tags, "atomic": true, "status": applied.status()}));
                Ok(progress(&applied))
            }
            Step::Dispatch {
                build_run,
                allow_partial,
            } => {
                let applied = self.exec.apply(&Effect::Dispatch {
                    repo: settings.repo()?.to_string(),
                    workflow: settings.publish_workflow.clone(),
                    git_ref: None,
                    inputs: gh::publish_inputs(*build_run, *allow_partial, false),
                    placeholder: build_run.is_none(),
                })?;
                self.evidence.step(json!({"step": "dispatch", "workflow": settings.publish_workflow, "build_run_id": build_run, "allow_partial_release": allow_partial, "status": applied.status()}));
                if *allow_partial && applied.done() {
                    self.file_incident(build_run.unwrap_or_default());
                }
                Ok(progress(&applied))
            }
            Step::AwaitBuild { sha, run } => {
                let of = format!("of {}", short(sha));
                let wanted = |r: &gh::Run| r.event == "push" && r.head_sha == *sha;
                self.await_step(RunKind::Build, &of, *run, &wanted)
            }
            Step::AwaitPublish {
                build_run,
                run,
                known,
            } => {
                // A dispatched run carries the default branch's head, which
                // may have moved on: it is found by the build it publishes.
                let title = build_run.map(publish_title);
                let of = match build_run {
                    Some(id) => format!("of build run {id}"),
                    None => "of the build run".to_string(),
                };
                let wanted = |r: &gh::Run| {
                    r.event == "workflow_dispatch"
                        && !known.contains(&r.id)
                        && title.as_ref().is_none_or(|t| r.display_title == *t)
                };
                self.await_step(RunKind::Publish, &of, *run, &wanted)
            }
            Step::CheckDelivery => {
                let what = format!("cargo xtask delivery {}", self.tag);
                let exec = self.exec;
                match exec.check(&what, || self.deliver())? {
                    Some(ok) => Ok(Progress::Delivered(ok)),
                    None => Ok(Progress::Shown),
                }
            }
        }
    }

    /// Finds the build or publish run (the newest that is `wanted`, unless
    /// `run` names it), polls it until it completes, and records it.
    fn await_step(
        &mut self,
        kind: RunKind,
        of: &str,
        run: Option<u64>,
        wanted: &dyn Fn(&gh::Run) -> bool,
    ) -> Result<Progress> {
        let s = &self.repo.config.release;
        let (name, phase) = kind.gate();
        let (workflow, timeout) = if kind.builds() {
            (&s.build_workflow, s.build_timeout)
        } else {
            (&s.publish_workflow, s.publish_timeout)
        };
        let mut id = run;
        let what = match run {
            Some(id) => format!("{workflow} run {id} to complete"),
            None => format!("the {workflow} run {of} to appear and complete"),
        };
        let found = self.exec.wait(&what, self.schedule(timeout), || {
            let found = match id {
                Some(id) => Some(gh::run_view(self.sh, s.repo()?, id)?),
                None => gh::run_list(self.sh, s.repo()?, workflow, None)?
                    .into_iter()
                    .filter(|r| wanted(r))
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
        let label = phase.map_or(name.to_string(), |p| format!("{name} {p}"));
        self.ui.line(&format!(
            "    {label} run {}: {} ({})",
            run.id, run.conclusion, run.url
        ));
        let mut record =
            json!({"step": name, "run_id": run.id, "conclusion": run.conclusion, "url": run.url});
        if let Some(phase) = phase {
            record["phase"] = json!(phase);
        }
        self.evidence.step(record);
        Ok(Progress::LookAgain)
    }

    /// Delivery verification, the last step: every channel must serve the
    /// version. A failure files a blocker.
    fn deliver(&mut self) -> Result<bool> {
        if self.repo.config.distribution.delivery.is_none() {
            self.ui.line(&format!(
                "no [delivery] in {}: delivery not checked; declare it, then run `cargo xtask delivery {}`",
                crate::config::PATH,
                quote(&self.tag)
            ));
            self.evidence.step(
                json!({"step": "delivery", "status": "skipped", "reason": "no [delivery] section"}),
            );
            self.evidence.save()?;
            return Ok(true);
        }
        self.ui.line(&format!(
            "checking delivery: cargo xtask delivery {}",
            self.tag
        ));
        let report = crate::delivery::check(self.sh, self.repo, &self.target, &Default::default())?;
        for line in report.render().lines() {
            self.ui.line(&format!("    {line}"));
        }
        report.annotate();
        crate::actions::summarize(&report.markdown());
        self.evidence.step(json!({"step": "delivery", "status": if report.ok() { "passed" } else { "failed" }, "report": report.to_json()}));
        self.evidence.save()?;
        if !report.ok() {
            let build_run = self.evidence.last_build_run().unwrap_or_default();
            let blocker = crate::delivery::blocker::blocker(
                &self.tag,
                &report,
                Some(build_run),
                &self.evidence.rel,
            );
            let filing = self.file_blocker(&blocker);
            self.evidence.set("blockers", filing.to_json());
            self.evidence.save()?;
            self.ui.line(&format!(
                "next: find why in the publish run's jobs, {}, then publish again: `{}`",
                blockers::close_hint(&filing, &blocker.title),
                cli::publish_retry(Some(build_run))
            ));
        }
        Ok(report.ok())
    }

    /// What a step is, for the blocker of its failure: the gate, a stable
    /// summary, and the command it runs.
    fn describe(&self, step: &Step) -> (&'static str, String, String) {
        let s = &self.repo.config.release;
        let id = |run: &Option<u64>| run.map_or("?".to_string(), |id| id.to_string());
        match step {
            Step::SkipRehearsal => (
                "rehearsal",
                "the rehearsal could not be skipped".to_string(),
                String::new(),
            ),
            Step::DispatchRehearsalBuild { branch, sha, .. } => (
                "rehearsal",
                format!(
                    "the dispatch of the rehearsal build of {} on {branch} failed",
                    short(sha)
                ),
                format!("gh workflow run {} --ref {branch}", s.build_workflow),
            ),
            Step::AwaitRehearsalBuild { sha, .. } => (
                "rehearsal",
                format!(
                    "no completed rehearsal build ({}) of {}",
                    s.build_workflow,
                    short(sha)
                ),
                format!("gh run list --workflow {}", s.build_workflow),
            ),
            Step::DispatchRehearsal { build_run } => (
                "rehearsal",
                format!(
                    "the dispatch of the publish rehearsal of build run {} failed",
                    id(build_run)
                ),
                format!("gh workflow run {}", s.publish_workflow),
            ),
            Step::AwaitRehearsal { build_run, .. } => (
                "rehearsal",
                format!(
                    "no completed publish rehearsal ({}) of build run {}",
                    s.publish_workflow,
                    id(build_run)
                ),
                format!("gh run list --workflow {}", s.publish_workflow),
            ),
            Step::CreateTag { name, .. } => (
                "tag",
                format!("`git tag {name}` failed"),
                format!("git tag -a {}", quote(name)),
            ),
            Step::PushTags { remote, tags } => (
                "push",
                format!("the push of {} to {remote} failed", tags.join(", ")),
                format!(
                    "git push --atomic -- {} {}",
                    quote(remote),
                    quote_words(
                        &tags
                            .iter()
                            .map(|t| format!("refs/tags/{t}"))
                            .collect::<Vec<_>>()
                    )
                ),
            ),
            Step::AwaitBuild { sha, .. } => (
                "build",
                format!("no completed {} run of {}", s.build_workflow, short(sha)),
                format!("gh run list --workflow {}", quote(&s.build_workflow)),
            ),
            Step::Dispatch { build_run, .. } => (
                "dispatch",
                format!(
                    "the dispatch of {} for build run {} failed",
                    s.publish_workflow,
                    build_run.map_or("?".to_string(), |id| id.to_string())
                ),
                format!("gh workflow run {}", quote(&s.publish_workflow)),
            ),
            Step::AwaitPublish { build_run, .. } => (
                "publish",
                format!(
                    "no completed {} run of build run {}",
                    s.publish_workflow,
                    build_run.map_or("?".to_string(), |id| id.to_string())
                ),
                format!("gh run list --workflow {}", s.publish_workflow),
            ),
            Step::CheckDelivery => (
                "delivery",
                "delivery could not be checked".to_string(),
                format!("cargo xtask delivery {}", self.tag),
            ),
        }
    }

    /// A failure that stops the pipeline: files its blocker, says the next
    /// step (fix, close the blocker, rerun), and hands the error back.
    fn fail(
        &mut self,
        gate: &str,
        summary: &str,
        command: &str,
        err: anyhow::Error,
    ) -> anyhow::Error {
        let error = format!("{err:#}");
        crate::actions::annotate(
            crate::actions::Level::Error,
            None,
            None,
            &format!("{gate}: {summary}: {error}"),
        );
        let fix = format!(
            "fix what stopped it (the error above), close this blocker, then rerun `{}`; it goes on from where it stopped",
            self.rerun
        );
        let blocker = blockers::from_failure(
            &self.tag,
            gate,
            summary,
            command,
            &error,
            &fix,
            &self.evidence.rel,
        );
        let filing = self.file_blocker(&blocker);
        self.evidence
            .step(json!({"step": gate, "error": error, "blocker": filing.to_json()}));
        // The error is what matters now; a report that cannot be saved says so later.
        let _ = self.evidence.save();
        self.ui.line(&format!(
            "next: fix what stopped it (the error below), {}, then rerun `{}`",
            blockers::close_hint(&filing, &blocker.title),
            self.rerun
        ));
        err
    }

    /// A publish that may leave registries without the release is an
    /// incident: it gets a blocker of its own, closed once every channel
    /// serves the release.
    fn file_incident(&mut self, build_run: u64) {
        let retry = cli::publish_retry(Some(build_run));
        let fix = format!(
            "check `cargo xtask delivery {}`; fix the channels that do not serve the release and publish them again (`{retry}`), or fix forward with a patch release; then close this blocker",
            quote(&self.tag)
        );
        let blocker = blockers::from_failure(
            &self.tag,
            "publish",
            &format!("a partial release was allowed for build run {build_run}"),
            &format!("{retry} --allow-partial-release"),
            "--allow-partial-release: the GitHub release may go out while some registries lack the version (an incident, RELEASING.md)",
            &fix,
            &self.evidence.rel,
        );
        let filing = self.file_blocker(&blocker);
        self.evidence
            .step(json!({"step": "incident", "blocker": filing.to_json()}));
    }

    /// Files one blocker found by the pipeline, and says what happened.
    fn file_blocker(&self, blocker: &Blocker) -> Filing {
        let filing = blockers::file(
            self.exec,
            self.sh,
            &self.scratch,
            &self.tag,
            std::slice::from_ref(blocker),
        );
        blockers::report_filing(self.ui, &self.tag, &filing);
        filing
    }

    /// Reports a failed run with its failed jobs, and files a blocker.
    fn run_failed(&mut self, kind: RunKind, run: &gh::Run, first: &str, rerun: &str) -> Result<()> {
        let fix = format!("{first}, close this blocker, then rerun `{rerun}`");
        let s = &self.repo.config.release;
        let (gate, phase) = kind.gate();
        let workflow = if kind.builds() {
            &s.build_workflow
        } else {
            &s.publish_workflow
        };
        let jobs = s
            .repo()
            .and_then(|repo| gh::failed_jobs(self.sh, repo, run.id))
            .unwrap_or_default();
        crate::actions::annotate(
            crate::actions::Level::Error,
            None,
            None,
            &format!(
                "{gate}: {workflow} run {} {} ({}); failed jobs: {}",
                run.id,
                run.conclusion,
                run.url,
                jobs.iter()
                    .map(|j| j.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
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
        let blocker = blockers::from_run(
            &self.tag,
            gate,
            workflow,
            run,
            &jobs,
            &fix,
            &self.evidence.rel,
        );
        let filing = self.file_blocker(&blocker);
        let mut record = json!({
            "step": gate,
            "run_id": run.id,
            "conclusion": run.conclusion,
            "failed_jobs": jobs.iter().map(|j| json!({"name": j.name, "conclusion": j.conclusion, "url": j.url})).collect::<Vec<_>>(),
            "blocker": filing.to_json(),
            // What fixes it, for a later run that finds this blocker open.
            "fix": {"title": blocker.title, "first": first, "rerun": rerun},
        });
        if let Some(phase) = phase {
            record["phase"] = json!(phase);
        }
        self.evidence.step(record);
        self.evidence.set("blockers", filing.to_json());
        self.evidence.save()?;
        self.ui.line(&format!(
            "next: {first}, {}, then rerun `{rerun}`",
            blockers::close_hint(&filing, &blocker.title)
        ));
        Ok(())
    }
}

/// Reads `name:` from `.github/workflows/<file>`; GitHub names a workflow
/// without one by its path.
pub(crate) fn workflow_name(root: &Path, file: &str) -> String {
    let path = format!(".github/workflows/{file}");
    std::fs::read_to_string(root.join(&path))
        .ok()
        .and_then(|text| crate::workflows::name(&text))
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_go_module_gets_its_own_tag() {
        let mut s = ReleaseSettings::default();
        assert_eq!(release_tags(&s, "v1.0.0"), ["v1.0.0"]);
        s.go_module = Some("bindings/go/".into());
        assert_eq!(release_tags(&s, "v1.0.0"), ["v1.0.0", "bindings/go/v1.0.0"]);
    }
}
