//! `cargo xtask release <vX.Y.Z>`: gates, evidence and blockers in both modes;
//! with `--live`, and only then, the tag, the push, the build and the publish.
//!
//! Facts are gathered by queries (run in both modes), [`plan::mechanics`]
//! turns them into steps, and the [`Executor`] applies each effect or, in a
//! dry-run, prints it. A live run re-gathers the facts after each wait, so an
//! interrupted release resumes from the real state.

pub mod blockers;
pub mod evidence;
pub mod plan;
pub mod settings;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use semver::Version;
use serde_json::{Value, json};
use xshell::Shell;

use crate::effects::{Executor, Mode, Schedule};
use crate::gates::{self, short};
use crate::survey::Repo;
use crate::tools::{self, ergo, gh, git};
use crate::ui::Ui;
use blockers::Blocker;
use evidence::{Evidence, SCRATCH};
use plan::{Facts, Outcome, Step, TagFact};
use settings::Settings;

/// The command line of `cargo xtask release`.
pub struct Args {
    pub target: String,
    pub live: bool,
    pub base_tag: Option<String>,
    pub agent: Option<String>,
    pub json: bool,
}

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

pub fn run(sh: &Shell, root: PathBuf, args: Args) -> Result<bool> {
    let started = Instant::now();
    let ui = Ui { json: args.json };
    let target = crate::version::parse(&args.target)?;
    let repo = Repo::open(root)?;
    // Both modes write evidence and file blockers: one run at a time.
    let _lock = crate::lock::acquire(&repo.root)?;
    let settings = &repo.config.release;
    let tag = repo.config.tag(&target);
    let tags = release_tags(settings, &tag);
    let mode = if args.live { Mode::Live } else { Mode::DryRun };
    let (mut evidence, warning) = Evidence::open(&repo.root, &tag, "release")?;
    if let Some(warning) = warning {
        ui.warn(&format!("warning: {warning}"));
    }
    let head = git::read(sh, &["rev-parse", "HEAD"])?;
    let all_tags = git::read(sh, &["tag", "--list"])?;
    let base = match &args.base_tag {
        Some(base) => {
            if git::local_tag(sh, base)?.is_none() {
                bail!(
                    "--base-tag {base}: no such tag here; `git fetch --tags`, or name an existing tag"
                );
            }
            Some(base.clone())
        }
        None => base_tag(
            &all_tags.lines().collect::<Vec<_>>(),
            &repo.config.tag_format,
            &target,
        ),
    };
    let changed: Result<Vec<String>, String> = match &base {
        Some(base) => git::read(sh, &["diff", "--name-only", &format!("{base}..HEAD")])
            .map(|out| out.lines().map(String::from).collect())
            .map_err(|err| format!("{err:#}")),
        None => Err("no base tag below the target".to_string()),
    };
    let mode_name = if args.live { "live" } else { "dry-run" };
    evidence.set(
        "context",
        json!({
            "target": tag,
            "version": target.to_string(),
            "base_tag": base,
            "mode": mode_name,
            "agent": args.agent,
            "time": crate::clock::now_utc(),
            "head": head,
            "changed_paths": changed.as_ref().ok().map(Vec::len),
            "tools": tool_versions(sh),
        }),
    );
    ui.line(&format!(
        "release {tag} ({mode_name}) at {} from base {}",
        short(&head),
        base.as_deref().unwrap_or("(none)")
    ));

    // Gates: every one runs, then one summary.
    let ctx = gates::Context {
        sh,
        repo: &repo,
        target: &target,
        tags: &tags,
        head: &head,
        changed: &changed,
    };
    let outcomes = gates::run(&ctx, &gates::all(&settings.gates), ui);
    let gates_time: Duration = outcomes.iter().map(|o| o.duration).sum();
    evidence.set(
        "gates",
        Value::Array(outcomes.iter().map(gates::Outcome::to_json).collect()),
    );
    evidence.save()?;
    ui.line(&format!("\n{}", gates::table(&outcomes)));

    // Blockers: filed in both modes, never twice.
    let scratch = repo.root.join(SCRATCH);
    let found: Vec<Blocker> = outcomes
        .iter()
        .filter(|o| o.status.blocks())
        .map(|o| blockers::from_gate(&tag, o, &evidence.rel))
        .collect();
    let filing = blockers::file(sh, &scratch, &tag, &found);
    evidence.set("blockers", filing.to_json());
    evidence.save()?;
    report_filing(ui, &tag, &filing);

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

    let exec = Executor::new(&repo.root, mode).with_ui(ui);
    let mut ok = refusals.is_empty();
    let mech = Mechanics {
        sh,
        repo: &repo,
        target: &target,
        settings,
        tag: &tag,
        tags: &tags,
        head: &head,
        exec: &exec,
        ui,
        scratch: &scratch,
    };
    if ok || mode == Mode::DryRun {
        if !ok {
            ui.line(&format!(
                "\na live run would refuse: {}",
                refusals.join("; ")
            ));
            ui.line("once that is fixed, it would:");
        } else if mode == Mode::DryRun {
            ui.line("\nevery gate passed; a live run (`--live`) would:");
        } else {
            ui.line("\nevery gate passed and no blocker is open: releasing");
        }
        match mech.run(&mut evidence) {
            Ok(done) => ok &= done,
            Err(err) if mode == Mode::DryRun => {
                ui.line(&format!("    (no plan could be made: {err:#})"));
                evidence.set("error", json!(format!("{err:#}")));
                ok = false;
            }
            Err(err) => {
                evidence.set("error", json!(format!("{err:#}")));
                finish(&mut evidence, started, gates_time, "interrupted")?;
                return Err(err.context(format!(
                    "the release of {tag} stopped; rerun `cargo xtask release {tag} --live` to resume from where it is"
                )));
            }
        }
    } else {
        ui.line(&format!(
            "\nrefusing to release {tag}: {}",
            refusals.join("; ")
        ));
        ui.line(&format!("nothing was tagged, pushed or dispatched; fix the blockers, then rerun `cargo xtask release {tag}`"));
    }
    let outcome = match (mode, ok) {
        (Mode::DryRun, true) => "ready",
        (Mode::DryRun, false) => "blocked",
        (Mode::Live, true) => "released",
        (Mode::Live, false) => "blocked",
    };
    finish(&mut evidence, started, gates_time, outcome)?;
    ui.line(&format!("evidence: {}", evidence.rel));
    if args.json {
        println!(
            "{}",
            crate::secrets::redact(&serde_json::to_string_pretty(&evidence.current())?)
        );
    }
    Ok(ok)
}

/// Records the outcome and the timing (the xtask's own time is the total minus the gates').
fn finish(
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

fn report_filing(ui: Ui, tag: &str, filing: &blockers::Filing) {
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

/// Reads `name:` from `.github/workflows/<file>`; GitHub names a workflow
/// without one by its path.
pub fn workflow_name(root: &std::path::Path, file: &str) -> String {
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

/// Which workflow run a step waits for.
#[derive(Clone, Copy)]
enum RunKind {
    Build,
    Publish,
}

/// The live mechanics, and their dry-run print.
struct Mechanics<'a> {
    sh: &'a Shell,
    repo: &'a Repo,
    target: &'a semver::Version,
    settings: &'a Settings,
    tag: &'a str,
    tags: &'a [String],
    head: &'a str,
    exec: &'a Executor<'a>,
    ui: Ui,
    scratch: &'a std::path::Path,
}

impl Mechanics<'_> {
    fn gather(&self, evidence: &Evidence) -> Result<Facts> {
        let names: Vec<&str> = self.tags.iter().map(String::as_str).collect();
        let remote = git::remote_tags(self.sh, &self.settings.remote, &names)?;
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
            .collect::<Result<_>>()?;
        Ok(Facts {
            head: self.head.to_string(),
            remote: self.settings.remote.clone(),
            tags,
            build_runs: self.runs(&self.settings.build_workflow)?,
            publish_runs: self.runs(&self.settings.publish_workflow)?,
            dispatched_for: evidence.dispatched_for(),
        })
    }

    /// The runs of `workflow`. A dry-run that cannot ask GitHub (no gh, no
    /// login) still shows its plan, as if no run existed yet, and says so.
    fn runs(&self, workflow: &str) -> Result<Vec<gh::Run>> {
        match gh::run_list(self.sh, workflow, None) {
            Err(err) if self.exec.mode == Mode::DryRun => {
                self.ui.line(&format!(
                    "    (cannot list {workflow} runs, so this plan assumes there are none: {err:#})"
                ));
                Ok(Vec::new())
            }
            result => result,
        }
    }

    fn schedule(&self, timeout: Duration) -> Schedule {
        Schedule {
            interval: self.settings.poll_interval,
            max_interval: self.settings.poll_max_interval,
            timeout,
        }
    }

    /// Applies (or prints) the plan until done; `false` when a run failed.
    fn run(&self, evidence: &mut Evidence) -> Result<bool> {
        let live = self.exec.mode == Mode::Live;
        for round in 0..12 {
            let facts = self.gather(evidence)?;
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
                Outcome::Done {
                    build_run,
                    publish_run,
                } => {
                    evidence.step(json!({"step": "done", "build_run_id": build_run, "publish_run_id": publish_run}));
                    evidence.save()?;
                    self.ui.line(&format!(
                        "\nreleased {}: build run {build_run}, publish run {publish_run}",
                        self.tag
                    ));
                    return self.deliver(evidence, *build_run);
                }
                Outcome::BuildFailed(run) => {
                    let fix = format!(
                        "fix the failed jobs, then `gh run rerun {} --failed` and rerun `cargo xtask release {} --live`",
                        run.id, self.tag
                    );
                    self.run_failed(evidence, "build", &self.settings.build_workflow, run, &fix)?;
                    return Ok(false);
                }
                Outcome::PublishFailed { build_run, run } => {
                    let fix = format!(
                        "fix the failed jobs, then retry the publish only: `cargo xtask publish --build-run-id {build_run}`"
                    );
                    self.run_failed(
                        evidence,
                        "publish",
                        &self.settings.publish_workflow,
                        run,
                        &fix,
                    )?;
                    return Ok(false);
                }
            }
            let mut waited = false;
            for step in &plan.steps {
                self.apply(step, evidence)?;
                evidence.save()?;
                if live && matches!(step, Step::AwaitBuild { .. } | Step::AwaitPublish { .. }) {
                    waited = true;
                    break;
                }
            }
            if !live {
                self.ui
                    .line(&format!("    then: cargo xtask delivery {}", self.tag));
                return Ok(true);
            }
            if !waited {
                bail!(
                    "the plan made no progress (this is a bug): {:?}",
                    plan.steps
                );
            }
        }
        bail!("the release did not settle after 12 rounds of checks")
    }

    fn apply(&self, step: &Step, evidence: &mut Evidence) -> Result<()> {
        let status = if self.exec.mode == Mode::Live {
            "done"
        } else {
            "planned"
        };
        match step {
            Step::CreateTag { name, sha, message } => {
                self.exec.command(
                    git::tag(self.sh, name, message, sha),
                    Duration::from_secs(60),
                )?;
                evidence.step(json!({"step": "tag", "tag": name, "sha": sha, "status": status}));
            }
            Step::PushTags { remote, tags } => {
                self.exec
                    .command(git::push_tags(self.sh, remote, tags), git::push_timeout())?;
                evidence.step(json!({"step": "push", "remote": remote, "tags": tags, "atomic": true, "status": status}));
            }
            Step::AwaitBuild { sha, run } => {
                self.await_step(evidence, RunKind::Build, sha, *run, &[])?;
            }
            Step::Dispatch { build_run } => {
                let id = build_run.map_or("<ID of the build run>".to_string(), |id| id.to_string());
                let inputs = [
                    (crate::publish::BUILD_RUN_ID, id),
                    (crate::publish::ALLOW_PARTIAL_RELEASE, "false".to_string()),
                ];
                if self.exec.mode == Mode::Live && build_run.is_none() {
                    bail!("no build run to publish (this is a bug)");
                }
                self.exec.command(
                    gh::workflow_run(self.sh, &self.settings.publish_workflow, &inputs),
                    Duration::from_secs(60),
                )?;
                evidence.step(json!({"step": "dispatch", "workflow": self.settings.publish_workflow, "build_run_id": build_run, "allow_partial_release": false, "status": status}));
            }
            Step::AwaitPublish { sha, run, known } => {
                self.await_step(evidence, RunKind::Publish, sha, *run, known)?;
            }
        }
        Ok(())
    }

    /// Finds the run of `workflow` for `sha` (not one of `known`), then polls
    /// it until it completes; one gh call per poll.
    /// Finds and polls the build or publish run, then records it.
    fn await_step(
        &self,
        evidence: &mut Evidence,
        kind: RunKind,
        sha: &str,
        run: Option<u64>,
        known: &[u64],
    ) -> Result<()> {
        let s = self.settings;
        let (name, workflow, event, timeout) = match kind {
            RunKind::Build => ("build", &s.build_workflow, "push", s.build_timeout),
            RunKind::Publish => (
                "publish",
                &s.publish_workflow,
                "workflow_dispatch",
                s.publish_timeout,
            ),
        };
        if let Some(run) = self.await_run(workflow, sha, event, run, known, timeout)? {
            self.ui.line(&format!(
                "    {name} run {}: {} ({})",
                run.id, run.conclusion, run.url
            ));
            evidence.step(json!({"step": name, "run_id": run.id, "conclusion": run.conclusion, "url": run.url}));
        }
        Ok(())
    }

    fn await_run(
        &self,
        workflow: &str,
        sha: &str,
        event: &str,
        run: Option<u64>,
        known: &[u64],
        timeout: Duration,
    ) -> Result<Option<gh::Run>> {
        let mut id = run;
        let what = match run {
            Some(id) => format!("{workflow} run {id} to complete"),
            None => format!(
                "the {workflow} run of {} to appear and complete",
                short(sha)
            ),
        };
        self.exec.wait(&what, self.schedule(timeout), || {
            let found = match id {
                Some(id) => Some(gh::run_view(self.sh, id)?),
                None => gh::run_list(self.sh, workflow, None)?
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
        })
    }

    /// Files a blocker with the failed jobs of `run`.
    /// Delivery verification, the last step of a live release: every channel
    /// must serve the version. A failure files a blocker.
    fn deliver(&self, evidence: &mut Evidence, build_run: u64) -> Result<bool> {
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
            let blocker = blockers::from_delivery(self.tag, &report, build_run, &evidence.rel);
            let filing = self.file_blocker(&blocker);
            evidence.set("blockers", filing.to_json());
            evidence.save()?;
        }
        Ok(report.ok())
    }

    /// Files one blocker found during the mechanics, and says what happened.
    fn file_blocker(&self, blocker: &blockers::Blocker) -> blockers::Filing {
        let filing = blockers::file(
            self.sh,
            self.scratch,
            self.tag,
            std::slice::from_ref(blocker),
        );
        report_filing(self.ui, self.tag, &filing);
        filing
    }

    fn run_failed(
        &self,
        evidence: &mut Evidence,
        gate: &str,
        workflow: &str,
        run: &gh::Run,
        fix: &str,
    ) -> Result<()> {
        let jobs = gh::failed_jobs(self.sh, run.id).unwrap_or_default();
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
        evidence.save()?;
        self.ui.line(&format!("next: {fix}"));
        Ok(())
    }
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
