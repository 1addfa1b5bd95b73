//! What documents say: `cargo xtask` command lines, repository paths,
//! workflow names and dispatch inputs, found in Markdown.

/// A mention in a document: its 1-based line and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub line: usize,
    pub text: String,
}

/// Inline code spans of one line (text between single backticks).
fn code_spans(line: &str) -> Vec<&str> {
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        if close > 0 {
            spans.push(&after[..close]);
        }
        rest = &after[close + 1..];
    }
    spans
}

/// Relative targets of Markdown links `[text](target)` on one line.
fn link_targets(line: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(close) = after.find(')') else { break };
        targets.push(&after[..close]);
        rest = &after[close + 1..];
    }
    targets
}

/// Lines with their numbers and whether they sit in a fenced code block.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    let mut fenced = false;
    text.lines().enumerate().filter_map(move |(i, line)| {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            return None;
        }
        Some((i + 1, line, fenced))
    })
}

/// Every `cargo xtask …` command line: in code blocks (comments dropped, chains
/// split) and in inline code spans. The text is what follows `cargo xtask`.
pub fn commands(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    for (line_no, line, fenced) in lines(text) {
        let pieces: Vec<&str> = if fenced {
            let code = line.split(" #").next().unwrap_or(line);
            code.split("&&")
                .flat_map(|p| p.split(';'))
                .flat_map(|p| p.split('|'))
                .collect()
        } else {
            code_spans(line)
        };
        for piece in pieces {
            let piece = piece.trim().trim_start_matches("$ ");
            if let Some(rest) = piece.strip_prefix("cargo xtask") {
                if rest.is_empty() || rest.starts_with(' ') {
                    let rest = rest.trim();
                    if !(rest.is_empty() || rest.starts_with('…') || rest.starts_with("...")) {
                        found.push(Mention {
                            line: line_no,
                            text: rest.to_string(),
                        });
                    }
                }
            }
        }
    }
    found
}

/// Whether a code span reads as a repository path: it has a `/`, and ends
/// with a folder's `/` or a file name with an extension (so `origin/main`
/// and `owner/repo` are not paths, nor is a tag like `bindings/go/v0.2.0`).
fn looks_like_path(span: &str) -> bool {
    let last = span.rsplit('/').next().unwrap_or("");
    // `bindings/go/v0.2.0` is a tag, not a file.
    let tag = last
        .strip_prefix('v')
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    span.contains('/')
        && !span.contains([' ', '@', ':'])
        && !tag
        && (span.ends_with('/') || last.contains('.'))
}

/// Repository paths named in prose: code spans that hold a `/` and end like a
/// file (or a folder), and relative link targets. Placeholders, globs, URLs
/// and generated locations are left out.
pub fn paths(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    for (line_no, line, fenced) in lines(text) {
        if fenced {
            continue;
        }
        let spans = code_spans(line).into_iter().filter(|s| looks_like_path(s));
        let links = link_targets(line)
            .into_iter()
            .map(|t| t.split('#').next().unwrap_or(""));
        for candidate in spans.chain(links) {
            let generated = candidate.starts_with(".scratch/") || candidate.starts_with("target/");
            let placeholder =
                candidate.contains(['<', '{', '*', '$']) || candidate.contains("X.Y.Z");
            let remote = candidate.contains("://")
                || candidate.starts_with("mailto:")
                || candidate.is_empty();
            if !(generated || placeholder || remote || candidate.starts_with('-')) {
                found.push(Mention {
                    line: line_no,
                    text: candidate.to_string(),
                });
            }
        }
    }
    found
}

/// Bare workflow file names (`release.yml`) named anywhere in the text.
pub fn workflow_names(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    for (line_no, line, _) in lines(text) {
        for word in
            line.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/')))
        {
            let word = word.trim_end_matches('.');
            if (word.ends_with(".yml") || word.ends_with(".yaml"))
                && !word.contains('/')
                && word.len() > 4
            {
                found.push(Mention {
                    line: line_no,
                    text: word.to_string(),
                });
            }
        }
    }
    found
}

/// Dispatch inputs named as `-f name=value`.
pub fn dispatch_inputs(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    for (line_no, line, _) in lines(text) {
        let mut rest = line;
        while let Some(at) = rest.find("-f ") {
            let after = &rest[at + 3..];
            if let Some(eq) = after.find('=') {
                let name = &after[..eq];
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    found.push(Mention {
                        line: line_no,
                        text: name.to_string(),
                    });
                }
            }
            rest = after;
        }
    }
    found
}

/// The rows of the first table under a heading that contains `heading`:
/// each row's cells, code-span backticks removed, with the row's line.
pub fn table_under(text: &str, heading: &str) -> Vec<(usize, Vec<String>)> {
    let mut rows = Vec::new();
    let mut inside = false;
    for (line_no, line, fenced) in lines(text) {
        if fenced {
            continue;
        }
        if line.starts_with('#') {
            if inside && !rows.is_empty() {
                break;
            }
            inside = line.contains(heading);
            continue;
        }
        let trimmed = line.trim();
        if inside && trimmed.starts_with('|') {
            let cells: Vec<String> = trimmed
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            let separator = cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')));
            if !separator {
                rows.push((line_no, cells));
            }
        } else if inside && !rows.is_empty() && trimmed.is_empty() {
            break;
        }
    }
    // The first row is the header.
    if !rows.is_empty() {
        rows.remove(0);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "# Doc\n\nRun `cargo xtask verify` or `cargo xtask …`.\n\n```sh\ncargo xtask bump 0.2.0 --dry-run   # look first\n$ cargo xtask verify && cargo xtask test\n```\n\nSee [the config](docs/config.md#sites), `release/config.toml`, `origin/main`,\n`.scratch/release/evidence-vX.Y.Z.json` and `xtask/src/`.\nThen `gh workflow run release-publish.yml -f build_run_id=42 -f allow_partial_release=false`.\n\n## Version sites\n\n| path | kind |\n| --- | --- |\n| `Cargo.toml` | `cargo-manifest` |\n| `CHANGELOG.md` | `changelog` |\n\nAfter.\n";

    #[test]
    fn finds_commands_in_spans_and_blocks() {
        let found: Vec<(usize, String)> = commands(DOC)
            .into_iter()
            .map(|m| (m.line, m.text))
            .collect();
        assert_eq!(
            found,
            vec![
                (3, "verify".into()),
                (6, "bump 0.2.0 --dry-run".into()),
                (7, "verify".into()),
                (7, "test".into())
            ]
        );
    }

    #[test]
    fn finds_paths_but_not_refs_placeholders_or_generated_files() {
        let found: Vec<String> = paths(DOC).into_iter().map(|m| m.text).collect();
        assert_eq!(
            found,
            vec!["release/config.toml", "docs/config.md", "xtask/src/"]
        );
    }

    #[test]
    fn finds_workflows_and_inputs() {
        let names: Vec<String> = workflow_names(DOC).into_iter().map(|m| m.text).collect();
        assert_eq!(names, vec!["release-publish.yml"]);
        let inputs: Vec<String> = dispatch_inputs(DOC).into_iter().map(|m| m.text).collect();
        assert_eq!(inputs, vec!["build_run_id", "allow_partial_release"]);
    }

    #[test]
    fn reads_a_table_under_a_heading() {
        let rows = table_under(DOC, "Version sites");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            (
                18,
                vec!["Cargo.toml".to_string(), "cargo-manifest".to_string()]
            )
        );
    }
}
