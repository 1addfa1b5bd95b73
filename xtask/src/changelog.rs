//! `cargo xtask changelog <version>`: print one version's release notes from the changelog.

use anyhow::{Context, Result, bail};

use crate::survey::Repo;
use crate::versions::{Kind, changelog};

/// The notes of `version` in the changelog text at `path`: its section body, trimmed.
pub fn notes(text: &str, path: &str, version: &semver::Version) -> Result<String> {
    let Some(body) = changelog::section(text, &version.to_string()) else {
        bail!(
            "{path} has no section `## [{version}]`: run `cargo xtask bump {version}` to create it from `## [Unreleased]`"
        );
    };
    let body = body.trim();
    if body.is_empty() {
        bail!(
            "the section `## [{version}]` of {path} is empty: write its release notes there before releasing"
        );
    }
    Ok(body.to_string())
}

impl crate::cli::Changelog {
    pub fn run(self, repo: &Repo) -> Result<bool> {
        let _lock = crate::lock::acquire_shared(&repo.root);
        print_notes(repo, &self.version)
    }
}

fn print_notes(repo: &Repo, version: &str) -> Result<bool> {
    let version = crate::version::parse(version)?;
    let path = repo
        .config
        .sites
        .iter()
        .find(|s| s.kind == Kind::Changelog)
        .map_or("CHANGELOG.md", |s| s.path.as_str());
    let text = std::fs::read_to_string(repo.root.join(path))
        .with_context(|| format!("cannot read {path}"))?;
    crate::ui::document(&notes(&text, path, &version)?);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_trims_and_refuses() {
        let text = "# C\n\n## [Unreleased]\n\n## [0.2.0] - 2026-01-01\n\n## [0.1.0] - 2025-01-01\n\n- first\n\n[0.1.0]: https://x\n";
        let v = |s| semver::Version::parse(s).unwrap();
        assert_eq!(notes(text, "C.md", &v("0.1.0")).unwrap(), "- first");
        let empty = notes(text, "C.md", &v("0.2.0")).unwrap_err().to_string();
        assert!(empty.contains("is empty"), "{empty}");
        let missing = notes(text, "C.md", &v("0.3.0")).unwrap_err().to_string();
        assert!(missing.contains("no section `## [0.3.0]`"), "{missing}");
    }
}
