//! `cargo xtask bump <version|level>`: moves every version site at once (see
//! [`crate::lockstep`]), healing drift when an explicit version is above
//! every site.

use anyhow::{Result, bail};
use semver::Version;
use xshell::Shell;

use crate::cli;
use crate::effects::Executor;
use crate::lockstep::{execute, refuse_unreadable};
use crate::survey::{Repo, SiteState, agreement};
use crate::ui::Ui;
use crate::versioning::Request;

/// A target some site cannot write (`1.2.3-rc` has no PEP 440 form) is bad
/// input: a usage error that says what is wrong with it.
fn refuse_unwritable_version(states: &[SiteState], target: &Version) -> Result<()> {
    for state in states {
        if let Err(err) = state.site.form.render(target) {
            return Err(crate::versioning::UsageError(format!(
                "{target} cannot be written at {} ({} form): {err:#}; no file was changed",
                state.site.path,
                state.site.form.name()
            ))
            .into());
        }
    }
    Ok(())
}

/// The lock-step sites that disagree with the primary, as `path had X`, when
/// every lock-step site is below `target`; else the first site that is not.
fn drift_below(states: &[SiteState], target: &Version) -> Result<Vec<String>, String> {
    let primary = states.first().and_then(|s| s.version().ok());
    let mut healed = Vec::new();
    for state in states.iter().filter(|s| s.site.lockstep) {
        let Ok(found) = state.version() else {
            return Err(format!("{} cannot be read", state.site.path));
        };
        if found >= target && !(state.site.form.partial() && state.holds(target)) {
            return Err(format!(
                "{} has {}",
                state.site.path,
                state.raw().unwrap_or_default()
            ));
        }
        if primary.is_some_and(|p| !state.holds(p) && !state.lags(p)) {
            healed.push(format!(
                "{} had {}",
                state.site.path,
                state.raw().unwrap_or_default()
            ));
        }
    }
    Ok(healed)
}

impl cli::Bump {
    /// `cargo xtask bump <request>`.
    pub(crate) fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let request = Request::parse(&self.words)?;
        let today = crate::clock::release_date(self.date.as_deref())?;
        let _lock = crate::lock::acquire_for_writes(&repo.root, !self.dry_run)?;
        let states = repo.survey();
        refuse_unreadable(&states)?;
        let (current, healed) = match agreement(&states) {
            Ok(version) => (version, Vec::new()),
            Err(problems) => match &request {
                // An explicit target says where to go: heal the drift if it is above every site.
                Request::Exact(target) => {
                    let healed = drift_below(&states, target).map_err(|site| {
                        anyhow::anyhow!(
                            "the version sites disagree and {site}, which is not below {target}:\n  - {}\nbump to a version above every site, or run `cargo xtask sync` first",
                            problems.join("\n  - ")
                        )
                    })?;
                    let primary = states[0].version().cloned().map_err(anyhow::Error::msg)?;
                    (primary, healed)
                }
                _ => bail!(
                    "the version sites disagree, so bump would not know where to start:\n  - {}\nrun `cargo xtask sync` to write the primary version everywhere, give an explicit version above every site (`cargo xtask bump X.Y.Z`), or fix the files by hand",
                    problems.join("\n  - ")
                ),
            },
        };
        if let Request::Exact(target) = &request
            && target < &current
        {
            // Going down is never a bump, but it has a way: the primary site by hand, then sync.
            let primary = &states[0].site;
            return Err(crate::versioning::UsageError(format!(
                "{target} is lower than the current version {current}: a bump must go up (semver precedence); to go down on purpose, edit {} to hold {} by hand, then run `cargo xtask sync` to write it to every site; no file was changed",
                primary.path,
                primary.form.render(target).unwrap_or_else(|_| target.to_string())
            ))
            .into());
        }
        let target = request.apply(&current)?;
        refuse_unwritable_version(&states, &target)?;
        let exec = Executor::new(sh, &repo.root, !self.dry_run, Ui { json: false });
        execute(
            &exec,
            repo,
            &states,
            current,
            target.clone(),
            &today,
            "bump",
        )?;
        if !healed.is_empty() {
            Ui { json: false }.line(&format!(
                "healed drift: these sites disagreed with {} and now hold {target}:\n  - {}",
                states[0].site.path,
                healed.join("\n  - ")
            ));
        }
        Ok(true)
    }
}
