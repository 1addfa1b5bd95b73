//! `cargo xtask changelog <version>`: print one version's release notes from the changelog.

use anyhow::{Context, Result};

use crate::sites::{Kind, keepachangelog};
use crate::survey::Repo;

impl crate::cli::Changelog {
    pub(crate) fn run(self, repo: &Repo) -> Result<bool> {
        let _lock = crate::lock::acquire_shared(&repo.root);
        print_notes(repo, &self.version)
    }
}

fn print_notes(repo: &Repo, version: &str) -> Result<bool> {
    let version = crate::versioning::parse(version)?;
    let path = repo
        .config
        .sites
        .iter()
        .find(|s| s.kind == Kind::Changelog)
        .map_or("CHANGELOG.md", |s| s.path.as_str());
    let text = std::fs::read_to_string(repo.root.join(path))
        .with_context(|| format!("cannot read {path}"))?;
    crate::ui::document(keepachangelog::notes(&text, path, &version)?);
    Ok(true)
}
