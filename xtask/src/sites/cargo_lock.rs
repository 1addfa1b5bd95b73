//! Cargo.lock: the `version` of the workspace's own `[[package]]` entries.

use std::collections::HashMap;

use anyhow::{Result, bail};
use toml_edit::ImDocument;

use super::slot::Slot;
use super::toml::string_slot;

/// One slot per named package; each must appear exactly once.
pub(crate) fn locate(text: &str, packages: &[String]) -> Result<Vec<Slot>> {
    let entries = entries(text)?;
    let mut by_name: HashMap<&str, Vec<&LockEntry>> = HashMap::new();
    for entry in &entries {
        by_name.entry(&entry.name).or_default().push(entry);
    }
    let mut slots = Vec::new();
    for name in packages {
        match by_name
            .get(name.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            [entry] => slots.push(entry.slot.clone()),
            [] => bail!(
                "no [[package]] named `{name}`: check the name in the config's `packages`, or run `cargo update --workspace --offline` to refresh the lockfile"
            ),
            found => bail!(
                "{} [[package]] entries are named `{name}`: name only workspace packages",
                found.len()
            ),
        }
    }
    Ok(slots)
}

pub(crate) struct LockEntry {
    pub name: String,
    pub version: String,
    pub slot: Slot,
}

/// Every `[[package]]` entry with its name and version.
pub(crate) fn entries(text: &str) -> Result<Vec<LockEntry>> {
    let doc = ImDocument::parse(text).map_err(|err| anyhow::anyhow!("malformed TOML: {err}"))?;
    let Some(packages) = doc.get("package").and_then(|p| p.as_array_of_tables()) else {
        bail!("no [[package]] entries");
    };
    let mut entries = Vec::new();
    for table in packages.iter() {
        let (Some(name), Some(version)) = (
            table.get("name").and_then(|v| v.as_str()),
            table.get("version").and_then(|v| v.as_value()),
        ) else {
            bail!("a [[package]] entry lacks a name or a version");
        };
        let label = format!("[[package]] {name} version");
        let slot = string_slot(text, version.span(), &label)?.remove(0);
        entries.push(LockEntry {
            name: name.to_string(),
            version: text[slot.range.clone()].to_string(),
            slot,
        });
    }
    Ok(entries)
}
