//! Version sites: every place a version lives, how to find it and how to move it.
//!
//! Each kind of site *locates* its version tokens as byte ranges ([`Slot`]s)
//! in the file's text. Reading a site is reading those ranges; bumping it
//! replaces exactly those ranges, so nothing but the version token changes
//! (the changelog, which gains a section, is the one exception).

pub(crate) mod cargo_lock;
pub(crate) mod formula;
pub(crate) mod json;
pub(crate) mod keepachangelog;
pub(crate) mod pattern;
pub(crate) mod sections;
pub(crate) mod slot;
pub(crate) mod toml;

use anyhow::{Context, Result, bail};
use semver::Version;

pub(crate) use crate::config::sites::{Kind, Site};
pub(crate) use slot::{Slot, Target, line_of, replace_slots};

/// What a site holds: its slots and the version each one reads as.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub slots: Vec<Slot>,
    /// The raw text of each slot.
    pub raw: Vec<String>,
    /// Each slot's version, read in the site's form.
    pub versions: Vec<Version>,
}

impl Reading {
    /// The one version the site holds, or an error naming the slots that disagree.
    /// (Slots are read in one form, so they agree when they are equal.)
    pub(crate) fn version(&self, site: &Site) -> Result<&Version> {
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
pub(crate) fn locate(site: &Site, text: &str, tag_format: &str) -> Result<Vec<Slot>> {
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
        Kind::Changelog => vec![keepachangelog::locate(text)?],
        Kind::Homebrew => formula::locate(text, tag_format)?,
        Kind::Pattern { pattern, count } => pattern::locate(text, pattern, *count)?,
    };
    if slots.is_empty() {
        bail!("no version found");
    }
    Ok(slots)
}

/// Reads the version(s) `site` holds in `text`.
pub(crate) fn read(site: &Site, text: &str, tag_format: &str) -> Result<Reading> {
    let (slots, raw): (Vec<Slot>, Vec<String>) = match &site.kind {
        // The numbers, wherever they are, read as one version.
        Kind::Pattern { pattern, count } if pattern::has_parts(pattern) => {
            pattern::matches(text, pattern, *count)?
                .into_iter()
                .map(|m| (m.slot.clone(), m.raw(text)))
                .unzip()
        }
        _ => locate(site, text, tag_format)?
            .into_iter()
            .map(|s| {
                let raw = text[s.range.clone()].to_string();
                (s, raw)
            })
            .unzip(),
    };
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

/// `text` with `site` moved to the target version, checked by reading it back.
pub(crate) fn rewrite(site: &Site, text: &str, target: &Target<'_>) -> Result<String> {
    let new = site.form.render(target.version)?;
    let out = match &site.kind {
        Kind::Changelog => keepachangelog::roll(text, &new, target)?,
        Kind::Pattern { pattern, count } if pattern::has_parts(pattern) => pattern::write_parts(
            text,
            &pattern::matches(text, pattern, *count)?,
            target.version,
        ),
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
