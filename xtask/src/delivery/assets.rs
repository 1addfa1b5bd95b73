//! GitHub: the release lists every expected asset.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Context, Miss};
use crate::config::distribution::{Distribution, Key};
use crate::tools::gh;

/// The GitHub release of the tag holds every asset.
pub(super) fn probe(p: &Context<'_>) -> Result<String, Miss> {
    let repo = p.value(Key::GithubRepo)?;
    let timeout = p.delivery.request_timeout;
    Ok(lookup(
        &p.shell()?,
        repo,
        p.dist,
        p.version,
        p.tag,
        timeout,
    )?)
}

fn lookup(
    sh: &Shell,
    repo: &str,
    dist: &Distribution,
    version: &Version,
    tag: &str,
    timeout: Duration,
) -> Result<String, String> {
    let assets = gh::release_assets(sh, repo, tag, timeout).map_err(|e| format!("{e:#}"))?;
    let expected = dist.release_assets(version);
    let missing: Vec<&String> = expected.iter().filter(|a| !assets.contains(a)).collect();
    if missing.is_empty() {
        Ok(format!(
            "release {tag} of {repo} has all {} assets",
            expected.len()
        ))
    } else {
        Err(format!(
            "release {tag} of {repo} lacks {}: rerun the publish workflow's GitHub release job, which uploads the missing assets",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}
