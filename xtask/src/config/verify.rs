//! `[verify]`: which documents the drift checks read, the tables they hold to
//! the config, and the files that may hold the version without being sites.

use std::path::Path;

use toml_edit::Table;

use super::fields::Fields;
use super::paths::outside_problem;

/// The documents read when `[verify].documents` is not given; missing ones are skipped.
const DEFAULT_DOCUMENTS: [&str; 5] = [
    "README.md",
    "CONTRIBUTING.md",
    "RELEASING.md",
    "docs",
    "skills",
];

/// A table under a heading of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableAt {
    pub doc: String,
    pub heading: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerifySettings {
    /// Markdown files, or folders read recursively for `*.md`.
    pub documents: Vec<String>,
    /// A table listing every `[[site]]` (path, kind), when declared.
    pub sites_table: Option<TableAt>,
    /// A table listing every delivery channel, when declared.
    pub channels_table: Option<TableAt>,
    /// Globs of tracked files that may hold the version without being sites.
    pub not_sites: Vec<String>,
}

impl Default for VerifySettings {
    fn default() -> VerifySettings {
        VerifySettings {
            documents: DEFAULT_DOCUMENTS.iter().map(|d| d.to_string()).collect(),
            sites_table: None,
            channels_table: None,
            not_sites: Vec::new(),
        }
    }
}

/// Reads `[verify]` (absent: the defaults); problems go to `errors`. Every
/// document is confined to the repository (`root`, canonical) as a site is.
pub(crate) fn parse(
    table: Option<&Table>,
    root: &Path,
    errors: &mut Vec<String>,
) -> VerifySettings {
    let mut settings = VerifySettings::default();
    let Some(table) = table else {
        return settings;
    };
    let mut f = Fields::new(table, "verify", errors);
    if let Some(documents) = f.string_array("documents") {
        for doc in &documents {
            if let Some(problem) = outside_problem(root, doc) {
                f.error(format!(
                    "verify.documents names {doc:?}, which {problem}, outside the repository: the drift checks read only this repository's documents"
                ));
            } else if !root.join(doc).exists() {
                f.error(format!(
                    "verify.documents names {doc:?}, which is not in the repository"
                ));
            }
        }
        settings.documents = documents;
    }
    settings.sites_table = table_at(
        &mut f,
        root,
        ["sites_doc", "sites_heading"],
        "Version sites",
    );
    settings.channels_table = table_at(
        &mut f,
        root,
        ["channels_doc", "channels_heading"],
        "Channels",
    );
    if let Some(globs) = f.string_array("not_sites") {
        settings.not_sites = globs;
    }
    f.finish();
    settings
}

/// `<x>_doc` and `<x>_heading`: a document that must exist, and a heading.
fn table_at(
    f: &mut Fields<'_, '_>,
    root: &Path,
    [doc, heading]: [&'static str; 2],
    default: &str,
) -> Option<TableAt> {
    let path = f.string(doc);
    let heading_text = f.string(heading);
    let Some(path) = path else {
        if heading_text.is_some() {
            f.error(format!(
                "verify.{heading} is set but verify.{doc} is not: name the document"
            ));
        }
        return None;
    };
    if let Some(problem) = outside_problem(root, &path) {
        f.error(format!(
            "verify.{doc} = {path:?} {problem}, outside the repository: name a document of this repository"
        ));
    } else if !root.join(&path).is_file() {
        f.error(format!("verify.{doc} = {path:?}: no such file"));
    }
    Some(TableAt {
        doc: path,
        heading: heading_text.unwrap_or_else(|| default.to_string()),
    })
}
