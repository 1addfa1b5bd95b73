//! `cargo xtask homebrew <vX.Y.Z> --sha256sums <file>`: point the formula at a release, all or nothing.
//!
//! The plan (the formula's new text) is made with no I/O by [`rewrite`] and
//! checked by reading it back; the one executor writes it, or prints its diff.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use semver::Version;

use crate::sha256::parse_sha256sums;
use xshell::Shell;

use crate::cli;
use crate::effects::{Effect, Executor, FileEdit};
use crate::survey::Repo;
use crate::ui::Ui;

/// What the formula must point at.
pub(crate) struct FormulaRelease<'a> {
    pub version: &'a Version,
    pub tag: &'a str,
    pub tag_format: &'a str,
    /// `[assets].name`: archives are `<name>_<version>_<platform>.tar.gz`.
    pub asset_name: &'a str,
    pub platforms: &'a [String],
}

/// The formula moved to `release`: its `version` line, and for each platform
/// its `url` (tag and file name) and the `sha256` line after it. Every problem
/// is listed in the one error; then nothing should be written.
pub(crate) fn rewrite(
    formula: &str,
    release: &FormulaRelease<'_>,
    sums_text: &str,
) -> Result<String> {
    let sums = parse_sha256sums(sums_text).map_err(|e| anyhow::anyhow!("the sums file, {e}"))?;
    let mut errors = Vec::new();
    let mut wanted = Vec::new(); // (platform, asset, sha)
    for platform in release.platforms {
        let asset = format!(
            "{}_{}_{platform}.tar.gz",
            release.asset_name, release.version
        );
        match sums.iter().find(|(name, _)| *name == asset) {
            Some((_, sha)) => wanted.push((platform.as_str(), asset, sha.clone())),
            None => errors.push(format!(
                "the sums file has no line for {asset} (platform {platform}): was it built and uploaded?"
            )),
        }
    }
    let lines: Vec<&str> = formula.split_inclusive('\n').collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let versions: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with("version \""))
        .collect();
    match versions.as_slice() {
        [i] => out[*i] = replace_quoted(lines[*i], &release.version.to_string()),
        [] => errors.push("the formula has no `version \"X.Y.Z\"` line".to_string()),
        many => errors.push(format!(
            "the formula has {} `version` lines (lines {}); expected one",
            many.len(),
            many.iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    for (platform, asset, sha) in &wanted {
        let suffix = format!("_{platform}.tar.gz\"");
        let prefix = format!("/{}_", release.asset_name);
        let urls: Vec<usize> = (0..lines.len())
            .filter(|&i| {
                let line = lines[i].trim();
                line.starts_with("url \"")
                    && line.contains("/releases/download/")
                    && line.ends_with(&suffix)
                    && line.contains(&prefix)
            })
            .collect();
        let [u] = urls.as_slice() else {
            errors.push(format!(
                "the formula has {} `url` lines for platform {platform} (…/releases/download/<tag>/{}_<version>_{platform}.tar.gz); expected one",
                urls.len(),
                release.asset_name
            ));
            continue;
        };
        let url_line = lines[*u];
        let start = url_line
            .find("/releases/download/")
            .expect("filtered above")
            + "/releases/download/".len();
        let end = url_line.rfind('"').expect("filtered above");
        out[*u] = format!(
            "{}{}/{asset}{}",
            &url_line[..start],
            release.tag,
            &url_line[end..]
        );
        let sha_line = (u + 1..lines.len()).find(|&i| !lines[i].trim().is_empty());
        match sha_line {
            Some(s) if lines[s].trim_start().starts_with("sha256 \"") => {
                out[s] = replace_quoted(lines[s], sha);
            }
            _ => errors.push(format!(
                "line {}: the `url` of platform {platform} is not followed by a `sha256 \"…\"` line",
                u + 1
            )),
        }
    }
    if !errors.is_empty() {
        bail!("cannot update the formula:\n  - {}", errors.join("\n  - "));
    }
    let text = out.concat();
    check(&text, release, &wanted)?;
    Ok(text)
}

/// Reads the new formula back: every version token and every wanted sha256 is there.
fn check(
    text: &str,
    release: &FormulaRelease<'_>,
    wanted: &[(&str, String, String)],
) -> Result<()> {
    let slots = crate::sites::formula::locate(text, release.tag_format)
        .context("the rewritten formula no longer reads")?;
    let version = release.version.to_string();
    for slot in &slots {
        let found = &text[slot.range.clone()];
        if found != version {
            bail!(
                "after the rewrite, {} still holds {found}: is a url in the formula for a platform missing from [homebrew].platforms?",
                slot.label
            );
        }
    }
    for (platform, asset, sha) in wanted {
        if !text.contains(&format!("/{asset}\"")) || !text.contains(&format!("\"{sha}\"")) {
            bail!(
                "after the rewrite, the formula does not list {asset} with its sha256 ({platform})"
            );
        }
    }
    Ok(())
}

/// `line` with its first quoted string replaced by `value`.
fn replace_quoted(line: &str, value: &str) -> String {
    let open = line.find('"').expect("callers match a quote");
    let close = open + 1 + line[open + 1..].find('"').unwrap_or(line.len() - open - 1);
    format!("{}{value}{}", &line[..=open], &line[close..])
}

impl cli::Homebrew {
    pub(crate) fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let live = !self.dry_run;
        rewrite_formula(
            sh,
            repo,
            &self.tag,
            &self.sha256sums,
            self.formula.as_deref(),
            live,
        )
    }
}

/// Points the formula at `tag`, all or nothing; prints a diff unless `live`.
fn rewrite_formula(
    sh: &Shell,
    repo: &Repo,
    tag: &str,
    sums: &Path,
    formula: Option<&Path>,
    live: bool,
) -> Result<bool> {
    let _lock = crate::lock::acquire_for_writes(&repo.root, live)?;
    let config = &repo.config;
    let Some(homebrew) = &config.distribution.homebrew else {
        bail!(
            "{} has no [homebrew] section: declare the formula and its platforms (see docs/config.md)",
            crate::config::PATH
        );
    };
    let Some(asset_name) = &config.distribution.asset_name else {
        bail!(
            "{} has no [assets].name: it names the release archives",
            crate::config::PATH
        );
    };
    let version = crate::versioning::parse(tag)?;
    let tag = config.tag(&version);
    let formula: PathBuf = match formula {
        Some(path) => std::path::absolute(path)?,
        None => repo.root.join(&homebrew.formula),
    };
    let sums_text = std::fs::read_to_string(sums).with_context(|| {
        format!(
            "cannot read the sums file {}: download sha256sums.txt of release {tag}",
            sums.display()
        )
    })?;
    let before = std::fs::read_to_string(&formula)
        .with_context(|| format!("cannot read the formula {}", formula.display()))?;
    let release = FormulaRelease {
        version: &version,
        tag: &tag,
        tag_format: &config.tag_format,
        asset_name,
        platforms: &homebrew.platforms,
    };
    let after = rewrite(&before, &release, &sums_text)
        .with_context(|| format!("{} was not changed", formula.display()))?;
    let (Some(dir), Some(name)) = (formula.parent(), formula.file_name()) else {
        bail!("{} is not a file", formula.display());
    };
    let edit = FileEdit {
        path: name.to_string_lossy().into_owned(),
        before: before.clone(),
        after: after.clone(),
    };
    let ui = Ui { json: false };
    let applied = Executor::new(sh, dir, live, ui).apply(&Effect::Write(vec![edit]))?;
    if applied.done() {
        let what = if before == after {
            "already pointed"
        } else {
            "now points"
        };
        ui.line(&format!(
            "homebrew: {} {what} at {tag} ({} platforms)",
            formula.display(),
            homebrew.platforms.len()
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMULA: &str = "class P < Formula\n  version \"0.1.0\"\n  on_macos do\n    url \"https://github.com/o/p/releases/download/v0.1.0/p_0.1.0_macos-arm64.tar.gz\"\n    sha256 \"0000\"\n  end\n  on_linux do\n    url \"https://github.com/o/p/releases/download/v0.1.0/p_0.1.0_linux-x86_64.tar.gz\"\n\n    sha256 \"0000\"\n  end\nend\n";

    fn release<'a>(version: &'a Version, platforms: &'a [String]) -> FormulaRelease<'a> {
        FormulaRelease {
            version,
            tag: "v0.2.0",
            tag_format: "v{version}",
            asset_name: "p",
            platforms,
        }
    }

    #[test]
    fn rewrites_version_urls_and_sums() {
        let v = Version::parse("0.2.0").unwrap();
        let platforms = ["macos-arm64".to_string(), "linux-x86_64".to_string()];
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let sums = format!(
            "{a}  p_0.2.0_macos-arm64.tar.gz\n{b}  p_0.2.0_linux-x86_64.tar.gz\n{a}  p_0.2.0_windows-x86_64.zip\n"
        );
        let out = rewrite(FORMULA, &release(&v, &platforms), &sums).unwrap();
        assert_eq!(
            out,
            FORMULA
                .replace("0.1.0", "0.2.0")
                .replacen("\"0000\"", &format!("\"{a}\""), 1)
                .replacen("\"0000\"", &format!("\"{b}\""), 1)
        );
    }

    #[test]
    fn a_platform_left_out_of_the_config_is_caught_by_the_check() {
        let v = Version::parse("0.2.0").unwrap();
        let platforms = ["macos-arm64".to_string()];
        let sums = format!("{}  p_0.2.0_macos-arm64.tar.gz\n", "a".repeat(64));
        let err = rewrite(FORMULA, &release(&v, &platforms), &sums).unwrap_err();
        assert!(format!("{err:#}").contains("still holds 0.1.0"), "{err:#}");
    }
}
