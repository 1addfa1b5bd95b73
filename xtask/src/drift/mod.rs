//! Drift checks: the docs, the skill, the workflows and the tool must agree.
//!
//! `cargo xtask verify` runs these on every checkout; each problem names the
//! document and line and says what to change.

pub(crate) mod markdown;

use std::collections::HashMap;
use std::path::Path;

use clap::CommandFactory;
use xshell::Shell;

use crate::cli::Cli;
use crate::config::verify::VerifySettings;
use crate::problem::Problem;
use crate::sites::Site;
use crate::words::split_words;

/// What the tool itself says, for the documents to agree with.
pub(crate) struct DriftFacts<'a> {
    /// `[verify]`: the documents, and the tables to hold to the config.
    pub settings: &'a VerifySettings,
    /// Whether the config has a `[release]` section: only then are workflows checked.
    pub release: bool,
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
pub(crate) struct Doc {
    pub path: String,
    pub text: String,
}

/// Every Markdown file of the declared documents (files, or folders read
/// recursively), in a stable order. A symlink is followed only to a file
/// inside the repository (or, named in the config, a folder inside it), so
/// nothing outside is read and no link loop is walked.
pub(crate) fn documents(root: &Path, roots: &[String]) -> Vec<Doc> {
    fn walk(root: &Path, real_root: &Path, rel: &str, top: bool, out: &mut Vec<Doc>) {
        let path = root.join(rel);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            let inside = path
                .canonicalize()
                .is_ok_and(|real| real.starts_with(real_root));
            if !inside || (path.is_dir() && !top) {
                return;
            }
        }
        if path.is_dir() {
            let mut entries: Vec<String> = std::fs::read_dir(&path)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| format!("{rel}/{}", e.file_name().to_string_lossy()))
                .collect();
            entries.sort();
            for entry in entries {
                walk(root, real_root, &entry, false, out);
            }
        } else if rel.ends_with(".md")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push(Doc {
                path: rel.to_string(),
                text,
            });
        }
    }
    let real_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut docs = Vec::new();
    for rel in roots {
        walk(root, &real_root, rel.trim_end_matches('/'), true, &mut docs);
    }
    docs
}

fn problem(doc: &Doc, line: usize, message: String, fix: String) -> Problem {
    let mut p = Problem::new("drift", &doc.path, message, fix);
    p.line = Some(line);
    p
}

/// Every disagreement between the documents, the workflows and the tool.
pub(crate) fn problems(sh: &Shell, root: &Path, facts: &DriftFacts<'_>) -> Vec<Problem> {
    let docs = documents(root, &facts.settings.documents);
    let workflow_dir = root.join(".github/workflows");
    let declared = if facts.release {
        all_dispatch_inputs(root)
    } else {
        Vec::new()
    };
    let mut paths = PathChecker::new(root, &docs);
    // Built once: building clap's command is most of the cost of a parse.
    let mut cli = Cli::command();
    let mut parsed = HashMap::new();
    let mut problems = Vec::new();
    let mut all_commands = Vec::with_capacity(docs.len());
    // Missing paths, each with the index its problem would have.
    let mut missing = Vec::new();
    for doc in &docs {
        let scan = markdown::Scan::new(&doc.text);
        let commands = markdown::commands(&scan);
        problems.extend(command_problems(&mut cli, &mut parsed, doc, &commands));
        all_commands.push(commands);
        // A changelog is history: the files it names were true of their time.
        if !is_changelog(doc, facts.sites) {
            for found in paths.problems(doc, &scan) {
                missing.push((problems.len(), found.candidates));
                problems.push(found.problem);
            }
        }
        if !facts.release {
            continue;
        }
        for mention in markdown::workflow_names(&scan) {
            let doc_dir = Path::new(&doc.path).parent().unwrap_or(Path::new(""));
            let a_file = root.join(&mention.text).is_file()
                || root.join(doc_dir).join(&mention.text).is_file();
            if !a_file && !workflow_dir.join(&mention.text).is_file() {
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
        for mention in markdown::dispatch_inputs(&scan) {
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
    if facts.release {
        problems.extend(tool_workflow_problems(root, facts, &declared));
    }
    let mut problems = without_ignored(sh, problems, missing);
    problems.extend(site_table_problems(root, &docs, facts));
    problems.extend(channel_problems(root, &docs, &all_commands, facts));
    problems
}

/// `problems` less the missing paths git ignores (build outputs, by any
/// rule of any `.gitignore`), asking git once for them all.
fn without_ignored(
    sh: &Shell,
    problems: Vec<Problem>,
    missing: Vec<(usize, Vec<String>)>,
) -> Vec<Problem> {
    let asked: Vec<String> = missing.iter().flat_map(|(_, c)| c.clone()).collect();
    let Some(ignored) = crate::tools::git::ignored(sh, &asked) else {
        return problems;
    };
    let dropped: std::collections::HashSet<usize> = missing
        .iter()
        .filter(|(_, candidates)| candidates.iter().any(|c| ignored.contains(c)))
        .map(|(at, _)| *at)
        .collect();
    problems
        .into_iter()
        .enumerate()
        .filter(|(at, _)| !dropped.contains(at))
        .map(|(_, p)| p)
        .collect()
}

/// Each `cargo xtask …` line must parse with the real command line.
/// `parsed` remembers each command line's verdict (`None`: it parses), as
/// the documents repeat the same lines.
fn command_problems(
    cli: &mut clap::Command,
    parsed: &mut HashMap<String, Option<String>>,
    doc: &Doc,
    commands: &[markdown::Mention],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for mention in commands {
        let verdict = match parsed.get(&mention.text) {
            Some(verdict) => verdict.clone(),
            None => {
                let verdict = parse_verdict(cli, &mention.text);
                parsed.insert(mention.text.clone(), verdict.clone());
                verdict
            }
        };
        if let Some(message) = verdict {
            problems.push(problem(
                doc,
                mention.line,
                message,
                "write the command as `cargo xtask --help` shows it".to_string(),
            ));
        }
    }
    problems
}

/// What is wrong with `cargo xtask <text>`, if anything.
fn parse_verdict(cli: &mut clap::Command, text: &str) -> Option<String> {
    let Ok(words) = split_words(text) else {
        return Some(format!("`cargo xtask {text}` has an unclosed quote"));
    };
    // A synopsis may show optional parts in [brackets]: check what is inside.
    let words: Vec<String> = words
        .iter()
        .map(|w| w.trim_start_matches('[').trim_end_matches(']').to_string())
        .filter(|w| !w.is_empty())
        .collect();
    // Naming a command, or asking for its help, needs no parse (clap would
    // render a whole usage or help text, which is most of a parse's cost).
    let help_at = words
        .iter()
        .position(|w| matches!(w.as_str(), "--help" | "-h" | "--version" | "-V"));
    let path = &words[..help_at.unwrap_or(words.len())];
    if (help_at.is_some() || path.len() == 1) && names_commands(cli, path) {
        return None;
    }
    let naming_only = words.len() == 1;
    let args = std::iter::once("cargo-xtask".to_string()).chain(words);
    let err = cli.try_get_matches_from_mut(args).err()?;
    use clap::error::ErrorKind;
    let named = naming_only && err.kind() == ErrorKind::MissingRequiredArgument;
    if named
        || matches!(
            err.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
        )
    {
        return None;
    }
    let reason = err.to_string();
    let reason = reason
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string();
    Some(format!("`cargo xtask {text}` does not parse: {reason}"))
}

/// Whether `words` is a path of (sub)command names, like `bump` or nothing.
fn names_commands(cli: &clap::Command, words: &[String]) -> bool {
    let mut command = cli;
    for word in words {
        match command.find_subcommand(word) {
            Some(sub) => command = sub,
            None => return false,
        }
    }
    true
}

/// Build outputs and caches: paths under them are made, not kept (checked
/// before asking git, and the answer when git cannot be asked).
const BUILT: [&str; 8] = [
    "target",
    "dist",
    "build",
    "out",
    "node_modules",
    ".scratch",
    ".venv",
    "__pycache__",
];

/// A path a document names that is missing (or lacks the heading): reported
/// unless git ignores one of the places it may stand for (a build output, by
/// any `.gitignore` rule).
struct Missing {
    problem: Problem,
    /// The path resolved against the document's folder and each ancestor,
    /// relative to the root (none for a missing heading).
    candidates: Vec<String>,
}

/// Whether a document is a changelog: history, whose mentions of files
/// renamed since are true of their time.
fn is_changelog(doc: &Doc, sites: &[Site]) -> bool {
    let name = doc.path.rsplit('/').next().unwrap_or(&doc.path);
    ["CHANGELOG.md", "CHANGES.md", "HISTORY.md"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
        || sites
            .iter()
            .any(|s| s.kind == crate::sites::Kind::Changelog && s.path == doc.path)
}

/// The document's folder and each ancestor up to the root (`""`), nearest first.
fn folders_up(doc_dir: &Path) -> Vec<&Path> {
    let mut folders: Vec<&Path> = doc_dir.ancestors().collect();
    if folders.last() != Some(&Path::new("")) {
        folders.push(Path::new(""));
    }
    folders
}

/// Checks the paths documents name, caching each page's anchors.
struct PathChecker<'a> {
    root: &'a Path,
    docs: &'a [Doc],
    anchors: std::collections::HashMap<std::path::PathBuf, Vec<String>>,
}

impl<'a> PathChecker<'a> {
    fn new(root: &'a Path, docs: &'a [Doc]) -> PathChecker<'a> {
        PathChecker {
            root,
            docs,
            anchors: std::collections::HashMap::new(),
        }
    }

    /// Whether `first` (a path's first segment) is a build output.
    fn built(&self, first: &str) -> bool {
        BUILT.contains(&first)
    }

    /// Each link must lead to a file (and heading) that exists; each code-span
    /// path must exist, relative to the document's folder or any folder above
    /// it, when it lies under a folder the repository has (an archive's `bin/`
    /// or an install prefix's `lib/` does not). Missing paths come with the
    /// places they may stand for, for git to say which are build outputs.
    fn problems(&mut self, doc: &Doc, scan: &markdown::Scan<'_>) -> Vec<Missing> {
        let doc_dir = Path::new(&doc.path).parent().unwrap_or(Path::new(""));
        let mut mentions = markdown::paths(scan);
        mentions.dedup();
        let mut problems = Vec::new();
        for m in mentions {
            let shown = match &m.anchor {
                Some(anchor) => format!("{}#{anchor}", m.path),
                None => m.path.clone(),
            };
            // A link resolves against its document (the root is allowed too);
            // a code span names a path from wherever its reader stands.
            let folders: Vec<&Path> = if m.link || m.path.starts_with("../") {
                vec![doc_dir, Path::new("")]
            } else {
                folders_up(doc_dir)
            };
            let target = if m.path.is_empty() {
                Some(self.root.join(&doc.path))
            } else {
                folders
                    .iter()
                    .map(|f| self.root.join(f).join(&m.path))
                    .find(|p| p.exists())
            };
            let Some(target) = target else {
                if m.link || self.has_folder_of(&folders, doc_dir, &m.path) {
                    let candidates = folders
                        .iter()
                        .filter_map(|f| normalize(&f.join(&m.path)))
                        .filter(|c| !c.is_empty())
                        .collect();
                    problems.push(Missing {
                        problem: problem(
                            doc,
                            m.line,
                            format!("names `{shown}`, which does not exist"),
                            "fix the path, or remove the mention".to_string(),
                        ),
                        candidates,
                    });
                }
                continue;
            };
            let Some(anchor) = &m.anchor else { continue };
            if target.extension().is_none_or(|e| e != "md") || anchor.is_empty() {
                continue;
            }
            let anchors = self.anchors_of(&target);
            if !anchors.iter().any(|a| a == anchor) {
                let file = if m.path.is_empty() {
                    doc.path.clone()
                } else {
                    m.path.clone()
                };
                problems.push(Missing {
                    problem: problem(
                        doc,
                        m.line,
                        format!("links to `{shown}`, but {file} has no heading with the anchor `#{anchor}`"),
                        "link to a heading that exists (its anchor is the heading in lower case, spaces as `-`), or add the heading".to_string(),
                    ),
                    candidates: Vec::new(),
                });
            }
        }
        problems
    }

    /// Whether a missing path lies under a folder the repository has (seen
    /// from one of `folders`), so it is a stale path of the repository
    /// rather than someone else's.
    fn has_folder_of(&self, folders: &[&Path], doc_dir: &Path, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        let Some((first, _)) = path.split_once('/') else {
            return false;
        };
        if first == ".." {
            // Relative to the document: its nearest existing folder must be in the repository.
            let full = normalize(&doc_dir.join(path));
            return full.as_ref().is_some_and(|rel| {
                let first = rel.split('/').next().unwrap_or("");
                rel.contains('/') && !self.built(first) && self.root.join(first).is_dir()
            });
        }
        !self.built(first)
            && folders
                .iter()
                .any(|f| self.root.join(f).join(first).is_dir())
    }

    fn anchors_of(&mut self, target: &Path) -> &Vec<String> {
        let docs = self.docs;
        let root = self.root;
        self.anchors.entry(target.to_path_buf()).or_insert_with(|| {
            let text = docs
                .iter()
                .find(|d| root.join(&d.path) == target)
                .map(|d| d.text.clone())
                .or_else(|| std::fs::read_to_string(target).ok())
                .unwrap_or_default();
            markdown::anchors(&text)
        })
    }
}

/// `a/b/../c` as `a/c`, relative to the root; `None` if it climbs above it.
fn normalize(path: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop()?;
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    Some(parts.join("/"))
}

/// `(workflow file, input)` for every workflow_dispatch input in .github/workflows/.
/// Workflow files without a `workflow_dispatch` trigger are not parsed.
fn all_dispatch_inputs(root: &Path) -> Vec<(String, crate::workflows::Input)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join(".github/workflows")) else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(inputs) = std::fs::read_to_string(entry.path())
            .ok()
            .filter(|t| t.contains("workflow_dispatch"))
            .and_then(|t| crate::workflows::dispatch_inputs(&t))
        {
            found.extend(inputs.into_iter().map(|i| (name.clone(), i)));
        }
    }
    found
}

/// The workflows the xtask names exist, with the inputs it dispatches.
fn tool_workflow_problems(
    root: &Path,
    facts: &DriftFacts<'_>,
    declared: &[(String, crate::workflows::Input)],
) -> Vec<Problem> {
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
        let found = declared
            .iter()
            .find(|(file, i)| file == workflow && i.name == *input)
            .map(|(_, i)| i);
        match found {
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

/// A declared table's document, read from the documents or from disk.
fn table_doc(root: &Path, docs: &[Doc], path: &str) -> Option<Doc> {
    match docs.iter().find(|d| d.path == path) {
        Some(doc) => Some(Doc {
            path: doc.path.clone(),
            text: doc.text.clone(),
        }),
        None => std::fs::read_to_string(root.join(path))
            .ok()
            .map(|text| Doc {
                path: path.to_string(),
                text,
            }),
    }
}

/// The declared sites table ([verify].sites_doc) lists exactly the config's sites.
fn site_table_problems(root: &Path, docs: &[Doc], facts: &DriftFacts<'_>) -> Vec<Problem> {
    let Some(table) = &facts.settings.sites_table else {
        return Vec::new();
    };
    let Some(doc) = table_doc(root, docs, &table.doc) else {
        return Vec::new();
    };
    let doc = &doc;
    let heading = table.heading.as_str();
    let rows = markdown::table_under(&doc.text, heading);
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push(problem(
            doc,
            1,
            format!("has no table under a `{heading}` heading"),
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

/// The channels the documents pass, and the declared channels table
/// ([verify].channels_doc), are the ones `cargo xtask delivery` accepts.
fn channel_problems(
    root: &Path,
    docs: &[Doc],
    commands: &[Vec<markdown::Mention>],
    facts: &DriftFacts<'_>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let accepted = facts.channels.join(", ");
    for (doc, mentions) in docs.iter().zip(commands) {
        for mention in mentions {
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
    let Some(table) = &facts.settings.channels_table else {
        return problems;
    };
    let Some(doc) = table_doc(root, docs, &table.doc) else {
        return problems;
    };
    let doc = &doc;
    let heading = table.heading.as_str();
    let rows = markdown::table_under(&doc.text, heading);
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
                format!("add a row for `{channel}` under `## {heading}`"),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_follow_no_symlink_outside_and_no_loop() {
        let base = std::env::temp_dir().join(format!("xtask-drift-docs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let (root, outside) = (base.join("repo"), base.join("outside"));
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("docs/inner.md"), "inner").unwrap();
        std::fs::write(root.join("README.md"), "readme").unwrap();
        std::fs::write(outside.join("secret.md"), "secret").unwrap();
        let link = |target: &Path, at: &str| {
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, root.join(at)).unwrap();
        };
        link(&outside.join("secret.md"), "docs/out.md");
        link(&outside, "docs/away");
        link(&root.join("docs"), "docs/loop");
        link(&root.join("README.md"), "docs/readme.md");
        let docs = documents(&root, &["docs".to_string()]);
        let read: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| (d.path.as_str(), d.text.as_str()))
            .collect();
        assert_eq!(
            read,
            [("docs/inner.md", "inner"), ("docs/readme.md", "readme")]
        );
        std::fs::remove_dir_all(&base).unwrap();
    }
}
