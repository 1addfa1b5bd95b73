//! TOML sites: `version` in a Cargo manifest table or in pyproject's `[project]`.

use anyhow::{Context, Result, bail};
use toml_edit::{ImDocument, Item};

use super::slot::Slot;
use crate::config::sites::Site;

/// The `version` string of the table at `table_path`, as a slot.
pub(crate) fn locate(text: &str, table_path: &[&str], site: &Site) -> Result<Vec<Slot>> {
    let doc = ImDocument::parse(text).map_err(|err| anyhow::anyhow!("malformed TOML: {err}"))?;
    let label = format!("[{}].version", table_path.join("."));
    let mut item: &Item = doc.as_item();
    for key in table_path {
        item = match item.get(key) {
            Some(next) => next,
            None => bail!("missing table [{}]", table_path.join(".")),
        };
    }
    let Some(version) = item.get("version") else {
        bail!("missing key {label}")
    };
    if version
        .as_table_like()
        .and_then(|t| t.get("workspace"))
        .is_some()
    {
        bail!(
            "{label} is inherited from the workspace: declare the site on the root manifest's [workspace.package] instead of {}",
            site.path
        );
    }
    let Some(value) = version.as_value().filter(|v| v.is_str()) else {
        bail!("{label} is not a string")
    };
    string_slot(text, value.span(), &label)
}

/// The inside of a one-line TOML string at `span` (quotes excluded).
pub(crate) fn string_slot(
    text: &str,
    span: Option<std::ops::Range<usize>>,
    label: &str,
) -> Result<Vec<Slot>> {
    let span = span.with_context(|| format!("{label} has no position in the file"))?;
    let raw = &text[span.clone()];
    let quoted = raw.len() >= 2
        && !raw.starts_with("\"\"\"")
        && !raw.starts_with("'''")
        && (raw.starts_with('"') && raw.ends_with('"')
            || raw.starts_with('\'') && raw.ends_with('\''));
    if !quoted || raw.contains('\\') {
        bail!("{label} must be a plain one-line string, found {raw}");
    }
    Ok(vec![Slot {
        label: label.to_string(),
        range: span.start + 1..span.end - 1,
    }])
}
