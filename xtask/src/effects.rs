//! The one executor of effects: live, it applies each; in a dry-run it
//! prints each instead (diffs for file edits), except the tracker filings,
//! which a dry-run applies too.
//!
//! Commands plan their effects as [`Effect`] values and hand them here; no
//! other module writes a file of the repository, runs an effect command, or
//! knows which mode it runs in. Queries run in both modes and do not come here.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use xshell::Shell;

use crate::diff;
use crate::schedule::{First, Schedule};
use crate::tools::{ergo, gh, git};
use crate::ui::Ui;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    DryRun,
    Live,
}

pub(crate) use crate::fsx::FileEdit;

/// A change the xtask makes: planned as data, applied (or shown) here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Replace the contents of files, all or nothing.
    Write(Vec<FileEdit>),
    /// `git tag -a <name> -m <message> <sha>`.
    Tag {
        name: String,
        sha: String,
        message: String,
    },
    /// `git push --atomic <remote> <tags…>`.
    Push { remote: String, tags: Vec<String> },
    /// `gh workflow run <workflow> --repo <repo> [--ref <branch>] -f
    /// <name>=<value>…`, on `git_ref` if given, else the default branch. An
    /// input may be a `placeholder` (`<ID of the build run>`) only in a
    /// dry-run, which shows it; applied, it is refused.
    Dispatch {
        repo: String,
        workflow: String,
        git_ref: Option<String>,
        inputs: Vec<(String, String)>,
        placeholder: bool,
    },
    /// `ergo new epic <title> --file <file>`, the file holding `chunks`.
    NewEpic {
        title: String,
        file: PathBuf,
        chunks: String,
    },
    /// `ergo new task <title> --epic <epic>`, the body on stdin.
    NewTask {
        title: String,
        epic: String,
        body: String,
    },
}

impl Effect {
    /// Whether a dry-run applies it too. Finding and filing release blockers
    /// is what a dry-run is for, so tracker filings are applied in both modes.
    fn applies_in_dry_run(&self) -> bool {
        matches!(self, Effect::NewEpic { .. } | Effect::NewTask { .. })
    }
}

/// What the executor did with an effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Applied; what the command printed (empty for file edits).
    Done(String),
    /// Shown, not applied (a dry-run).
    Shown,
}

impl Applied {
    pub(crate) fn done(&self) -> bool {
        matches!(self, Applied::Done(_))
    }

    /// `done` or `planned`, as the evidence records it.
    pub(crate) fn status(&self) -> &'static str {
        if self.done() { "done" } else { "planned" }
    }
}

/// What a run does about its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// Nothing refuses: go on.
    Clear,
    /// A live run that something refuses: stop, acting on nothing.
    Stop,
    /// A dry-run that a live run would stop: go on showing the plan.
    Show,
}

pub(crate) struct Executor<'a> {
    sh: &'a Shell,
    root: &'a Path,
    mode: Mode,
    ui: Ui,
}

impl<'a> Executor<'a> {
    /// An executor for the files under `root`; `live` applies, otherwise a dry-run.
    pub(crate) fn new(sh: &'a Shell, root: &'a Path, live: bool, ui: Ui) -> Executor<'a> {
        Executor {
            sh,
            root,
            mode: if live { Mode::Live } else { Mode::DryRun },
            ui,
        }
    }

    /// `live` or `dry-run`, for reports.
    pub(crate) fn mode_name(&self) -> &'static str {
        match self.mode {
            Mode::Live => "live",
            Mode::DryRun => "dry-run",
        }
    }

    /// Applies `effect`, or shows it in a dry-run (unless it applies in both modes).
    pub(crate) fn apply(&self, effect: &Effect) -> Result<Applied> {
        let apply = self.mode == Mode::Live || effect.applies_in_dry_run();
        let sh = self.sh;
        let action = match effect {
            Effect::Write(edits) => {
                if !apply {
                    for edit in edits {
                        self.ui
                            .print(&diff::unified(&edit.path, &edit.before, &edit.after));
                    }
                    return Ok(Applied::Shown);
                }
                // Each file through a temporary file and a rename (fsx.rs).
                crate::fsx::write_all(self.root, edits)?;
                return Ok(Applied::Done(String::new()));
            }
            Effect::Tag { name, sha, message } => git::tag(sh, name, message, sha),
            Effect::Push { remote, tags } => git::push_tags(sh, remote, tags),
            Effect::Dispatch {
                repo,
                workflow,
                git_ref,
                inputs,
                placeholder,
            } => {
                if apply && *placeholder {
                    bail!("a dispatch of {workflow} with a placeholder input (this is a bug)");
                }
                let inputs: Vec<(&str, String)> = inputs
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                gh::workflow_run(sh, repo, workflow, git_ref.as_deref(), &inputs)
            }
            Effect::NewEpic {
                title,
                file,
                chunks,
            } => {
                if let Some(dir) = file.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
                std::fs::write(file, chunks)
                    .with_context(|| format!("cannot write {}", file.display()))?;
                ergo::new_epic(sh, title, file)
            }
            Effect::NewTask { title, epic, body } => ergo::new_task(sh, title, epic, body),
        };
        if !apply {
            self.ui
                .line(&format!("    would run: {}", action.display()));
            return Ok(Applied::Shown);
        }
        if !effect.applies_in_dry_run() {
            self.ui.line(&format!("    running: {}", action.display()));
        }
        action.run().map(Applied::Done)
    }

    /// Polls `check` on `schedule` until it returns `Some`, pausing before
    /// each look; in a dry-run, says what it would wait for and returns
    /// `None`. Fails on timeout.
    pub(crate) fn wait<T>(
        &self,
        what: &str,
        schedule: Schedule,
        check: impl FnMut() -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        if self.mode == Mode::DryRun {
            self.ui.line(&format!("    would wait for {what}"));
            return Ok(None);
        }
        self.ui.line(&format!("    waiting for {what}"));
        let start = std::time::Instant::now();
        let ticker = crate::ui::Ticker::start(self.ui, "waiting");
        let found = schedule.poll(First::Pause, check);
        drop(ticker);
        match found? {
            Some(found) => Ok(Some(found)),
            None => bail!(
                "gave up waiting for {what} after {}",
                crate::clock::human(start.elapsed())
            ),
        }
    }

    /// A check that only means something after the effects before it: live,
    /// runs it; a dry-run says it would (`then: <what>`) and returns `None`.
    pub(crate) fn check<T>(
        &self,
        what: &str,
        check: impl FnOnce() -> Result<T>,
    ) -> Result<Option<T>> {
        match self.mode {
            Mode::Live => check().map(Some),
            Mode::DryRun => {
                self.ui.line(&format!("    then: {what}"));
                Ok(None)
            }
        }
    }

    /// Prints `live` or `dry_run`, whichever says what this run does.
    pub(crate) fn announce(&self, live: &str, dry_run: &str) {
        self.ui.line(match self.mode {
            Mode::Live => live,
            Mode::DryRun => dry_run,
        });
    }

    /// The answer of a query the plan is made from. A dry-run that cannot
    /// ask (no tool, no login) still shows its plan, from `assumed`, and
    /// says so; a live run stops.
    pub(crate) fn query_or<T>(&self, answer: Result<T>, assumed: T, what: &str) -> Result<T> {
        match answer {
            Err(err) if self.mode == Mode::DryRun => {
                self.ui.line(&format!(
                    "    (cannot {what}, so this plan assumes there are none: {err:#})"
                ));
                Ok(assumed)
            }
            answer => answer,
        }
    }

    /// Whether a run may go on past `refusals`: a live run stops; a dry-run
    /// says what would stop it and goes on to show the rest of the plan.
    pub(crate) fn guard(&self, refusals: &[String]) -> Guard {
        if refusals.is_empty() {
            return Guard::Clear;
        }
        match self.mode {
            Mode::Live => Guard::Stop,
            Mode::DryRun => {
                self.ui.line(&format!(
                    "\na live run would refuse: {}",
                    refusals.join("; ")
                ));
                self.ui.line("once that is fixed, it would:");
                Guard::Show
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fsx::tests::{edit, temp_dir};
    use crate::tools;
    use std::time::Duration;

    fn executor<'a>(sh: &'a Shell, dir: &'a Path, live: bool) -> Executor<'a> {
        Executor::new(sh, dir, live, Ui { json: true })
    }

    #[test]
    fn live_writes_every_file() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("live"));
        std::fs::write(dir.join("a"), "1").unwrap();
        std::fs::write(dir.join("b"), "1").unwrap();
        let write = Effect::Write(vec![edit("a", "1", "2"), edit("b", "1", "3")]);
        assert!(executor(&sh, &dir, true).apply(&write).unwrap().done());
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "2");
        assert_eq!(std::fs::read_to_string(dir.join("b")).unwrap(), "3");
    }

    #[test]
    fn a_stale_plan_writes_nothing() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("stale"));
        std::fs::write(dir.join("a"), "1").unwrap();
        std::fs::write(dir.join("b"), "changed").unwrap();
        let write = Effect::Write(vec![edit("a", "1", "2"), edit("b", "1", "3")]);
        let err = executor(&sh, &dir, true).apply(&write).unwrap_err();
        assert!(err.to_string().contains("b changed"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "1");
    }

    #[test]
    fn effect_commands_run_only_live() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("command"));
        sh.change_dir(&dir);
        for args in [
            &["init", "--quiet"][..],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "--quiet",
                "--allow-empty",
                "-m",
                "x",
            ],
        ] {
            tools::exec(
                xshell::cmd!(sh, "git {args...}"),
                None,
                Duration::from_secs(30),
            )
            .unwrap()
            .ok()
            .unwrap();
        }
        let tag = |name: &str| Effect::Tag {
            name: name.into(),
            sha: "HEAD".into(),
            message: "m".into(),
        };
        assert!(!tag("v1").applies_in_dry_run());
        assert_eq!(
            executor(&sh, &dir, false).apply(&tag("v1")).unwrap(),
            Applied::Shown
        );
        assert!(git::local_tag(&sh, "v1").unwrap().is_none());
        assert!(executor(&sh, &dir, true).apply(&tag("v1")).unwrap().done());
        assert!(git::local_tag(&sh, "v1").unwrap().is_some());
        // A tag is never moved: git refuses, and so does the executor.
        assert!(executor(&sh, &dir, true).apply(&tag("v1")).is_err());
    }

    #[test]
    fn tracker_filings_apply_in_both_modes() {
        let filing = Effect::NewTask {
            title: "t".into(),
            epic: "E".into(),
            body: "b".into(),
        };
        assert!(filing.applies_in_dry_run());
        let write = Effect::Write(Vec::new());
        assert!(!write.applies_in_dry_run());
    }

    #[test]
    fn a_dispatch_without_a_build_run_is_only_shown() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("dispatch"));
        let dispatch = Effect::Dispatch {
            repo: "o/r".into(),
            workflow: "release-publish.yml".into(),
            git_ref: None,
            inputs: vec![("build_run_id".into(), "<ID of the build run>".into())],
            placeholder: true,
        };
        assert_eq!(
            executor(&sh, &dir, false).apply(&dispatch).unwrap(),
            Applied::Shown
        );
        let err = executor(&sh, &dir, true).apply(&dispatch).unwrap_err();
        assert!(err.to_string().contains("placeholder input"), "{err}");
    }

    #[test]
    fn waits_poll_until_done_or_give_up() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("wait"));
        let schedule = Schedule {
            interval: Duration::from_millis(1),
            max_interval: Duration::from_millis(4),
            timeout: Duration::from_millis(500),
            growth: 1.5,
        };
        let live = executor(&sh, &dir, true);
        let mut looks = 0;
        let found = live.wait("it", schedule, || {
            looks += 1;
            Ok((looks == 3).then_some(looks))
        });
        assert_eq!(found.unwrap(), Some(3));
        let never = live.wait("never", schedule, || Ok(None::<()>));
        assert!(
            never
                .unwrap_err()
                .to_string()
                .contains("gave up waiting for never")
        );
        let dry = executor(&sh, &dir, false);
        assert_eq!(
            dry.wait("it", schedule, || -> Result<Option<()>> {
                panic!("no query in a dry wait")
            })
            .unwrap(),
            None
        );
    }

    #[test]
    fn guards_stop_a_live_run_and_let_a_dry_run_show_the_rest() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("guard"));
        let refusals = ["a gate failed".to_string()];
        assert_eq!(executor(&sh, &dir, true).guard(&[]), Guard::Clear);
        assert_eq!(executor(&sh, &dir, false).guard(&[]), Guard::Clear);
        assert_eq!(executor(&sh, &dir, true).guard(&refusals), Guard::Stop);
        assert_eq!(executor(&sh, &dir, false).guard(&refusals), Guard::Show);
    }

    #[test]
    fn a_dry_run_plans_from_what_it_assumes() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("query"));
        let failed = || Err::<Vec<u8>, _>(anyhow::anyhow!("no gh"));
        assert_eq!(
            executor(&sh, &dir, false)
                .query_or(failed(), vec![], "list")
                .unwrap(),
            Vec::<u8>::new()
        );
        assert!(
            executor(&sh, &dir, true)
                .query_or(failed(), vec![], "list")
                .is_err()
        );
    }

    #[test]
    fn dry_run_writes_nothing() {
        let (sh, dir) = (Shell::new().unwrap(), temp_dir("dry"));
        std::fs::write(dir.join("a"), "1").unwrap();
        let write = Effect::Write(vec![edit("a", "1", "2")]);
        assert_eq!(
            executor(&sh, &dir, false).apply(&write).unwrap(),
            Applied::Shown
        );
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "1");
    }
}
