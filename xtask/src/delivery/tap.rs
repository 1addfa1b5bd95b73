//! HomebrewSettings: the tap's formula has the version, and each URL and sha256 matches the release's sums.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Context, Miss};
use crate::config::distribution::{Distribution, HomebrewSettings, Key, SHA256SUMS};
use crate::sha256::parse_sha256sums;
use crate::tools::gh;

/// The tap's formula names the version, with the release's URLs and sums.
pub(super) fn probe(p: &Context<'_>) -> Result<String, Miss> {
    let repo = p.value(Key::GithubRepo)?;
    let brew = p.homebrew()?;
    let timeout = p.delivery.request_timeout;
    Ok(lookup(
        &p.shell()?,
        repo,
        brew,
        p.dist,
        p.version,
        p.tag,
        timeout,
    )?)
}

fn lookup(
    sh: &Shell,
    repo: &str,
    brew: &HomebrewSettings,
    dist: &Distribution,
    version: &Version,
    tag: &str,
    timeout: Duration,
) -> Result<String, String> {
    let formula = gh::api_contents(sh, &brew.tap, &brew.tap_formula, timeout)
        .map_err(|e| format!("{e:#}"))?;
    let sums = gh::release_asset_text(sh, repo, tag, SHA256SUMS, timeout)
        .map_err(|e| format!("cannot read {SHA256SUMS} of release {tag}: {e:#}"))?;
    check(&formula, &sums, repo, brew, dist, version, tag)
}

/// Compares the tap's formula with what the release holds.
pub(super) fn check(
    formula: &str,
    sums: &str,
    repo: &str,
    brew: &HomebrewSettings,
    dist: &Distribution,
    version: &Version,
    tag: &str,
) -> Result<String, String> {
    let where_ = format!("{}/{}", brew.tap, brew.tap_formula);
    let sums = parse_sha256sums(sums).map_err(|e| format!("{SHA256SUMS} of {tag}: {e}"))?;
    let found_version = formula
        .lines()
        .find_map(|l| l.trim().strip_prefix("version \"")?.split('"').next());
    if found_version != Some(version.to_string().as_str()) {
        return Err(format!(
            "{where_} has version {} but the release is {version}: run the publish workflow's HomebrewSettings job",
            found_version.unwrap_or("(none)")
        ));
    }
    // Each `url` with the `sha256` that follows it.
    let lines: Vec<&str> = formula.lines().map(str::trim).collect();
    let pairs: Vec<(&str, Option<&str>)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let url = line.strip_prefix("url \"")?.split('"').next()?;
            let sha = lines[i + 1..]
                .iter()
                .find(|l| !l.is_empty())
                .and_then(|l| l.strip_prefix("sha256 \"")?.split('"').next());
            Some((url, sha))
        })
        .collect();
    let mut problems = Vec::new();
    for platform in &brew.platforms {
        let Some(target) = dist.targets.iter().find(|t| &t.platform == platform) else {
            continue;
        };
        let asset = dist.archive_name(target, version);
        let url = format!("https://github.com/{repo}/releases/download/{tag}/{asset}");
        let Some((_, sha)) = pairs.iter().find(|(u, _)| *u == url) else {
            problems.push(format!("no url {url}"));
            continue;
        };
        match sums.iter().find(|(name, _)| *name == asset) {
            None => problems.push(format!("{SHA256SUMS} of {tag} has no {asset}")),
            Some((_, want)) if Some(want.as_str()) != *sha => problems.push(format!(
                "the sha256 of {asset} is {} but {SHA256SUMS} says {want}",
                sha.unwrap_or("missing")
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(format!(
            "{where_} installs {version} on {} platforms with matching sha256s",
            brew.platforms.len()
        ))
    } else {
        Err(format!(
            "{where_}: {}; rerun `cargo xtask homebrew {} --sha256sums {SHA256SUMS}` on the tap",
            problems.join("; "),
            crate::words::quote(tag)
        ))
    }
}
