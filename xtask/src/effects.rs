//! The one executor of effects: live mode applies them, dry-run prints them.
//!
//! Commands plan their effects as data ([`FileEdit`]s, effect commands such as
//! `git tag`, `git push` and `gh workflow run`, waits for remote work) and hand
//! them here; no other module writes a file of the repository or runs an
//! effect. Queries, and what a dry-run is for (reports, blockers), run in
//! both modes and do not come here.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::diff;
use crate::tools;
use crate::ui::{self, Ui};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Live,
}

/// Replace the contents of one file: `before` is what the plan was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Relative to the repository root, with `/` separators.
    pub path: String,
    pub before: String,
    pub after: String,
}

/// How to wait for remote work: first interval, growing by half up to a
/// maximum, within a timeout. One query per interval at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub interval: Duration,
    pub max_interval: Duration,
    pub timeout: Duration,
}

pub struct Executor<'a> {
    root: &'a Path,
    pub mode: Mode,
    ui: Ui,
}

impl<'a> Executor<'a> {
    pub fn new(root: &'a Path, mode: Mode) -> Executor<'a> {
        Executor {
            root,
            mode,
            ui: Ui { json: false },
        }
    }

    /// Prints through `ui` (stderr when stdout carries JSON).
    pub fn with_ui(mut self, ui: Ui) -> Executor<'a> {
        self.ui = ui;
        self
    }

    /// Runs an effect command that must succeed, and returns its stdout; in
    /// dry-run, prints it and returns `None`.
    pub fn command(&self, cmd: xshell::Cmd<'_>, timeout: Duration) -> Result<Option<String>> {
        match self.mode {
            Mode::DryRun => {
                self.ui.line(&format!("    would run: {cmd}"));
                Ok(None)
            }
            Mode::Live => {
                self.ui.line(&format!("    running: {cmd}"));
                tools::exec(cmd, None, timeout)?.ok().map(Some)
            }
        }
    }

    /// Polls `check` on `schedule` until it returns `Some`; in dry-run, says
    /// what it would wait for and returns `None`. Fails on timeout.
    pub fn wait<T>(
        &self,
        what: &str,
        schedule: Schedule,
        mut check: impl FnMut() -> Result<Option<T>>,
    ) -> Result<Option<T>> {
        if self.mode == Mode::DryRun {
            self.ui.line(&format!("    would wait for {what}"));
            return Ok(None);
        }
        self.ui.line(&format!("    waiting for {what}"));
        let start = Instant::now();
        let mut interval = schedule.interval;
        loop {
            // Wait first: the facts were just queried, and remote work takes time.
            if start.elapsed() + interval > schedule.timeout {
                bail!(
                    "gave up waiting for {what} after {}",
                    ui::duration(start.elapsed())
                );
            }
            std::thread::sleep(interval);
            if let Some(found) = check()? {
                return Ok(Some(found));
            }
            interval = (interval * 3 / 2).min(schedule.max_interval);
        }
    }

    /// Applies every edit or none: in dry-run, prints a unified diff of each.
    pub fn write_files(&self, edits: &[FileEdit]) -> Result<()> {
        match self.mode {
            Mode::DryRun => {
                for edit in edits {
                    print!("{}", diff::unified(&edit.path, &edit.before, &edit.after));
                }
                Ok(())
            }
            // Each file through a temporary file and a rename (fsx.rs).
            Mode::Live => crate::fsx::write_all(self.root, edits),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-effects-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn edit(path: &str, before: &str, after: &str) -> FileEdit {
        FileEdit {
            path: path.into(),
            before: before.into(),
            after: after.into(),
        }
    }

    #[test]
    fn live_writes_every_file() {
        let dir = temp_dir("live");
        std::fs::write(dir.join("a"), "1").unwrap();
        std::fs::write(dir.join("b"), "1").unwrap();
        Executor::new(&dir, Mode::Live)
            .write_files(&[edit("a", "1", "2"), edit("b", "1", "3")])
            .unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "2");
        assert_eq!(std::fs::read_to_string(dir.join("b")).unwrap(), "3");
    }

    #[test]
    fn a_stale_plan_writes_nothing() {
        let dir = temp_dir("stale");
        std::fs::write(dir.join("a"), "1").unwrap();
        std::fs::write(dir.join("b"), "changed").unwrap();
        let err = Executor::new(&dir, Mode::Live)
            .write_files(&[edit("a", "1", "2"), edit("b", "1", "3")])
            .unwrap_err();
        assert!(err.to_string().contains("b changed"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "1");
    }

    #[test]
    fn effect_commands_run_only_live() {
        let dir = temp_dir("command");
        let sh = xshell::Shell::new().unwrap();
        let file = dir.join("made");
        let timeout = Duration::from_secs(10);
        let dry = Executor::new(&dir, Mode::DryRun);
        assert_eq!(
            dry.command(xshell::cmd!(sh, "touch {file}"), timeout)
                .unwrap(),
            None
        );
        assert!(!file.exists());
        let live = Executor::new(&dir, Mode::Live);
        assert!(
            live.command(xshell::cmd!(sh, "touch {file}"), timeout)
                .unwrap()
                .is_some()
        );
        assert!(file.exists());
        assert!(live.command(xshell::cmd!(sh, "false"), timeout).is_err());
    }

    #[test]
    fn waits_poll_until_done_or_give_up() {
        let dir = temp_dir("wait");
        let schedule = Schedule {
            interval: Duration::from_millis(1),
            max_interval: Duration::from_millis(4),
            timeout: Duration::from_millis(500),
        };
        let live = Executor::new(&dir, Mode::Live);
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
        let dry = Executor::new(&dir, Mode::DryRun);
        assert_eq!(
            dry.wait("it", schedule, || -> Result<Option<()>> {
                panic!("no query in a dry wait")
            })
            .unwrap(),
            None
        );
    }

    #[test]
    fn dry_run_writes_nothing() {
        let dir = temp_dir("dry");
        std::fs::write(dir.join("a"), "1").unwrap();
        Executor::new(&dir, Mode::DryRun)
            .write_files(&[edit("a", "1", "2")])
            .unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "1");
    }
}
