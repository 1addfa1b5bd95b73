//! Drift checks: the docs, the skill, the workflows and the tool must agree.
//!
//! `cargo xtask verify` runs these on every checkout; each problem names the
//! document and line and says what to change.

pub mod markdown;
pub mod workflows;

use std::path::Path;

use clap::Parser;

use crate::cli::Cli;
use crate::problem::Problem;
use crate::versions::Site;
use crate::words::split_words;

/// The documents that drive the tool: README.md, RELEASING.md, docs/ and skills/.
pub const DOC_ROOTS: [&str; 4] = ["README.md", "RELEASING.md", "docs", "skills"];

/// Where the version-site list lives, and the heading of its table.
pub const VERSIONING_DOC: &str = "docs/record/versioning.md";
pub const SITES_HEADING: &str = "Version sites";

/// The skill reference that lists the delivery channels, and the heading of its table.
pub const DELIVERY_DOC: &str =
    "skills/plasmite-release-manager/references/delivery-verification.md";
pub const CHANNELS_HEADING: &str = "Channels";

/// What the tool itself says, for the documents to agree with.
pub struct Facts<'a> {
    /// The version sites of the release config.
    pub sites: &'a [Site],
    /// The channels `cargo xtask delivery` accepts.
    pub channels: Vec<&'static str>,
    /// Workflow files the xtask names (from the config).
    pub workflows: Vec<String>,
    /// `(workflow, input, type)` the xtask dispatches.
    pub dispatched: Vec<(String, &'static str, &'static str)>,
    /// `(workflow, run-name)`: the title the xtask finds that workflow's runs by.
    pub run_names: Vec<(String, &'static str)>,
}

/// A Markdown document of the repository.
pub struct Doc {
    pub path: String,
    pub text: String,
}

/// Every Markdown file under [`DOC_ROOTS`], in a stable order.
pub fn documents(root: &Path) -> Vec<Doc> {
    fn walk(root: &Path, rel: &str, out: &mut Vec<Doc>) {
        let path = root.join(rel);
        if path.is_dir() {
            let mut entries: Vec<String> = std::fs::read_dir(&path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| format!("{rel}/{}", e.file_name().to_string_lossy()))
                .collect();
            entries.sort();
            for entry in entries {
                walk(root, &entry, out);
            }
        } else if rel.ends_with(".md") {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(Doc {
                    path: rel.to_string(),
                    text,
                });
            }
        }
    }
    let mut docs = Vec::new();
    for rel in DOC_ROOTS {
        walk(root, rel, &mut docs);
    }
    docs
}

fn problem(doc: &Doc, line: usize, message: String, fix: String) -> Problem {
    let mut p = Problem::new("drift", &doc.path, message, fix);
    p.line = Some(line);
    p
}

/// Every disagreement between the documents, the workflows and the tool.
pub fn problems(root: &Path, facts: &Facts<'_>) -> Vec<Problem> {
    let docs = documents(root);
    let workflow_dir = root.join(".github/workflows");
    let mut problems = Vec::new();
    for doc in &docs {
        problems.extend(command_problems(doc));
        problems.extend(path_problems(root, doc));
        for mention in markdown::workflow_names(&doc.text) {
            if !workflow_dir.join(&mention.text).is_file() {
                problems.push(problem(
                    doc,
                    mention.line,
                    format!(
                        "names the workflow `{}`, which is not in .github/workflows/",
                        mention.text
                    ),
                    "name a workflow that exists, or add it".to_string(),
                ));
            }
        }
        let declared = all_dispatch_inputs(root);
        for mention in markdown::dispatch_inputs(&doc.text) {
            if !declared.iter().any(|(_, input)| input.name == mention.text) {
                problems.push(problem(
                    doc,
                    mention.line,
                    format!("passes `-f {}=…`, which no workflow_dispatch in .github/workflows/ declares", mention.text),
                    "use an input the workflow declares, or declare it".to_string(),
                ));
            }
        }
    }
    problems.extend(tool_workflow_problems(root, facts));
    problems.extend(site_table_problems(&docs, facts));
    problems.extend(channel_problems(&docs, facts));
    problems
}

/// Each `cargo xtask …` line must parse with the real command line.
fn command_problems(doc: &Doc) -> Vec<Problem> {
    let mut problems = Vec::new();
    for mention in markdown::commands(&doc.text) {
        let Ok(words) = split_words(&mention.text) else {
            problems.push(problem(
                doc,
                mention.line,
                format!("`cargo xtask {}` has an unclosed quote", mention.text),
                "close the quote".to_string(),
            ));
            continue;
        };
        // A synopsis may show optional parts in [brackets]: check what is inside.
        let words: Vec<String> = words
            .iter()
            .map(|w| w.trim_start_matches('[').trim_end_matches(']').to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let naming_only = words.len() == 1;
        let args = std::iter::once("cargo-xtask".to_string()).chain(words);
        if let Err(err) = Cli::try_parse_from(args) {
            use clap::error::ErrorKind;
            let named = naming_only && err.kind() == ErrorKind::MissingRequiredArgument;
            if named
                || matches!(
                    err.kind(),
                    ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
                )
            {
                continue;
            }
            let reason = err.to_string();
            let reason = reason
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .to_string();
            problems.push(problem(
                doc,
                mention.line,
                format!("`cargo xtask {}` does not parse: {reason}", mention.text),
                "write the command as `cargo xtask --help` shows it".to_string(),
            ));
        }
    }
    problems
}

/// Each repository path a document names must exist.
fn path_problems(root: &Path, doc: &Doc) -> Vec<Problem> {
    let doc_dir = Path::new(&doc.path).parent().unwrap_or(Path::new(""));
    let mut mentions = markdown::paths(&doc.text);
    mentions.dedup();
    mentions
        .into_iter()
        .filter(|m| !root.join(&m.text).exists() && !root.join(doc_dir).join(&m.text).exists())
        .map(|m| {
            problem(
                doc,
                m.line,
                format!("names `{}`, which does not exist", m.text),
                "fix the path, or remove the mention".to_string(),
            )
        })
        .collect()
}

/// `(workflow file, input)` for every workflow_dispatch input in .github/workflows/.
fn all_dispatch_inputs(root: &Path) -> Vec<(String, workflows::Input)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(".github/workflows")) else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(inputs) = std::fs::read_to_string(entry.path())
            .ok()
            .and_then(|t| workflows::dispatch_inputs(&t))
        {
            found.extend(inputs.into_iter().map(|i| (name.clone(), i)));
        }
    }
    found
}

/// The workflows the xtask names exist, with the inputs it dispatches.
fn tool_workflow_problems(root: &Path, facts: &Facts<'_>) -> Vec<Problem> {
    let dir = root.join(".github/workflows");
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for name in &facts.workflows {
        if !dir.join(name).is_file() {
            problems.push(Problem::new(
                "drift",
                crate::config::PATH,
                format!("the release config names the workflow `{name}`, which is not in .github/workflows/"),
                format!("add .github/workflows/{name} or fix the name in {}", crate::config::PATH),
            ));
        }
    }
    for (workflow, run_name) in &facts.run_names {
        let path = format!(".github/workflows/{workflow}");
        let text = std::fs::read_to_string(dir.join(workflow)).unwrap_or_default();
        let found = text.lines().find_map(|l| l.strip_prefix("run-name:"));
        if found.map(|f| f.trim().trim_matches(|c| c == '"' || c == '\'')) != Some(*run_name) {
            problems.push(Problem::new(
                "drift",
                path,
                format!(
                    "the xtask finds this workflow's runs by their title, but its `run-name` is {}",
                    found.map_or("missing".to_string(), |f| format!("`{}`", f.trim()))
                ),
                format!("set `run-name: {run_name}` at the top level"),
            ));
        }
    }
    for (workflow, input, kind) in &facts.dispatched {
        let text = std::fs::read_to_string(dir.join(workflow)).unwrap_or_default();
        let inputs = workflows::dispatch_inputs(&text).unwrap_or_default();
        match inputs.iter().find(|i| i.name == *input) {
            None => problems.push(Problem::new(
                "drift",
                format!(".github/workflows/{workflow}"),
                format!("the xtask dispatches `-f {input}=…` but {workflow} declares no such workflow_dispatch input"),
                format!("declare `{input}` (type: {kind}) under on.workflow_dispatch.inputs"),
            )),
            Some(found) if found.kind.as_deref() != Some(kind) => problems.push(Problem::new(
                "drift",
                format!(".github/workflows/{workflow}"),
                format!(
                    "the input `{input}` has type {}, but the xtask sends a {kind}",
                    found.kind.as_deref().unwrap_or("(none)")
                ),
                format!("set `type: {kind}` on the input `{input}`"),
            )),
            Some(_) => {}
        }
    }
    problems
}

/// The versioning record lists exactly the config's sites.
fn site_table_problems(docs: &[Doc], facts: &Facts<'_>) -> Vec<Problem> {
    let Some(doc) = docs.iter().find(|d| d.path == VERSIONING_DOC) else {
        return Vec::new();
    };
    let rows = markdown::table_under(&doc.text, SITES_HEADING);
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push(problem(
            doc,
            1,
            format!("has no table under a `{SITES_HEADING}` heading"),
            format!(
                "list every [[site]] of {} in a table (path, kind)",
                crate::config::PATH
            ),
        ));
        return problems;
    }
    for (line, cells) in &rows {
        let (path, kind) = (
            cells.first().map_or("", String::as_str),
            cells.get(1).map_or("", String::as_str),
        );
        if !facts
            .sites
            .iter()
            .any(|s| s.path == path && s.kind.name() == kind)
        {
            problems.push(problem(
                doc,
                *line,
                format!(
                    "lists the site `{path}` ({kind}), which {} does not declare",
                    crate::config::PATH
                ),
                format!(
                    "remove the row, or add the [[site]] to {}",
                    crate::config::PATH
                ),
            ));
        }
    }
    for site in facts.sites {
        if !rows.iter().any(|(_, c)| {
            c.first() == Some(&site.path) && c.get(1).map(String::as_str) == Some(site.kind.name())
        }) {
            problems.push(problem(
                doc,
                rows[0].0,
                format!(
                    "does not list the site `{}` ({}) that {} declares",
                    site.path,
                    site.kind.name(),
                    crate::config::PATH
                ),
                format!(
                    "add the row | `{}` | `{}` | … |",
                    site.path,
                    site.kind.name()
                ),
            ));
        }
    }
    problems
}

/// The channels the skill lists are the ones `cargo xtask delivery` accepts.
fn channel_problems(docs: &[Doc], facts: &Facts<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let accepted = facts.channels.join(", ");
    for doc in docs {
        for mention in markdown::commands(&doc.text) {
            let words = split_words(&mention.text).unwrap_or_default();
            let Some(at) = words.iter().position(|w| w == "--channels") else {
                continue;
            };
            for channel in words.get(at + 1).map_or("", String::as_str).split(',') {
                if !facts.channels.contains(&channel) {
                    problems.push(problem(
                        doc,
                        mention.line,
                        format!("passes the channel `{channel}`, which `cargo xtask delivery` does not accept ({accepted})"),
                        format!("use one of: {accepted}"),
                    ));
                }
            }
        }
    }
    let Some(doc) = docs.iter().find(|d| d.path == DELIVERY_DOC) else {
        return problems;
    };
    let rows = markdown::table_under(&doc.text, CHANNELS_HEADING);
    let listed: Vec<&str> = rows
        .iter()
        .filter_map(|(_, c)| c.first().map(String::as_str))
        .collect();
    for (line, cells) in &rows {
        let name = cells.first().map_or("", String::as_str);
        if !facts.channels.contains(&name) {
            problems.push(problem(
                doc,
                *line,
                format!("lists the channel `{name}`, which `cargo xtask delivery` does not accept ({accepted})"),
                "remove the row, or teach `cargo xtask delivery` the channel".to_string(),
            ));
        }
    }
    for channel in &facts.channels {
        if !listed.contains(channel) {
            problems.push(problem(
                doc,
                rows.first().map_or(1, |r| r.0),
                format!("does not list the channel `{channel}` that `cargo xtask delivery` checks"),
                format!("add a row for `{channel}` under `## {CHANNELS_HEADING}`"),
            ));
        }
    }
    problems
}
