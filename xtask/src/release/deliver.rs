//! `cargo xtask delivery <vX.Y.Z>`: checks that every channel serves the
//! release (see [`crate::delivery`]) and files a blocker for the channels
//! that do not, unless `--no-blocker` (CI has no tracker).

use anyhow::Result;
use xshell::Shell;

use super::blockers;
use super::evidence::SCRATCH;
use super::pipeline::{close_hint, report_filing};
use crate::cli;
use crate::delivery::{self, Options};
use crate::effects::Executor;
use crate::survey::Repo;
use crate::ui::Ui;

impl cli::Delivery {
    pub fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let opts = Options::from_flags(self.channels, self.max_wait, self.artifact)?;
        let version = crate::version::parse(&self.tag)?;
        let report = delivery::check(sh, repo, &version, &opts)?;
        delivery::print(&report, self.json)?;
        report.annotate();
        crate::github::summarize(&report.markdown());
        if report.ok() || self.no_blocker {
            return Ok(report.ok());
        }
        // This command has no other effect: its executor only files, which
        // applies in both modes.
        let ui = Ui { json: self.json };
        let exec = Executor::new(sh, &repo.root, false, ui);
        let tag = repo.config.tag(&version);
        let what = format!("cargo xtask delivery {tag}");
        let blocker = blockers::from_delivery(&tag, &report, None, &what);
        let filing = blockers::file(
            &exec,
            sh,
            &repo.root.join(SCRATCH),
            &tag,
            std::slice::from_ref(&blocker),
        );
        report_filing(ui, &tag, &filing);
        ui.line(&format!(
            "next: find why in the publish run's jobs, {}, then publish again: `cargo xtask publish --build-run-id <ID of the build run> --live`",
            close_hint(&filing, &blocker.title)
        ));
        Ok(false)
    }
}
