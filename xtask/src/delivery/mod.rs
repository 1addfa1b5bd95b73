//! `cargo xtask delivery <vX.Y.Z>`: check that every channel really serves a
//! release, and file a blocker for the channels that do not, unless
//! `--no-blocker` (CI has no tracker).
//!
//! Each channel is probed on its own thread and retried with backoff until
//! `max_wait`, since registries take a while to show a new version; every
//! request has a timeout. Probes only read: nothing here changes anything.
//! With `--artifact`, crates.io and PyPI must also hold those very files
//! (same sha256): a version someone else published is a `mismatch`, at once.
//! A pre-release never goes to the Homebrew tap, so that channel is skipped.

mod assets;
pub(crate) mod blocker;
mod check;
mod crates;
mod go;
mod npm;
mod probe;
mod pypi;
pub(crate) mod report;
mod tap;

use std::path::PathBuf;

use anyhow::Result;
use xshell::Shell;

use crate::blockers;
use crate::cli;
use crate::config::distribution::Channel;
use crate::effects::Executor;
use crate::survey::Repo;
use crate::ui::Ui;
pub(crate) use check::{Options, check};
use report::Report;

impl cli::Delivery {
    pub(crate) fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let opts = Options::from_flags(self.channels, self.max_wait, self.artifact)?;
        let version = crate::versioning::parse(&self.tag)?;
        let report = check(sh, repo, &version, &opts)?;
        print(&report, self.json)?;
        report.annotate();
        crate::actions::summarize(&report.markdown());
        if report.ok() {
            return Ok(true);
        }
        let tag = repo.config.tag(&version);
        let ui = Ui { json: self.json };
        if self.no_blocker {
            ui.line(&format!(
                "next: find why in the publish run's jobs, publish again (`{}`), then check again (`cargo xtask delivery {}`)",
                cli::publish_retry(None),
                crate::words::quote(&tag)
            ));
            return Ok(false);
        }
        // This command has no other effect: its executor only files, which
        // applies in both modes.
        let exec = Executor::new(sh, &repo.root, false, ui);
        let what = format!("cargo xtask delivery {tag}");
        let blocker = blocker::blocker(&tag, &report, None, &what);
        let filing = blockers::file(
            &exec,
            sh,
            &repo.root.join(crate::config::SCRATCH),
            &tag,
            std::slice::from_ref(&blocker),
        );
        blockers::report_filing(ui, &tag, &filing);
        ui.line(&format!(
            "next: find why in the publish run's jobs, {}, then publish again: `{}`",
            blockers::close_hint(&filing, &blocker.title),
            cli::publish_retry(None)
        ));
        Ok(false)
    }
}

impl Options {
    /// The options `--channels` and `--max-wait` give.
    fn from_flags(
        channels: Option<Vec<String>>,
        max_wait: Option<String>,
        artifacts: Vec<PathBuf>,
    ) -> Result<Options> {
        Ok(Options {
            channels: channels.map(|c| parse_channels(&c)).transpose()?,
            max_wait: max_wait
                .map(|m| {
                    crate::config::fields::parse_duration(&m)
                        .map_err(|e| crate::versioning::UsageError(format!("--max-wait: {e}")))
                })
                .transpose()?,
            artifacts,
        })
    }
}

/// `--channels crates,npm`: each name must be a channel.
fn parse_channels(names: &[String]) -> Result<Vec<Channel>> {
    if let Some(twice) = names
        .iter()
        .find(|n| names.iter().filter(|m| m == n).count() > 1)
    {
        return Err(crate::versioning::UsageError(format!(
            "--channels lists `{twice}` twice: list each channel once"
        ))
        .into());
    }
    names
        .iter()
        .map(|name| {
            Channel::parse(name).ok_or_else(|| {
                crate::versioning::UsageError(format!(
                    "unknown channel `{name}`: the channels are crates, npm, pypi, homebrew, github, go"
                ))
                .into()
            })
        })
        .collect()
}

/// Prints the report, as JSON or text.
pub(crate) fn print(report: &Report, as_json: bool) -> Result<()> {
    if as_json {
        crate::ui::document(&serde_json::to_string_pretty(&report.to_json())?);
    } else {
        crate::ui::text(&report.render());
    }
    Ok(())
}
