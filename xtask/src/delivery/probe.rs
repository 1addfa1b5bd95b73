//! What every probe is given ([`Context`]) and what it answers ([`Miss`]),
//! with the one HTTP helper the registry probes share.

use std::path::Path;
use std::time::Duration;

use semver::Version;
use xshell::Shell;

use crate::config::distribution::{DeliverySettings, Distribution, HomebrewSettings, Key};
use crate::tools::curl;

/// A file the build made: its name and sha256.
#[derive(Debug, Clone)]
pub(super) struct Built {
    pub name: String,
    pub sha256: String,
}

/// Why a probe did not pass.
#[derive(Debug, Clone)]
pub(super) enum Miss {
    /// Not (yet) there: retried until the maximum wait.
    NotYet(String),
    /// There, but not what the build made: never retried.
    Differs(String),
}

impl From<String> for Miss {
    fn from(reason: String) -> Miss {
        Miss::NotYet(reason)
    }
}

/// What every probe needs to know.
pub(super) struct Context<'a> {
    pub root: &'a Path,
    pub delivery: &'a DeliverySettings,
    pub dist: &'a Distribution,
    /// `[release].github_repo`: where the releases live.
    pub github_repo: Option<&'a str>,
    pub version: &'a Version,
    pub tag: &'a str,
    pub built: &'a [Built],
    /// `[release].go_module`: the Go binding's folder.
    pub go_module: Option<&'a str>,
}

impl Context<'_> {
    /// A shell in the repository, for this probe's thread.
    pub(super) fn shell(&self) -> Result<Shell, Miss> {
        let sh = Shell::new().map_err(|e| e.to_string())?;
        sh.change_dir(self.root);
        Ok(sh)
    }

    /// The configured value of `key`, or the miss that says how to set it.
    pub(super) fn value(&self, key: Key) -> Result<&str, Miss> {
        let d = self.delivery;
        let value = match key {
            Key::Crate => d.crate_name.as_deref(),
            Key::NpmPackage => d.npm_package.as_deref(),
            Key::PypiPackage => d.pypi_package.as_deref(),
            Key::GithubRepo => self.github_repo,
            Key::GoModule => self.go_module,
            Key::Homebrew => None,
        };
        value.ok_or_else(|| Miss::NotYet(key.how_to_set()))
    }

    /// The `[homebrew]` section, or the miss that says to add it.
    pub(super) fn homebrew(&self) -> Result<&HomebrewSettings, Miss> {
        self.dist
            .homebrew
            .as_ref()
            .ok_or_else(|| Miss::NotYet(Key::Homebrew.how_to_set()))
    }
}

/// GETs `url`, mapping "no answer" and non-200 statuses to a failure reason.
pub(super) fn get_ok(
    sh: &Shell,
    url: &str,
    accept: Option<&str>,
    timeout: Duration,
    not_found: impl FnOnce() -> String,
) -> Result<String, String> {
    let response = curl::get(sh, url, accept, timeout).map_err(|e| format!("{e:#}"))?;
    match response.status {
        200 => Ok(response.body),
        404 => Err(format!("{} ({url} answered 404)", not_found())),
        status => Err(format!("GET {url} answered HTTP {status}")),
    }
}
