//! The release pipeline as data: from the facts found (tags, workflow runs),
//! what is left to do. `release` enters it at the start (the rehearsal, tag,
//! push, build), `publish --build-run-id` at a known build run; from there
//! both dispatch the publish, wait for it and check delivery. No I/O here:
//! every decision of a run, fresh or resumed, is made (and unit-tested) in
//! this file.

use crate::tools::gh::Run;
use crate::tools::gh::{publish_title, rehearsal_build_title, rehearsal_title};
use crate::tools::git::short;

/// What a release does about the rehearsal: a build of HEAD dispatched on
/// its branch, then a publish of that build that publishes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rehearsal {
    /// Rehearse before the tag, then tag and publish the rehearsal's build
    /// (`--live`).
    First,
    /// Rehearse, and stop there: nothing is tagged or published (`--rehearse`).
    Only,
    /// No rehearsal (`--no-rehearsal`): the evidence says so.
    Skipped,
}

/// Where the pipeline is entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `cargo xtask release`: rehearse `head` (HEAD) on `branch`, tag it,
    /// push, build, publish, deliver.
    Release {
        head: String,
        branch: String,
        rehearsal: Rehearsal,
    },
    /// `cargo xtask publish --build-run-id`: publish this build of the
    /// released tag, then deliver.
    Publish { build_run: u64, allow_partial: bool },
}

/// One tag the release makes, and where it already exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TagFact {
    pub name: String,
    /// The commit the local tag points at.
    pub local: Option<String>,
    /// The commit the tag points at on the remote.
    pub remote: Option<String>,
}

/// The workflows of a release: files, and the build's display name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Workflows {
    pub build: String,
    /// The `name:` of the build workflow, as gh reports it for a run.
    pub build_name: String,
    pub publish: String,
}

/// What is known before acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Facts {
    pub entry: Entry,
    /// The commit released: HEAD for `release`, the tag's for `publish`.
    pub head: String,
    pub remote: String,
    pub workflows: Workflows,
    pub tags: Vec<TagFact>,
    /// Build workflow runs (any), newest first, as `gh run list` gives them;
    /// for `publish`, the one run it was given.
    pub build_runs: Vec<Run>,
    /// Publish workflow runs (any), newest first.
    pub publish_runs: Vec<Run>,
    /// Publish runs listed at the pipeline's first look: a retry tells its
    /// own dispatch from earlier ones by these.
    pub earlier_publish_runs: Vec<u64>,
    /// Build run IDs a publish was dispatched for by an earlier run (from the evidence).
    pub dispatched_for: Vec<u64>,
    /// Commits a rehearsal build was dispatched for (from the evidence).
    pub rehearsal_builds_dispatched: Vec<String>,
    /// Build run IDs a publish rehearsal was dispatched for (from the evidence).
    pub rehearsals_dispatched_for: Vec<u64>,
    /// For a retry after a successful publish: the channels that do not
    /// serve the release at one look (`None`: not checked).
    pub undelivered: Option<Vec<String>>,
}

/// One step of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// `--no-rehearsal`: nothing to do but record it.
    SkipRehearsal,
    /// `gh workflow run <build> --ref <branch> -f tag=<tag> -f rehearsal=true`:
    /// build `sha`, the head of `branch`, as `tag` will be built.
    DispatchRehearsalBuild {
        branch: String,
        tag: String,
        sha: String,
    },
    /// Find (if `run` is `None`: a rehearsal build of `sha` not in `known`)
    /// and poll the rehearsal build.
    AwaitRehearsalBuild {
        sha: String,
        run: Option<u64>,
        known: Vec<u64>,
    },
    /// `gh workflow run <publish> -f build_run_id=<id> -f
    /// allow_partial_release=false -f rehearsal=true`; `None` until the
    /// rehearsal build is known (dry-run only).
    DispatchRehearsal { build_run: Option<u64> },
    /// Find (if `run` is `None`: a publish rehearsal of `build_run` not in
    /// `known`) and poll it.
    AwaitRehearsal {
        build_run: Option<u64>,
        run: Option<u64>,
        known: Vec<u64>,
    },
    /// `git tag -a <name> -m <message> <sha>`.
    CreateTag {
        name: String,
        sha: String,
        message: String,
    },
    /// `git push --atomic <remote> <tags…>`.
    PushTags { remote: String, tags: Vec<String> },
    /// Find (if `run` is `None`) and poll the build run of `sha`.
    AwaitBuild { sha: String, run: Option<u64> },
    /// `gh workflow run <publish> -f build_run_id=<id> -f allow_partial_release=<bool>`;
    /// `None` until the build run is known (dry-run only).
    Dispatch {
        build_run: Option<u64>,
        allow_partial: bool,
    },
    /// Find (if `run` is `None`: a run of `build_run`'s publish not in
    /// `known`) and poll the publish run; `build_run` is `None` only in a
    /// dry-run that has no build run yet.
    AwaitPublish {
        build_run: Option<u64>,
        run: Option<u64>,
        known: Vec<u64>,
    },
    /// `cargo xtask delivery`: every channel serves the release.
    CheckDelivery,
}

/// Where the pipeline stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `steps` are left to do.
    Continue,
    /// Built and published; delivery is left to check.
    Published { build_run: u64, publish_run: u64 },
    /// A tag exists at another commit: nothing may be done.
    Conflict(String),
    /// Nothing may be done, for the reason given (with its next step).
    Refused(String),
    /// The build run failed.
    BuildFailed(Run),
    /// The publish run failed: retry with `cargo xtask publish`.
    PublishFailed { build_run: u64, run: Run },
    /// A rehearsal run failed (the build's, or the publish's when `publish`):
    /// nothing may be tagged.
    RehearsalFailed { run: Run, publish: bool },
    /// `--rehearse`: the rehearsal passed, and that is all it does.
    Rehearsed { build_run: u64, publish_run: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    /// What is reused from an earlier run, for the report.
    pub reused: Vec<String>,
    pub outcome: Outcome,
    /// The rehearsal that passed for this commit: (build run, publish
    /// rehearsal run), for the evidence.
    pub rehearsed: Option<(u64, u64)>,
}

impl Plan {
    fn stop(reused: Vec<String>, outcome: Outcome) -> Plan {
        Plan {
            steps: Vec::new(),
            reused,
            outcome,
            rehearsed: None,
        }
    }
}

/// The runs of `sha` started by `event`, newest first.
fn runs_of<'a>(runs: &'a [Run], sha: &str, event: &str) -> Vec<&'a Run> {
    let mut found: Vec<&Run> = runs
        .iter()
        .filter(|r| r.head_sha == sha && r.event == event)
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.id));
    found
}

/// The publish runs of `build_run` (found by their title, never by commit:
/// a dispatched run carries the default branch's head), newest first.
fn publishes_of(runs: &[Run], build_run: u64) -> Vec<&Run> {
    let title = publish_title(build_run);
    let mut found: Vec<&Run> = runs
        .iter()
        .filter(|r| r.event == "workflow_dispatch" && r.display_title == title)
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.id));
    found
}

/// The run that speaks for the workflow: a success if any, else the newest.
fn best<'a>(runs: &[&'a Run]) -> Option<&'a Run> {
    runs.iter()
        .find(|r| r.succeeded())
        .or(runs.first())
        .copied()
}

/// Why run `run` may not be published as `tag` at `tag_sha` (empty when it may).
pub(crate) fn refusals(run: &Run, workflows: &Workflows, tag: &str, tag_sha: &str) -> Vec<String> {
    let (build, build_name) = (&workflows.build, &workflows.build_name);
    let mut problems = Vec::new();
    if run.workflow_name != *build_name {
        problems.push(format!(
            "run {} belongs to workflow {:?}, not the build workflow {build} ({build_name:?}): pass the ID of a {build} run",
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

/// Decides what is left, from the facts.
pub(crate) fn mechanics(facts: &Facts) -> Plan {
    match &facts.entry {
        Entry::Release {
            branch, rehearsal, ..
        } => release(facts, branch, *rehearsal),
        Entry::Publish {
            build_run,
            allow_partial,
        } => publish_only(facts, *build_run, *allow_partial),
    }
}

/// From the start: the rehearsal, the tags, the build, then the publish.
fn release(facts: &Facts, branch: &str, rehearsal: Rehearsal) -> Plan {
    let head = &facts.head;
    let mut steps = Vec::new();
    let mut reused = Vec::new();
    if let Some(conflict) = tag_conflict(facts) {
        return Plan::stop(reused, Outcome::Conflict(conflict));
    }
    // The rehearsal comes before the tag; once every tag is on the remote it
    // is behind us, and only its build (if it passed) is of use.
    let tagged = facts.tags.iter().all(|t| t.remote.is_some());
    let mut rehearsed = None;
    let mut pending = false;
    match rehearsal {
        Rehearsal::Skipped if !tagged => steps.push(Step::SkipRehearsal),
        Rehearsal::Skipped => {}
        Rehearsal::First if tagged => {}
        Rehearsal::First | Rehearsal::Only => {
            match rehearse(facts, branch, &mut steps, &mut reused) {
                Rehearse::Failed(outcome) => {
                    return Plan {
                        steps,
                        reused,
                        outcome,
                        rehearsed,
                    };
                }
                Rehearse::Pending => pending = true,
                Rehearse::Passed { build, publish } => rehearsed = Some((build, publish)),
            }
            if rehearsal == Rehearsal::Only {
                let outcome = match rehearsed {
                    Some((build_run, publish_run)) => Outcome::Rehearsed {
                        build_run,
                        publish_run,
                    },
                    None => Outcome::Continue,
                };
                return Plan {
                    steps,
                    reused,
                    outcome,
                    rehearsed,
                };
            }
        }
    }
    let pushed_now = tag_steps(facts, &mut steps, &mut reused);

    // Build once: the rehearsal built this very commit, so its build is
    // published (the tag's own build, which the push starts, is not awaited).
    let rehearsal_build = match rehearsal {
        Rehearsal::Skipped => None,
        _ => rehearsal_builds(facts)
            .into_iter()
            .find(|r| r.succeeded())
            .map(|r| r.id),
    };
    let builds = runs_of(&facts.build_runs, head, "push");
    let build = if pushed_now { None } else { best(&builds) };
    let build_id = match (rehearsal_build, build) {
        _ if pending => None,
        (Some(id), _) => {
            if rehearsed.is_none() {
                reused.push(format!("rehearsal build run {id} (succeeded)"));
            }
            Some(id)
        }
        (None, None) => {
            steps.push(Step::AwaitBuild {
                sha: head.clone(),
                run: None,
            });
            None
        }
        (None, Some(run)) if run.succeeded() => {
            reused.push(format!("build run {} (succeeded)", run.id));
            Some(run.id)
        }
        (None, Some(run)) if run.completed() => {
            return Plan {
                steps,
                reused,
                outcome: Outcome::BuildFailed(run.clone()),
                rehearsed,
            };
        }
        (None, Some(run)) => {
            reused.push(format!("build run {} ({})", run.id, run.status));
            steps.push(Step::AwaitBuild {
                sha: head.clone(),
                run: Some(run.id),
            });
            None
        }
    };
    let Some(build_id) = build_id else {
        steps.push(Step::Dispatch {
            build_run: None,
            allow_partial: false,
        });
        steps.push(Step::AwaitPublish {
            build_run: None,
            run: None,
            known: facts.publish_runs.iter().map(|r| r.id).collect(),
        });
        steps.push(Step::CheckDelivery);
        return Plan {
            steps,
            reused,
            outcome: Outcome::Continue,
            rehearsed,
        };
    };
    let mut plan = publish(facts, build_id, false, false, steps, reused);
    plan.rehearsed = rehearsed;
    plan
}

/// Where the rehearsal stands.
enum Rehearse {
    /// Both runs succeeded.
    Passed { build: u64, publish: u64 },
    /// Its steps are planned; nothing after it can be known yet.
    Pending,
    /// A run failed: the outcome that stops the release.
    Failed(Outcome),
}

/// The rehearsal builds of HEAD: dispatched runs of the build workflow at
/// HEAD with the rehearsal's title, newest first.
fn rehearsal_builds(facts: &Facts) -> Vec<&Run> {
    let title = rehearsal_build_title(&facts.tags[0].name);
    runs_of(&facts.build_runs, &facts.head, "workflow_dispatch")
        .into_iter()
        .filter(|r| r.display_title == title)
        .collect()
}

/// The publish rehearsals of `build_run` (found by their title), newest first.
fn rehearsals_of(runs: &[Run], build_run: u64) -> Vec<&Run> {
    let title = rehearsal_title(build_run);
    let mut found: Vec<&Run> = runs
        .iter()
        .filter(|r| r.event == "workflow_dispatch" && r.display_title == title)
        .collect();
    found.sort_by_key(|r| std::cmp::Reverse(r.id));
    found
}

/// The rehearsal of HEAD: its build (reused when one of HEAD succeeded),
/// then a publish rehearsal of that build. A failed run stops it; a run of
/// an interrupted release, dispatched but not listed yet, is awaited.
fn rehearse(
    facts: &Facts,
    branch: &str,
    steps: &mut Vec<Step>,
    reused: &mut Vec<String>,
) -> Rehearse {
    let head = &facts.head;
    let known: Vec<u64> = facts.build_runs.iter().map(|r| r.id).collect();
    let await_build = |run| Step::AwaitRehearsalBuild {
        sha: head.clone(),
        run,
        known: known.clone(),
    };
    let build = match best(&rehearsal_builds(facts)) {
        Some(run) if run.succeeded() => {
            reused.push(format!("rehearsal build run {} (succeeded)", run.id));
            Some(run.id)
        }
        Some(run) if run.completed() => {
            return Rehearse::Failed(Outcome::RehearsalFailed {
                run: run.clone(),
                publish: false,
            });
        }
        Some(run) => {
            reused.push(format!("rehearsal build run {} ({})", run.id, run.status));
            steps.push(await_build(Some(run.id)));
            None
        }
        None if facts.rehearsal_builds_dispatched.contains(head) => {
            reused.push(format!("the rehearsal build dispatch for {}", short(head)));
            steps.push(await_build(None));
            None
        }
        None => {
            steps.push(Step::DispatchRehearsalBuild {
                branch: branch.to_string(),
                tag: facts.tags[0].name.clone(),
                sha: head.clone(),
            });
            steps.push(await_build(None));
            None
        }
    };
    let known: Vec<u64> = facts.publish_runs.iter().map(|r| r.id).collect();
    let await_publish = |build_run, run| Step::AwaitRehearsal {
        build_run,
        run,
        known: known.clone(),
    };
    let Some(build) = build else {
        steps.push(Step::DispatchRehearsal { build_run: None });
        steps.push(await_publish(None, None));
        return Rehearse::Pending;
    };
    match best(&rehearsals_of(&facts.publish_runs, build)) {
        Some(run) if run.succeeded() => {
            reused.push(format!("publish rehearsal run {} (succeeded)", run.id));
            Rehearse::Passed {
                build,
                publish: run.id,
            }
        }
        Some(run) if run.completed() => Rehearse::Failed(Outcome::RehearsalFailed {
            run: run.clone(),
            publish: true,
        }),
        Some(run) => {
            reused.push(format!("publish rehearsal run {} ({})", run.id, run.status));
            steps.push(await_publish(Some(build), Some(run.id)));
            Rehearse::Pending
        }
        None if facts.rehearsals_dispatched_for.contains(&build) => {
            reused.push(format!(
                "the publish rehearsal dispatch for build run {build}"
            ));
            steps.push(await_publish(Some(build), None));
            Rehearse::Pending
        }
        None => {
            steps.push(Step::DispatchRehearsal {
                build_run: Some(build),
            });
            steps.push(await_publish(Some(build), None));
            Rehearse::Pending
        }
    }
}

/// Tags to make and push; whether any is pushed now.
fn tag_steps(facts: &Facts, steps: &mut Vec<Step>, reused: &mut Vec<String>) -> bool {
    let mut to_push = Vec::new();
    for tag in &facts.tags {
        match (&tag.local, &tag.remote) {
            (None, None) => {
                steps.push(Step::CreateTag {
                    name: tag.name.clone(),
                    sha: facts.head.clone(),
                    message: format!("Release {}", facts.tags[0].name),
                });
                to_push.push(tag.name.clone());
            }
            (Some(_), None) => {
                reused.push(format!("tag {} (local, not yet pushed)", tag.name));
                to_push.push(tag.name.clone());
            }
            (_, Some(_)) => reused.push(format!("tag {} on {}", tag.name, facts.remote)),
        }
    }
    if to_push.is_empty() {
        return false;
    }
    steps.push(Step::PushTags {
        remote: facts.remote.clone(),
        tags: to_push,
    });
    true
}

/// A tag that exists locally or on the remote at another commit than HEAD.
fn tag_conflict(facts: &Facts) -> Option<String> {
    let head = &facts.head;
    facts.tags.iter().find_map(|tag| {
        if let Some(sha) = tag.local.as_ref().filter(|sha| *sha != head) {
            return Some(format!(
                "tag {} exists locally at {sha}, not at HEAD {head}",
                tag.name
            ));
        }
        let sha = tag.remote.as_ref().filter(|sha| *sha != head)?;
        Some(format!(
            "tag {} exists on {} at {sha}, not at HEAD {head}",
            tag.name, facts.remote
        ))
    })
}

/// At a known build run of the released tag: check it, then the publish.
fn publish_only(facts: &Facts, build_run: u64, allow_partial: bool) -> Plan {
    let refuse = |message| Plan::stop(Vec::new(), Outcome::Refused(message));
    let tag = &facts.tags[0].name;
    let Some(tag_sha) = &facts.tags[0].remote else {
        return refuse(format!(
            "{tag} is not on {}: the publish-only retry publishes a released tag; run `cargo xtask release {} --live` first",
            facts.remote,
            crate::words::quote(tag)
        ));
    };
    let Some(run) = facts.build_runs.iter().find(|r| r.id == build_run) else {
        return refuse(format!(
            "run {build_run} was not found: pass the ID of a {} run (`gh run list --workflow {}`)",
            facts.workflows.build,
            crate::words::quote(&facts.workflows.build)
        ));
    };
    let problems = refusals(run, &facts.workflows, tag, tag_sha);
    if !problems.is_empty() {
        return refuse(format!(
            "refusing to publish run {build_run}:\n  - {}",
            problems.join("\n  - ")
        ));
    }
    let reused = vec![format!("build run {build_run} (succeeded)")];
    publish(facts, build_run, allow_partial, true, Vec::new(), reused)
}

/// Why a retry may not dispatch: an earlier publish of the commit succeeded,
/// or still runs.
fn earlier_publish(facts: &Facts, publishes: &[&Run]) -> Option<Outcome> {
    let workflow = &facts.workflows.publish;
    let tag = facts
        .tags
        .first()
        .map_or("the release", |t| t.name.as_str());
    let earlier: Vec<&Run> = publishes
        .iter()
        .copied()
        .filter(|r| facts.earlier_publish_runs.contains(&r.id))
        .collect();
    if let Some(done) = earlier.iter().find(|r| r.succeeded()) {
        return match &facts.undelivered {
            // A channel is missing after all: publish again (every publish
            // job treats "already published" as success).
            Some(missing) if !missing.is_empty() => None,
            Some(_) => Some(Outcome::Refused(format!(
                "{tag} was already published by {workflow} run {} ({}) and every channel serves it; nothing to retry",
                done.id, done.url
            ))),
            None => Some(Outcome::Refused(format!(
                "{tag} was already published by {workflow} run {} ({}); a succeeded publish is never dispatched again while every channel serves it. Next: cargo xtask delivery {tag}",
                done.id, done.url
            ))),
        };
    }
    let running = earlier.iter().find(|r| !r.completed())?;
    Some(Outcome::Refused(format!(
        "{workflow} run {} is still {} for {tag}: wait for it (`gh run view {}`) instead of dispatching another",
        running.id, running.status, running.id
    )))
}

/// The publish of `build_id`: dispatch once, await, then check delivery. A
/// `retry` (`publish`) refuses while an earlier publish of the commit
/// succeeded or still runs, and dispatches again after a failed one.
fn publish(
    facts: &Facts,
    build_id: u64,
    allow_partial: bool,
    retry: bool,
    mut steps: Vec<Step>,
    mut reused: Vec<String>,
) -> Plan {
    let mut publishes = publishes_of(&facts.publish_runs, build_id);
    // Every publish run seen before a dispatch: the next new one is ours.
    let known: Vec<u64> = facts.publish_runs.iter().map(|r| r.id).collect();
    if retry {
        // Once this retry has a run of its own, the earlier ones have had their say.
        let own = publishes
            .iter()
            .any(|r| !facts.earlier_publish_runs.contains(&r.id));
        if let Some(refused) = earlier_publish(facts, &publishes).filter(|_| !own) {
            return Plan::stop(reused, refused);
        }
        publishes.retain(|r| !facts.earlier_publish_runs.contains(&r.id));
    }
    let await_new = |known| Step::AwaitPublish {
        build_run: Some(build_id),
        run: None,
        known,
    };
    let outcome = match best(&publishes) {
        Some(run) if run.succeeded() => {
            reused.push(format!("publish run {} (succeeded)", run.id));
            Outcome::Published {
                build_run: build_id,
                publish_run: run.id,
            }
        }
        Some(run) if !run.completed() => {
            reused.push(format!("publish run {} ({})", run.id, run.status));
            steps.push(Step::AwaitPublish {
                build_run: Some(build_id),
                run: Some(run.id),
                known,
            });
            Outcome::Continue
        }
        Some(run) => {
            return Plan {
                steps,
                reused,
                outcome: Outcome::PublishFailed {
                    build_run: build_id,
                    run: run.clone(),
                },
                rehearsed: None,
            };
        }
        None if !retry && facts.dispatched_for.contains(&build_id) => {
            // Dispatched by an interrupted run, not listed yet: wait, never dispatch twice.
            reused.push(format!("the publish dispatch for build run {build_id}"));
            steps.push(await_new(known));
            Outcome::Continue
        }
        None => {
            steps.push(Step::Dispatch {
                build_run: Some(build_id),
                allow_partial,
            });
            steps.push(await_new(known));
            Outcome::Continue
        }
    };
    steps.push(Step::CheckDelivery);
    Plan {
        steps,
        reused,
        outcome,
        rehearsed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "aaaa";

    fn run(id: u64, event: &str, status: &str, conclusion: &str) -> Run {
        Run {
            id,
            head_sha: HEAD.into(),
            event: event.into(),
            status: status.into(),
            conclusion: conclusion.into(),
            url: format!("https://github.com/o/r/actions/runs/{id}"),
            workflow_name: String::new(),
            display_title: if event == "workflow_dispatch" {
                publish_title(7)
            } else {
                String::new()
            },
        }
    }

    fn facts() -> Facts {
        Facts {
            entry: Entry::Release {
                head: HEAD.into(),
                branch: "main".into(),
                rehearsal: Rehearsal::Skipped,
            },
            head: HEAD.into(),
            remote: "origin".into(),
            workflows: Workflows {
                build: "release.yml".into(),
                build_name: "Release".into(),
                publish: "release-publish.yml".into(),
            },
            tags: vec![
                TagFact {
                    name: "v1.0.0".into(),
                    local: None,
                    remote: None,
                },
                TagFact {
                    name: "bindings/go/v1.0.0".into(),
                    local: None,
                    remote: None,
                },
            ],
            build_runs: Vec::new(),
            publish_runs: Vec::new(),
            earlier_publish_runs: Vec::new(),
            dispatched_for: Vec::new(),
            rehearsal_builds_dispatched: Vec::new(),
            rehearsals_dispatched_for: Vec::new(),
            undelivered: None,
        }
    }

    fn rehearsing(mut f: Facts, how: Rehearsal) -> Facts {
        if let Entry::Release { rehearsal, .. } = &mut f.entry {
            *rehearsal = how;
        }
        f
    }

    fn rehearsal_build(id: u64, status: &str, conclusion: &str) -> Run {
        let mut r = run(id, "workflow_dispatch", status, conclusion);
        r.display_title = rehearsal_build_title("v1.0.0");
        r
    }

    fn publish_rehearsal(id: u64, build: u64, status: &str, conclusion: &str) -> Run {
        let mut r = run(id, "workflow_dispatch", status, conclusion);
        r.display_title = rehearsal_title(build);
        r.head_sha = "ffff".into();
        r
    }

    fn on_origin(mut f: Facts) -> Facts {
        for t in &mut f.tags {
            t.local = Some(HEAD.into());
            t.remote = Some(HEAD.into());
        }
        f
    }

    #[test]
    fn a_fresh_release_without_rehearsal_says_so_then_does_everything_in_order() {
        let mut plan = mechanics(&facts());
        assert_eq!(plan.outcome, Outcome::Continue);
        assert_eq!(plan.steps.remove(0), Step::SkipRehearsal);
        assert!(
            matches!(&plan.steps[0], Step::CreateTag { name, message, .. } if name == "v1.0.0" && message == "Release v1.0.0")
        );
        assert!(
            matches!(&plan.steps[1], Step::CreateTag { name, .. } if name == "bindings/go/v1.0.0")
        );
        assert_eq!(
            plan.steps[2],
            Step::PushTags {
                remote: "origin".into(),
                tags: vec!["v1.0.0".into(), "bindings/go/v1.0.0".into()]
            }
        );
        assert_eq!(
            plan.steps[3],
            Step::AwaitBuild {
                sha: HEAD.into(),
                run: None
            }
        );
        assert_eq!(
            plan.steps[4],
            Step::Dispatch {
                build_run: None,
                allow_partial: false
            }
        );
        assert!(matches!(
            plan.steps[5],
            Step::AwaitPublish { run: None, .. }
        ));
        assert_eq!(plan.steps[6], Step::CheckDelivery);
    }

    #[test]
    fn a_tag_at_another_commit_is_a_conflict() {
        let mut f = facts();
        f.tags[0].remote = Some("bbbb".into());
        assert!(
            matches!(mechanics(&f).outcome, Outcome::Conflict(m) if m.contains("on origin at bbbb"))
        );
        let mut f = facts();
        f.tags[1].local = Some("bbbb".into());
        assert!(matches!(mechanics(&f).outcome, Outcome::Conflict(m) if m.contains("locally")));
    }

    #[test]
    fn pushed_tags_are_reused_and_a_local_one_is_pushed() {
        let mut f = on_origin(facts());
        f.tags[1].remote = None;
        let plan = mechanics(&f);
        assert_eq!(plan.steps[0], Step::SkipRehearsal);
        assert_eq!(
            plan.steps[1],
            Step::PushTags {
                remote: "origin".into(),
                tags: vec!["bindings/go/v1.0.0".into()]
            }
        );
        assert!(plan.reused[0].contains("tag v1.0.0 on origin"));
    }

    #[test]
    fn a_successful_build_is_reused_and_dispatched_once() {
        let mut f = on_origin(facts());
        f.build_runs = vec![
            run(7, "push", "completed", "success"),
            run(6, "push", "completed", "failure"),
        ];
        let plan = mechanics(&f);
        assert_eq!(
            plan.steps[0],
            Step::Dispatch {
                build_run: Some(7),
                allow_partial: false
            }
        );
        assert_eq!(
            plan.steps[1],
            Step::AwaitPublish {
                build_run: Some(7),
                run: None,
                known: vec![]
            }
        );
    }

    #[test]
    fn a_running_build_is_awaited() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "in_progress", "")];
        let plan = mechanics(&f);
        assert_eq!(
            plan.steps[0],
            Step::AwaitBuild {
                sha: HEAD.into(),
                run: Some(7)
            }
        );
    }

    #[test]
    fn a_failed_build_stops() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "failure")];
        assert!(matches!(mechanics(&f).outcome, Outcome::BuildFailed(r) if r.id == 7));
    }

    #[test]
    fn runs_of_other_commits_or_events_are_ignored() {
        let mut f = on_origin(facts());
        let mut other = run(9, "push", "completed", "success");
        other.head_sha = "cccc".into();
        f.build_runs = vec![other, run(8, "workflow_dispatch", "completed", "success")];
        assert_eq!(
            mechanics(&f).steps[0],
            Step::AwaitBuild {
                sha: HEAD.into(),
                run: None
            }
        );
    }

    #[test]
    fn a_succeeded_publish_is_never_dispatched_again() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        f.publish_runs = vec![run(8, "workflow_dispatch", "completed", "success")];
        let plan = mechanics(&f);
        assert_eq!(plan.steps, [Step::CheckDelivery]);
        assert_eq!(
            plan.outcome,
            Outcome::Published {
                build_run: 7,
                publish_run: 8
            }
        );
    }

    #[test]
    fn a_running_publish_is_awaited_not_redispatched() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        f.publish_runs = vec![run(8, "workflow_dispatch", "queued", "")];
        assert_eq!(
            mechanics(&f).steps,
            [
                Step::AwaitPublish {
                    build_run: Some(7),
                    run: Some(8),
                    known: vec![8]
                },
                Step::CheckDelivery
            ]
        );
    }

    #[test]
    fn an_earlier_dispatch_not_yet_listed_is_awaited() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        f.dispatched_for = vec![7];
        let plan = mechanics(&f);
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::Dispatch { .. }))
        );
    }

    #[test]
    fn a_failed_publish_stops_for_a_publish_only_retry() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        f.publish_runs = vec![run(8, "workflow_dispatch", "completed", "failure")];
        assert!(matches!(
            mechanics(&f).outcome,
            Outcome::PublishFailed { build_run: 7, .. }
        ));
    }

    fn retry(build_run: u64) -> Facts {
        let mut f = on_origin(facts());
        f.entry = Entry::Publish {
            build_run,
            allow_partial: true,
        };
        let mut build = run(build_run, "push", "completed", "success");
        build.workflow_name = "Release".into();
        f.build_runs = vec![build];
        f
    }

    #[test]
    fn a_publish_only_retry_dispatches_the_given_build() {
        let plan = mechanics(&retry(7));
        assert_eq!(plan.outcome, Outcome::Continue);
        assert_eq!(
            plan.steps,
            [
                Step::Dispatch {
                    build_run: Some(7),
                    allow_partial: true
                },
                Step::AwaitPublish {
                    build_run: Some(7),
                    run: None,
                    known: vec![]
                },
                Step::CheckDelivery
            ]
        );
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::CreateTag { .. } | Step::PushTags { .. }))
        );
    }

    #[test]
    fn a_retry_refuses_a_tag_not_pushed_and_a_build_it_may_not_publish() {
        let mut f = retry(7);
        f.tags[0].remote = None;
        assert!(
            matches!(mechanics(&f).outcome, Outcome::Refused(m) if m.contains("v1.0.0 is not on origin"))
        );
        let mut f = retry(7);
        f.build_runs[0].conclusion = "failure".into();
        f.build_runs[0].head_sha = "bbbb".into();
        let Outcome::Refused(message) = mechanics(&f).outcome else {
            panic!("a failed build of another commit is refused");
        };
        assert!(
            message.contains("run 7 is failure, not a success"),
            "{message}"
        );
        assert!(
            message.contains("run 7 built bbbb, but v1.0.0 is at aaaa"),
            "{message}"
        );
    }

    #[test]
    fn a_retry_after_a_failed_publish_dispatches_again() {
        let mut f = retry(7);
        f.publish_runs = vec![run(8, "workflow_dispatch", "completed", "failure")];
        f.earlier_publish_runs = vec![8];
        let plan = mechanics(&f);
        assert!(matches!(
            plan.steps[0],
            Step::Dispatch {
                build_run: Some(7),
                ..
            }
        ));
        // Its own dispatch, once listed and done, completes the retry.
        f.publish_runs
            .insert(0, run(9, "workflow_dispatch", "completed", "success"));
        assert_eq!(
            mechanics(&f).outcome,
            Outcome::Published {
                build_run: 7,
                publish_run: 9
            }
        );
    }

    #[test]
    fn a_retry_refuses_while_an_earlier_publish_succeeded_or_runs() {
        for (status, conclusion, says) in [
            ("completed", "success", "was already published"),
            ("in_progress", "", "is still in_progress"),
        ] {
            let mut f = retry(7);
            f.publish_runs = vec![run(8, "workflow_dispatch", status, conclusion)];
            f.earlier_publish_runs = vec![8];
            assert!(
                matches!(mechanics(&f).outcome, Outcome::Refused(ref m) if m.contains(says)),
                "{says}"
            );
        }
    }

    fn publish_of(id: u64, build: u64, sha: &str, conclusion: &str) -> Run {
        let mut r = run(id, "workflow_dispatch", "completed", conclusion);
        r.display_title = publish_title(build);
        r.head_sha = sha.into();
        r
    }

    #[test]
    fn a_publish_of_another_build_at_head_is_not_this_release() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        // A rehearsal published build 5 at this very commit.
        f.publish_runs = vec![publish_of(8, 5, HEAD, "success")];
        let plan = mechanics(&f);
        assert_eq!(plan.outcome, Outcome::Continue);
        assert!(matches!(
            plan.steps[0],
            Step::Dispatch {
                build_run: Some(7),
                ..
            }
        ));
        assert_eq!(
            plan.steps[1],
            Step::AwaitPublish {
                build_run: Some(7),
                run: None,
                known: vec![8]
            }
        );
    }

    #[test]
    fn a_publish_run_is_found_by_its_build_wherever_main_is() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        // Main moved on before the dispatch: the run carries another commit.
        f.publish_runs = vec![publish_of(9, 7, "ffff", "success")];
        assert_eq!(
            mechanics(&f).outcome,
            Outcome::Published {
                build_run: 7,
                publish_run: 9
            }
        );
    }

    #[test]
    fn two_publishes_at_one_commit_are_told_apart_by_their_build() {
        let mut f = on_origin(facts());
        f.build_runs = vec![run(7, "push", "completed", "success")];
        f.publish_runs = vec![
            publish_of(12, 6, HEAD, "success"),
            publish_of(11, 7, HEAD, "failure"),
        ];
        assert!(matches!(
            mechanics(&f).outcome,
            Outcome::PublishFailed { build_run: 7, ref run } if run.id == 11
        ));
        // A retry of build 7 is not refused by build 6's success.
        let mut r = retry(7);
        r.publish_runs = f.publish_runs.clone();
        r.earlier_publish_runs = vec![11, 12];
        assert!(matches!(
            mechanics(&r).steps[0],
            Step::Dispatch {
                build_run: Some(7),
                ..
            }
        ));
    }

    #[test]
    fn a_retry_publishes_again_while_a_channel_does_not_serve_the_release() {
        let mut f = retry(7);
        f.publish_runs = vec![run(8, "workflow_dispatch", "completed", "success")];
        f.earlier_publish_runs = vec![8];
        f.undelivered = Some(vec!["crates".into()]);
        assert!(matches!(
            mechanics(&f).steps[0],
            Step::Dispatch {
                build_run: Some(7),
                ..
            }
        ));
        f.undelivered = Some(Vec::new());
        assert!(matches!(
            mechanics(&f).outcome,
            Outcome::Refused(m) if m.contains("every channel serves it")
        ));
    }

    #[test]
    fn a_fresh_release_rehearses_before_it_tags_and_publishes_the_rehearsal_build() {
        let mut f = rehearsing(facts(), Rehearsal::First);
        f.build_runs = vec![run(3, "push", "completed", "success")];
        f.publish_runs = vec![publish_of(4, 3, HEAD, "success")];
        let plan = mechanics(&f);
        assert_eq!(plan.outcome, Outcome::Continue);
        assert_eq!(
            plan.steps[..4],
            [
                Step::DispatchRehearsalBuild {
                    branch: "main".into(),
                    tag: "v1.0.0".into(),
                    sha: HEAD.into()
                },
                Step::AwaitRehearsalBuild {
                    sha: HEAD.into(),
                    run: None,
                    known: vec![3]
                },
                Step::DispatchRehearsal { build_run: None },
                Step::AwaitRehearsal {
                    build_run: None,
                    run: None,
                    known: vec![4]
                },
            ]
        );
        // Then the tags; the build is the rehearsal's, so no build is awaited.
        assert!(matches!(&plan.steps[4], Step::CreateTag { name, .. } if name == "v1.0.0"));
        assert!(matches!(&plan.steps[6], Step::PushTags { .. }));
        assert_eq!(
            plan.steps[7],
            Step::Dispatch {
                build_run: None,
                allow_partial: false
            }
        );
        assert!(
            !plan
                .steps
                .iter()
                .any(|s| matches!(s, Step::AwaitBuild { .. }))
        );
        assert_eq!(plan.steps.last(), Some(&Step::CheckDelivery));
    }

    #[test]
    fn a_rehearsal_build_of_another_commit_or_title_is_not_this_rehearsal() {
        let mut f = rehearsing(facts(), Rehearsal::First);
        let mut other = rehearsal_build(5, "completed", "success");
        other.head_sha = "cccc".into();
        let mut untitled = rehearsal_build(6, "completed", "success");
        untitled.display_title = "Build v1.0.0".into();
        f.build_runs = vec![other, untitled];
        assert!(matches!(
            mechanics(&f).steps[0],
            Step::DispatchRehearsalBuild { .. }
        ));
    }

    #[test]
    fn a_green_rehearsal_build_is_reused_and_its_publish_rehearsed() {
        let mut f = rehearsing(facts(), Rehearsal::First);
        f.build_runs = vec![
            rehearsal_build(6, "completed", "success"),
            rehearsal_build(5, "completed", "failure"),
        ];
        let plan = mechanics(&f);
        assert!(
            plan.reused
                .contains(&"rehearsal build run 6 (succeeded)".to_string())
        );
        assert_eq!(
            plan.steps[..2],
            [
                Step::DispatchRehearsal { build_run: Some(6) },
                Step::AwaitRehearsal {
                    build_run: Some(6),
                    run: None,
                    known: vec![]
                }
            ]
        );
        // A running one is awaited, never dispatched again.
        f.publish_runs = vec![publish_rehearsal(8, 6, "in_progress", "")];
        assert_eq!(
            mechanics(&f).steps[0],
            Step::AwaitRehearsal {
                build_run: Some(6),
                run: Some(8),
                known: vec![8]
            }
        );
    }

    #[test]
    fn a_green_rehearsal_is_followed_by_the_tags_and_the_publish_of_its_build() {
        let mut f = rehearsing(facts(), Rehearsal::First);
        f.build_runs = vec![rehearsal_build(6, "completed", "success")];
        f.publish_runs = vec![publish_rehearsal(8, 6, "completed", "success")];
        let plan = mechanics(&f);
        assert_eq!(plan.rehearsed, Some((6, 8)));
        assert!(matches!(plan.steps[0], Step::CreateTag { .. }));
        assert!(matches!(plan.steps[2], Step::PushTags { .. }));
        assert_eq!(
            plan.steps[3],
            Step::Dispatch {
                build_run: Some(6),
                allow_partial: false
            }
        );
        // Once tagged (a resumed run), the rehearsal is behind us and its
        // build is still the one published, not the tag's own.
        let mut f = on_origin(f);
        f.build_runs.push(run(9, "push", "in_progress", ""));
        let plan = mechanics(&f);
        assert_eq!(
            plan.steps[0],
            Step::Dispatch {
                build_run: Some(6),
                allow_partial: false
            }
        );
        assert!(
            plan.reused
                .contains(&"rehearsal build run 6 (succeeded)".to_string())
        );
    }

    #[test]
    fn a_failed_rehearsal_stops_before_any_tag() {
        for (builds, publishes, publish) in [
            (
                vec![rehearsal_build(6, "completed", "failure")],
                vec![],
                false,
            ),
            (
                vec![rehearsal_build(6, "completed", "success")],
                vec![publish_rehearsal(8, 6, "completed", "failure")],
                true,
            ),
        ] {
            let mut f = rehearsing(facts(), Rehearsal::First);
            f.build_runs = builds;
            f.publish_runs = publishes;
            let plan = mechanics(&f);
            assert!(
                matches!(&plan.outcome, Outcome::RehearsalFailed { publish: p, .. } if *p == publish),
                "{plan:?}"
            );
            assert!(
                !plan
                    .steps
                    .iter()
                    .any(|s| matches!(s, Step::CreateTag { .. } | Step::PushTags { .. }))
            );
        }
    }

    #[test]
    fn a_rehearsal_dispatched_by_an_interrupted_run_is_awaited_not_dispatched_again() {
        let mut f = rehearsing(facts(), Rehearsal::First);
        f.rehearsal_builds_dispatched = vec![HEAD.into()];
        let plan = mechanics(&f);
        assert!(matches!(
            plan.steps[0],
            Step::AwaitRehearsalBuild { run: None, .. }
        ));
        f.build_runs = vec![rehearsal_build(6, "completed", "success")];
        f.rehearsals_dispatched_for = vec![6];
        let plan = mechanics(&f);
        assert!(matches!(
            plan.steps[0],
            Step::AwaitRehearsal {
                build_run: Some(6),
                run: None,
                ..
            }
        ));
    }

    #[test]
    fn rehearse_only_stops_after_the_rehearsal() {
        let mut f = rehearsing(facts(), Rehearsal::Only);
        let plan = mechanics(&f);
        assert_eq!(plan.outcome, Outcome::Continue);
        assert_eq!(plan.steps.len(), 4, "{:?}", plan.steps);
        assert!(matches!(plan.steps[3], Step::AwaitRehearsal { .. }));
        f.build_runs = vec![rehearsal_build(6, "completed", "success")];
        f.publish_runs = vec![publish_rehearsal(8, 6, "completed", "success")];
        let plan = mechanics(&f);
        assert_eq!(
            plan.outcome,
            Outcome::Rehearsed {
                build_run: 6,
                publish_run: 8
            }
        );
        assert!(plan.steps.is_empty());
    }

    #[test]
    fn without_rehearsal_the_tag_build_is_published_even_if_a_rehearsal_passed() {
        let mut f = on_origin(rehearsing(facts(), Rehearsal::Skipped));
        f.build_runs = vec![
            run(9, "push", "completed", "success"),
            rehearsal_build(6, "completed", "success"),
        ];
        let plan = mechanics(&f);
        assert_eq!(
            plan.steps[0],
            Step::Dispatch {
                build_run: Some(9),
                allow_partial: false
            }
        );
        assert!(!plan.steps.contains(&Step::SkipRehearsal));
    }
}
