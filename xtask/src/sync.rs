//! `cargo xtask sync`: writes the primary site's version to every other
//! lock-step site, after a drift (see [`crate::lockstep`]).

use anyhow::{Result, bail};
use xshell::Shell;

use crate::cli;
use crate::effects::Executor;
use crate::lockstep::{execute, refuse_unreadable};
use crate::survey::{Repo, SiteState};
use crate::ui::Ui;

impl cli::Sync {
    /// `cargo xtask sync`: writes the primary site's version to every other site.
    pub(crate) fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let _lock = crate::lock::acquire_for_writes(&repo.root, !self.dry_run)?;
        let states = repo.survey();
        refuse_unreadable(&states)?;
        let Some(Ok(primary)) = states.first().map(|s| s.version().cloned()) else {
            bail!("the primary site has no single version");
        };
        let today = crate::clock::release_date(None)?;
        // A changelog that lags stays as it is: sync adds no release section.
        let states: Vec<SiteState> = states.into_iter().filter(|s| !s.lags(&primary)).collect();
        let exec = Executor::new(sh, &repo.root, !self.dry_run, Ui { json: false });
        execute(
            &exec,
            repo,
            &states,
            primary.clone(),
            primary,
            &today,
            "sync",
        )
    }
}
