//! The repository and what each version site holds: the facts every command
//! starts from, and whether the lock-step sites agree.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use semver::Version;

use crate::config::Config;
use crate::sites::{self, Reading, Site};

/// A checkout the xtask acts on: its root and its release config.
pub(crate) struct Repo {
    pub root: PathBuf,
    pub config: Config,
}

impl Repo {
    /// The repository containing `dir` (the root is the nearest folder with `.git`).
    pub(crate) fn find_root(dir: &Path) -> Result<PathBuf> {
        let dir = dir
            .canonicalize()
            .map_err(|err| anyhow::anyhow!("cannot open {}: {err}", dir.display()))?;
        match dir.ancestors().find(|d| d.join(".git").exists()) {
            Some(root) => Ok(root.to_path_buf()),
            None if dir.join(crate::config::PATH).is_file() => Ok(dir),
            None => bail!(
                "{} is not inside a git repository: run the xtask from a checkout, or pass -C <dir>",
                dir.display()
            ),
        }
    }

    pub(crate) fn open(root: PathBuf) -> Result<Repo> {
        let (config, warnings) = Config::load(&root)?;
        for warning in &warnings {
            crate::ui::note(warning);
        }
        Ok(Repo { root, config })
    }

    /// Reads every site. Files that cannot be read or parsed are reported in
    /// their [`SiteState`], not as an error, so callers can list them all.
    pub(crate) fn survey(&self) -> Vec<SiteState> {
        self.config
            .sites
            .iter()
            .map(|site| {
                let text = std::fs::read_to_string(self.root.join(&site.path));
                let reading = match &text {
                    Ok(text) => sites::read(site, text, &self.config.tag_format)
                        .map_err(|e| format!("{e:#}")),
                    Err(_) if self.root.join(&site.path).is_dir() => {
                        Err("is a directory, not a file: a [[site]] path names a file".to_string())
                    }
                    Err(err) => Err(format!("cannot read: {err}")),
                };
                SiteState {
                    site: site.clone(),
                    text: text.unwrap_or_default(),
                    reading,
                }
            })
            .collect()
    }
}

/// One site as found on disk.
pub(crate) struct SiteState {
    pub site: Site,
    pub text: String,
    pub reading: Result<Reading, String>,
}

impl SiteState {
    /// The single version the site holds.
    pub(crate) fn version(&self) -> Result<&Version, String> {
        let reading = self.reading.as_ref().map_err(Clone::clone)?;
        reading.version(&self.site).map_err(|e| e.to_string())
    }

    /// Whether the site holds `version` (for the release form: its `X.Y.Z`).
    pub(crate) fn holds(&self, version: &Version) -> bool {
        self.version()
            .is_ok_and(|found| self.site.form.matches(found, version))
    }

    /// A changelog whose newest section is below `version`: it skipped
    /// releases, which is allowed (`bump` adds the next section).
    pub(crate) fn lags(&self, version: &Version) -> bool {
        self.site.kind == sites::Kind::Changelog
            && self.version().is_ok_and(|found| found < version)
    }

    /// The raw text of the first slot, as written in the file.
    pub(crate) fn raw(&self) -> Option<&str> {
        self.reading.as_ref().ok().map(|r| r.raw[0].as_str())
    }
}

/// The primary version (the first site's) when every lock-step site agrees,
/// or the sites that disagree with it or cannot be read. Sites outside the
/// lock-step are left out, and a changelog may lag behind (see [`SiteState::lags`]).
pub(crate) fn agreement(states: &[SiteState]) -> Result<Version, Vec<String>> {
    let mut problems = Vec::new();
    let primary = states.first().and_then(|s| s.version().ok().cloned());
    for state in states.iter().filter(|s| s.site.lockstep) {
        match (state.version(), &primary) {
            (Err(err), _) => problems.push(format!("{}: {err}", state.site.path)),
            (Ok(_), Some(p)) if state.holds(p) || state.lags(p) => {}
            (Ok(_), Some(p)) => problems.push(format!(
                "{} ({}) has {} but {} has {p}",
                state.site.path,
                state.site.kind.name(),
                state.raw().unwrap_or_default(),
                states[0].site.path
            )),
            _ => {}
        }
    }
    match primary {
        Some(version) if problems.is_empty() => Ok(version),
        _ => Err(problems),
    }
}
