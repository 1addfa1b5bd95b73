//! Version sites: every place a version lives, how to find it and how to move it.
//!
//! Each kind of site *locates* its version tokens as byte ranges ([`Slot`]s)
//! in the file's text. Reading a site is reading those ranges; bumping it
//! replaces exactly those ranges, so nothing but the version token changes
//! (the changelog, which gains a section, is the one exception).

pub mod cargo_lock;
pub mod changelog;
pub mod homebrew;
pub mod json;
pub mod pattern;
pub mod toml;

use std::ops::Range;

use anyhow::{Context, Result, bail};
use semver::Version;

use crate::version::Form;

/// A place in the repository where the lock-step version is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub kind: Kind,
    /// How the version is written there (PEP 440 for Python packaging).
    pub form: Form,
    /// Whether the site moves with the others. A site outside the lock-step
    /// (`lockstep = false`, say a formula only the release workflow updates)
    /// is listed by `versions` but never blocks `verify` or `bump`, and
    /// `bump` leaves it alone.
    pub lockstep: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `version` in a Cargo manifest table: `package` or `workspace.package`.
    CargoManifest { table: String },
    /// The `version` of the named packages' entries in Cargo.lock.
    CargoLock { packages: Vec<String> },
    /// PEP 621 `[project].version`.
    Pyproject,
    /// package.json `.version`.
    PackageJson,
    /// package-lock.json `.version` and `.packages[""].version`.
    PackageLock,
    /// The string at a key path of any JSON file: `metadata.version`.
    Json { key: Vec<String> },
    /// The newest `## [X.Y.Z]` section of a Keep a Changelog file.
    Changelog,
    /// A Homebrew formula's `version` line and release-asset URLs.
    Homebrew,
    /// A literal pattern around `{version}`, found exactly `count` times.
    Pattern { pattern: String, count: usize },
}

impl Kind {
    pub const NAMES: [&'static str; 9] = [
        "cargo-manifest",
        "cargo-lock",
        "pyproject",
        "package-json",
        "package-lock",
        "json",
        "changelog",
        "homebrew",
        "pattern",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Kind::CargoManifest { .. } => "cargo-manifest",
            Kind::CargoLock { .. } => "cargo-lock",
            Kind::Pyproject => "pyproject",
            Kind::PackageJson => "package-json",
            Kind::PackageLock => "package-lock",
            Kind::Json { .. } => "json",
            Kind::Changelog => "changelog",
            Kind::Homebrew => "homebrew",
            Kind::Pattern { .. } => "pattern",
        }
    }

    /// The form a site of this kind uses unless the config says otherwise.
    pub fn default_form(&self) -> Form {
        match self {
            Kind::Pyproject => Form::Pep440,
            _ => Form::Semver,
        }
    }
}

/// One version token in a file: where it is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Where in the file, for messages: `[package].version`, `.packages[""].version`.
    pub label: String,
    /// The token's byte range, without quotes.
    pub range: Range<usize>,
}

/// What a site holds: its slots and the version each one reads as.
#[derive(Debug, Clone)]
pub struct Reading {
    pub slots: Vec<Slot>,
    /// The raw text of each slot.
    pub raw: Vec<String>,
    /// Each slot's version, read in the site's form.
    pub versions: Vec<Version>,
}

impl Reading {
    /// The one version the site holds, or an error naming the slots that disagree.
    /// (Slots are read in one form, so they agree when they are equal.)
    pub fn version(&self, site: &Site) -> Result<&Version> {
        let first = &self.versions[0];
        if let Some(i) = self.versions.iter().position(|v| v != first) {
            bail!(
                "{} holds two versions: {} at {} but {} at {}",
                site.path,
                self.raw[0],
                self.slots[0].label,
                self.raw[i],
                self.slots[i].label
            );
        }
        Ok(first)
    }
}

/// Finds the version tokens of `site` in `text`.
pub fn locate(site: &Site, text: &str, tag_format: &str) -> Result<Vec<Slot>> {
    let slots = match &site.kind {
        Kind::CargoManifest { table } => {
            toml::locate(text, &table.split('.').collect::<Vec<_>>(), site)?
        }
        Kind::Pyproject => toml::locate(text, &["project"], site)?,
        Kind::CargoLock { packages } => cargo_lock::locate(text, packages)?,
        Kind::PackageJson => json::locate(text, &[&["version"]])?,
        Kind::PackageLock => json::locate(text, &[&["version"], &["packages", "", "version"]])?,
        Kind::Json { key } => {
            let path: Vec<&str> = key.iter().map(String::as_str).collect();
            json::locate(text, &[&path])?
        }
        Kind::Changelog => vec![changelog::locate(text)?],
        Kind::Homebrew => homebrew::locate(text, tag_format)?,
        Kind::Pattern { pattern, count } => pattern::locate(text, pattern, *count)?,
    };
    if slots.is_empty() {
        bail!("no version found");
    }
    Ok(slots)
}

/// Reads the version(s) `site` holds in `text`.
pub fn read(site: &Site, text: &str, tag_format: &str) -> Result<Reading> {
    let slots = locate(site, text, tag_format)?;
    let raw: Vec<String> = slots
        .iter()
        .map(|s| text[s.range.clone()].to_string())
        .collect();
    let versions = raw
        .iter()
        .zip(&slots)
        .map(|(raw, slot)| {
            site.form
                .parse(raw)
                .with_context(|| format!("at {}", slot.label))
        })
        .collect::<Result<_>>()?;
    Ok(Reading {
        slots,
        raw,
        versions,
    })
}

/// What a rewrite needs besides the file: the target, the tag format, the date.
pub struct Target<'a> {
    pub version: &'a Version,
    pub tag_format: &'a str,
    /// `YYYY-MM-DD`, for the changelog's new section.
    pub today: &'a str,
}

/// `text` with `site` moved to the target version, checked by reading it back.
pub fn rewrite(site: &Site, text: &str, target: &Target<'_>) -> Result<String> {
    let new = site.form.render(target.version)?;
    let out = match site.kind {
        Kind::Changelog => changelog::roll(text, &new, target)?,
        _ => replace_slots(text, &locate(site, text, target.tag_format)?, &new),
    };
    let back = read(site, &out, target.tag_format).context("the rewritten file no longer reads")?;
    if back
        .versions
        .iter()
        .any(|v| !site.form.matches(v, target.version))
    {
        bail!(
            "after the rewrite it still holds {}, not {new}",
            back.raw.join(", ")
        );
    }
    Ok(out)
}

/// Replaces every slot's range with `new`.
pub fn replace_slots(text: &str, slots: &[Slot], new: &str) -> String {
    let mut ranges: Vec<&Range<usize>> = slots.iter().map(|s| &s.range).collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len() + slots.len() * new.len());
    let mut at = 0;
    for range in ranges {
        out.push_str(&text[at..range.start]);
        out.push_str(new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The 1-based line of byte offset `at`.
pub fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}
