//! The live mechanics as data: from the facts found (tags, workflow runs),
//! what is left to do. No I/O here; every decision of a resumed run is made
//! (and unit-tested) in this file.

use crate::tools::gh::Run;

/// One tag the release makes, and where it already exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFact {
    pub name: String,
    /// The commit the local tag points at.
    pub local: Option<String>,
    /// The commit the tag points at on the remote.
    pub remote: Option<String>,
}

/// What is known before acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub head: String,
    pub remote: String,
    pub tags: Vec<TagFact>,
    /// Build workflow runs (any), newest first, as `gh run list` gives them.
    pub build_runs: Vec<Run>,
    /// Publish workflow runs (any), newest first.
    pub publish_runs: Vec<Run>,
    /// Build run IDs a publish was dispatched for by an earlier run (from the evidence).
    pub dispatched_for: Vec<u64>,
}

/// One step of the mechanics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
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
    /// `gh workflow run <publish> -f build_run_id=<id> -f allow_partial_release=false`;
    /// `None` until the build run is known (dry-run only).
    Dispatch { build_run: Option<u64> },
    /// Find (if `run` is `None`: a run not in `known`) and poll the publish run.
    AwaitPublish {
        sha: String,
        run: Option<u64>,
        known: Vec<u64>,
    },
}

/// Where the mechanics stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `steps` are left to do.
    Continue,
    /// Built and published.
    Done { build_run: u64, publish_run: u64 },
    /// A tag exists at another commit: nothing may be done.
    Conflict(String),
    /// The build run failed.
    BuildFailed(Run),
    /// The publish run failed: retry with `cargo xtask publish`.
    PublishFailed { build_run: u64, run: Run },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// What is reused from an earlier run, for the report.
    pub reused: Vec<String>,
    pub outcome: Outcome,
}

/// The runs of `sha` started by `event`, newest first.
fn runs_of<'a>(runs: &'a [Run], sha: &str, event: &str) -> Vec<&'a Run> {
    let mut found: Vec<&Run> = runs
        .iter()
        .filter(|r| r.head_sha == sha && r.event == event)
        .collect();
    found.sort_by(|a, b| b.id.cmp(&a.id));
    found
}

/// The run that speaks for the workflow: a success if any, else the newest.
fn best<'a>(runs: &[&'a Run]) -> Option<&'a Run> {
    runs.iter()
        .find(|r| r.succeeded())
        .or(runs.first())
        .copied()
}

/// Decides what is left, from the facts.
pub fn mechanics(facts: &Facts) -> Plan {
    let head = &facts.head;
    let mut steps = Vec::new();
    let mut reused = Vec::new();
    let done = |steps, reused, outcome| Plan {
        steps,
        reused,
        outcome,
    };

    for tag in &facts.tags {
        for (place, sha) in [
            ("locally", &tag.local),
            (facts.remote.as_str(), &tag.remote),
        ] {
            if let Some(sha) = sha.as_ref().filter(|sha| *sha != head) {
                let place = if place == "locally" {
                    "locally".to_string()
                } else {
                    format!("on {place}")
                };
                return done(
                    Vec::new(),
                    reused,
                    Outcome::Conflict(format!(
                        "tag {} exists {place} at {sha}, not at HEAD {head}",
                        tag.name
                    )),
                );
            }
        }
    }
    let mut to_push = Vec::new();
    for tag in &facts.tags {
        match (&tag.local, &tag.remote) {
            (None, None) => {
                steps.push(Step::CreateTag {
                    name: tag.name.clone(),
                    sha: head.clone(),
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
    let pushed_now = !to_push.is_empty();
    if pushed_now {
        steps.push(Step::PushTags {
            remote: facts.remote.clone(),
            tags: to_push,
        });
    }

    let builds = runs_of(&facts.build_runs, head, "push");
    let build = if pushed_now { None } else { best(&builds) };
    let build_id = match build {
        None => {
            steps.push(Step::AwaitBuild {
                sha: head.clone(),
                run: None,
            });
            None
        }
        Some(run) if run.succeeded() => {
            reused.push(format!("build run {} (succeeded)", run.id));
            Some(run.id)
        }
        Some(run) if run.completed() => {
            return done(steps, reused, Outcome::BuildFailed(run.clone()));
        }
        Some(run) => {
            reused.push(format!("build run {} ({})", run.id, run.status));
            steps.push(Step::AwaitBuild {
                sha: head.clone(),
                run: Some(run.id),
            });
            None
        }
    };

    let publishes = runs_of(&facts.publish_runs, head, "workflow_dispatch");
    // Every publish run seen before a dispatch: the next new one is ours.
    let known: Vec<u64> = facts.publish_runs.iter().map(|r| r.id).collect();
    let Some(build_id) = build_id else {
        steps.push(Step::Dispatch { build_run: None });
        steps.push(Step::AwaitPublish {
            sha: head.clone(),
            run: None,
            known,
        });
        return done(steps, reused, Outcome::Continue);
    };
    match best(&publishes) {
        Some(run) if run.succeeded() => {
            reused.push(format!("publish run {} (succeeded)", run.id));
            let outcome = Outcome::Done {
                build_run: build_id,
                publish_run: run.id,
            };
            done(steps, reused, outcome)
        }
        Some(run) if !run.completed() => {
            reused.push(format!("publish run {} ({})", run.id, run.status));
            steps.push(Step::AwaitPublish {
                sha: head.clone(),
                run: Some(run.id),
                known,
            });
            done(steps, reused, Outcome::Continue)
        }
        Some(run) => {
            let outcome = Outcome::PublishFailed {
                build_run: build_id,
                run: run.clone(),
            };
            done(steps, reused, outcome)
        }
        None if facts.dispatched_for.contains(&build_id) => {
            // Dispatched by an interrupted run, not listed yet: wait, never dispatch twice.
            reused.push(format!("the publish dispatch for build run {build_id}"));
            steps.push(Step::AwaitPublish {
                sha: head.clone(),
                run: None,
                known,
            });
            done(steps, reused, Outcome::Continue)
        }
        None => {
            steps.push(Step::Dispatch {
                build_run: Some(build_id),
            });
            steps.push(Step::AwaitPublish {
                sha: head.clone(),
                run: None,
                known,
            });
            done(steps, reused, Outcome::Continue)
        }
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
        }
    }

    fn facts() -> Facts {
        Facts {
            head: HEAD.into(),
            remote: "origin".into(),
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
            dispatched_for: Vec::new(),
        }
    }

    fn on_origin(mut f: Facts) -> Facts {
        for t in &mut f.tags {
            t.local = Some(HEAD.into());
            t.remote = Some(HEAD.into());
        }
        f
    }

    #[test]
    fn a_fresh_release_does_everything_in_order() {
        let plan = mechanics(&facts());
        assert_eq!(plan.outcome, Outcome::Continue);
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
        assert_eq!(plan.steps[4], Step::Dispatch { build_run: None });
        assert!(matches!(
            plan.steps[5],
            Step::AwaitPublish { run: None, .. }
        ));
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
        assert_eq!(
            plan.steps[0],
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
        assert_eq!(plan.steps[0], Step::Dispatch { build_run: Some(7) });
        assert_eq!(
            plan.steps[1],
            Step::AwaitPublish {
                sha: HEAD.into(),
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
        assert!(plan.steps.is_empty());
        assert_eq!(
            plan.outcome,
            Outcome::Done {
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
            [Step::AwaitPublish {
                sha: HEAD.into(),
                run: Some(8),
                known: vec![8]
            }]
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
}
