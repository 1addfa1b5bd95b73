//! What documents say: `cargo xtask` command lines, repository paths,
//! workflow names and dispatch inputs, found in Markdown.

/// A mention in a document: its 1-based line and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mention {
    pub line: usize,
    pub text: String,
}

/// Inline code spans of one line: runs of N backticks closed by a run of
/// exactly N (so ``` `` a ` b `` ``` is one span), with one space of padding
/// dropped from each side as CommonMark does. Backslash escapes outside
/// spans are skipped.
fn code_spans(line: &str) -> Vec<&str> {
    span_ranges(line)
        .into_iter()
        .map(|(inner, _)| {
            let span = &line[inner];
            match span.strip_prefix(' ').and_then(|s| s.strip_suffix(' ')) {
                Some(trimmed) if !trimmed.trim().is_empty() => trimmed,
                _ => span,
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// `(content, whole span with its backticks)` byte ranges of each code span.
fn span_ranges(line: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let b = line.as_bytes();
    let run = |from: usize| b[from..].iter().take_while(|&&c| c == b'`').count();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = run(i);
                let open_end = i + n;
                let mut j = open_end;
                let mut close = None;
                while j < b.len() {
                    if b[j] == b'`' {
                        let m = run(j);
                        if m == n {
                            close = Some(j);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                match close {
                    Some(c) => {
                        spans.push((open_end..c, i..c + n));
                        i = c + n;
                    }
                    // An unmatched run is literal text.
                    None => i = open_end,
                }
            }
            _ => i += 1,
        }
    }
    spans
}

/// The line with its code spans blanked out, for finding links in prose.
fn prose(line: &str) -> String {
    let mut out = line.to_string();
    for (_, whole) in span_ranges(line).into_iter().rev() {
        out.replace_range(whole.clone(), &" ".repeat(whole.len()));
    }
    out
}

/// Targets of inline links and images `[text](target "title")` and of
/// reference definitions `[label]: target` on one line (outside code
/// spans), each with its byte column.
fn link_targets(line: &str) -> Vec<(usize, String)> {
    if !line.contains("](") && !line.trim_start().starts_with('[') {
        return Vec::new();
    }
    let line = prose(line);
    let mut targets = Vec::new();
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && !trimmed.starts_with("[^")
        && let Some(end) = trimmed.find("]:")
    {
        if let Some(target) = destination(&trimmed[end + 2..]) {
            targets.push((line.len() - trimmed.len() + end, target));
        }
        return targets;
    }
    let mut at = 0;
    while let Some(found) = line[at..].find("](") {
        at += found + 2;
        if let Some(target) = destination(&line[at..]) {
            targets.push((at, target));
        }
    }
    targets
}

/// A link destination: `<…>`, or text up to a space or the `)` that closes it.
fn destination(text: &str) -> Option<String> {
    let text = text.trim_start();
    if let Some(inner) = text.strip_prefix('<') {
        return inner.find('>').map(|end| inner[..end].to_string());
    }
    let mut depth = 0usize;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => {
                end = i;
                break;
            }
            ')' => depth -= 1,
            c if c.is_whitespace() => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    Some(text[..end].to_string())
}

/// Lines with their numbers and whether they sit in a fenced code block
/// (``` or ~~~, closed by a fence of the same character at least as long).
/// Fence lines themselves are left out.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    let mut open: Option<(u8, usize)> = None;
    text.lines().enumerate().filter_map(move |(i, line)| {
        let trimmed = line.trim_start().as_bytes();
        let fence = match trimmed.first() {
            Some(&c @ (b'`' | b'~')) => {
                let n = trimmed.iter().take_while(|&&b| b == c).count();
                (n >= 3).then_some((c, n))
            }
            _ => None,
        };
        match (open, fence) {
            (None, Some((c, n))) => {
                // A backtick fence's info string holds no backtick.
                if c == b'`' && trimmed[n..].contains(&b'`') {
                    return Some((i + 1, line, false));
                }
                open = Some((c, n));
                None
            }
            (Some((c, n)), Some((c2, n2)))
                if c == c2 && n2 >= n && trimmed[n2..].iter().all(u8::is_ascii_whitespace) =>
            {
                open = None;
                None
            }
            _ => Some((i + 1, line, open.is_some())),
        }
    })
}

/// A document's lines, read once: each with its 1-based number and whether
/// it sits in a fenced block (fence lines themselves left out).
pub(crate) struct Scan<'a> {
    lines: Vec<(usize, &'a str, bool)>,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(text: &'a str) -> Scan<'a> {
        Scan {
            lines: lines(text).collect(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &'a str, bool)> + '_ {
        self.lines.iter().copied()
    }
}

/// Every `cargo xtask …` command line: in code blocks (comments dropped, chains
/// split) and in inline code spans. The text is what follows `cargo xtask`.
pub(crate) fn commands(scan: &Scan<'_>) -> Vec<Mention> {
    let mut found = Vec::new();
    for (line_no, line, fenced) in scan.iter() {
        if !line.contains("cargo xtask") {
            continue;
        }
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
            if let Some(rest) = piece.strip_prefix("cargo xtask")
                && (rest.is_empty() || rest.starts_with(' '))
            {
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
    found
}

/// A path named in a document: a link target or a code span that reads as a
/// path, split from its `#anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathMention {
    pub line: usize,
    /// The path as written (empty for a link to an anchor of the same page).
    pub path: String,
    pub anchor: Option<String>,
    /// A link is always checked; a code span only under a folder the repository has.
    pub link: bool,
}

/// Whether a code span reads as a repository path: it has a `/`, and ends
/// with a folder's `/` or a file name with an extension (so `origin/main`
/// and `owner/repo` are not paths, nor is a tag like `bindings/go/v0.2.0`).
fn looks_like_path(span: &str) -> bool {
    let span = span.split('#').next().unwrap_or(span);
    let last = span.rsplit('/').next().unwrap_or("");
    // `bindings/go/v0.2.0` is a tag, not a file.
    let tag = last
        .strip_prefix('v')
        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()));
    // `libdemo.(dylib|so)` is a regular expression, not a path.
    span.contains('/')
        && !span.contains([' ', '@', ':', '=', ',', '|', '(', ')'])
        && !tag
        && (span.ends_with('/') || last.contains('.'))
}

/// Whether a target is no path of the repository: a URL, a path outside the
/// repository (`/usr/local/bin`, `~/.cargo/bin`, `$HOME/…`), a glob or a
/// placeholder (`<file>`, `{version}`, `vX.Y.Z`).
fn outside(target: &str) -> bool {
    target.contains("://")
        || target.starts_with("mailto:")
        || target.starts_with("www.")
        || target.starts_with(['/', '~', '$', '-', '\\'])
        || target.contains(['<', '>', '{', '}', '*', '?', '[', ']', '$', '%'])
        || target.contains("X.Y.Z")
}

/// Words that propose a file rather than name one: "consider adding
/// `vendor/NOTICE.md`" is no drift when the file is not there.
const PROPOSING: [&str; 14] = [
    "consider",
    "considering",
    "propose",
    "proposes",
    "proposing",
    "suggest",
    "suggests",
    "adding",
    "creating",
    "could",
    "would",
    "might",
    "todo",
    "planned",
];

/// Whether the sentence written before a code span proposes what it names.
fn proposes(before: &str) -> bool {
    let sentence = before
        .rsplit(['.', '!', '?', ';', ':'])
        .next()
        .unwrap_or(before)
        .to_ascii_lowercase();
    sentence
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| PROPOSING.contains(&word))
}

/// Repository paths named in prose: relative link targets (with their
/// anchors), and code spans that hold a `/` and end like a file or a folder.
/// Fenced blocks (commands, transcripts, output), URLs, globs, placeholders
/// and paths outside the repository are left out.
pub(crate) fn paths(scan: &Scan<'_>) -> Vec<PathMention> {
    let mut found = Vec::new();
    let mut push = |line: usize, target: &str, link: bool| {
        let (path, anchor) = match target.split_once('#') {
            Some((path, anchor)) => (path, Some(anchor.to_string())),
            None => (target, None),
        };
        if (path.is_empty() && anchor.is_none()) || outside(path) {
            return;
        }
        found.push(PathMention {
            line,
            path: path.to_string(),
            anchor,
            link,
        });
    };
    // The line above in the same paragraph, where a sentence may begin.
    let mut above = String::new();
    for (line_no, line, fenced) in scan.iter() {
        let before = std::mem::take(&mut above);
        if fenced || line.trim().is_empty() {
            continue;
        }
        above = prose(line);
        if !(line.contains('`') || line.contains(']')) {
            continue;
        }
        // In the order they are written.
        let mut here: Vec<(usize, String, bool)> = span_ranges(line)
            .into_iter()
            .filter(|(inner, _)| !proposes(&format!("{before} {}", prose(&line[..inner.start]))))
            .map(|(inner, _)| (inner.start, line[inner].trim().to_string(), false))
            .filter(|(_, span, _)| looks_like_path(span))
            .chain(link_targets(line).into_iter().map(|(at, t)| (at, t, true)))
            .collect();
        here.sort_by_key(|(at, _, _)| *at);
        for (_, target, link) in here {
            push(line_no, &target, link);
        }
    }
    found
}

/// Bare workflow file names (`release.yml`) in code spans or on lines of a
/// paragraph that talks about workflows (GitHub Actions, a dispatch), so that
/// `docker-compose.yml` in a paragraph about something else is left alone.
pub(crate) fn workflow_names(scan: &Scan<'_>) -> Vec<Mention> {
    let mut found = Vec::new();
    for paragraph in scan.lines.split(|(_, line, _)| line.trim().is_empty()) {
        if !paragraph.iter().any(|(_, line, _)| line.contains(".y")) {
            continue;
        }
        let about_workflows = paragraph.iter().any(|(_, line, _)| {
            let lower = line.to_ascii_lowercase();
            lower.contains("workflow")
                || lower.contains("github actions")
                || lower.contains("dispatch")
        });
        if !about_workflows {
            continue;
        }
        for (line_no, line, _) in paragraph {
            if !(line.contains(".yml") || line.contains(".yaml")) {
                continue;
            }
            for word in line
                .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/')))
            {
                let word = word.trim_end_matches('.');
                if (word.ends_with(".yml") || word.ends_with(".yaml"))
                    && !word.contains('/')
                    && !word.starts_with('.')
                    && word.len() > 4
                {
                    found.push(Mention {
                        line: *line_no,
                        text: word.to_string(),
                    });
                }
            }
        }
    }
    found
}

/// Dispatch inputs named as `-f name=value`, in code that dispatches a
/// workflow: a `gh workflow run` line, or a code span of `-f` flags.
pub(crate) fn dispatch_inputs(scan: &Scan<'_>) -> Vec<Mention> {
    let mut found = Vec::new();
    for (line_no, line, fenced) in scan.iter() {
        if !line.contains("-f ") {
            continue;
        }
        let pieces: Vec<&str> = if fenced { vec![line] } else { code_spans(line) };
        for piece in pieces {
            if !(piece.contains("gh workflow run") || piece.trim_start().starts_with("-f ")) {
                continue;
            }
            let mut rest = piece;
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
    }
    found
}

/// The anchors a page offers: GitHub's slug of each heading (ATX `## …` or
/// setext, underlined with `=` or `-`; a repeated slug gets `-1`, `-2`, …),
/// and the `id`/`name` of HTML anchors.
pub(crate) fn anchors(text: &str) -> Vec<String> {
    let mut headings: Vec<String> = Vec::new();
    let mut extra = Vec::new();
    let mut previous: Option<&str> = None;
    for (_, line, fenced) in lines(text) {
        if fenced {
            previous = None;
            continue;
        }
        let trimmed = line.trim();
        let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
        let indent = line.len() - line.trim_start().len();
        if (1..=6).contains(&hashes)
            && indent < 4
            && trimmed[hashes..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace)
        {
            let content = trimmed[hashes..].trim();
            // A closing run of #s is not part of the heading.
            let content = match content.trim_end_matches('#') {
                c if c.len() < content.len() && (c.is_empty() || c.ends_with(' ')) => c.trim_end(),
                _ => content,
            };
            headings.push(content.to_string());
            previous = None;
            continue;
        }
        let underline = !trimmed.is_empty()
            && indent < 4
            && (trimmed.bytes().all(|b| b == b'=') || trimmed.bytes().all(|b| b == b'-'));
        if let (true, Some(text)) = (underline, previous) {
            headings.push(text.trim().to_string());
            previous = None;
            continue;
        }
        for key in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(at) = rest.find(key) {
                let after = &rest[at + key.len()..];
                if let Some(end) = after.find('"') {
                    extra.push(after[..end].to_string());
                }
                rest = after;
            }
        }
        let paragraph = !trimmed.is_empty()
            && !trimmed.starts_with(['|', '>', '-', '*', '+', '<'])
            && !trimmed.starts_with(|c: char| c.is_ascii_digit());
        previous = paragraph.then_some(line);
    }
    let mut slugs: Vec<String> = Vec::new();
    for heading in headings {
        let base = slug(&heading);
        let mut candidate = base.clone();
        let mut n = 0;
        while slugs.contains(&candidate) {
            n += 1;
            candidate = format!("{base}-{n}");
        }
        slugs.push(candidate);
    }
    slugs.extend(extra);
    slugs
}

/// GitHub's anchor for a heading: its text (links and code spans reduced to
/// their text) lowercased, punctuation dropped, spaces made `-`.
fn slug(heading: &str) -> String {
    let mut plain = String::with_capacity(heading.len());
    let mut rest = heading;
    // `[text](url)` reads as `text`.
    while let Some(open) = rest.find('[') {
        plain.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](") {
            Some(close) if !after[..close].contains('[') => {
                plain.push_str(&after[..close]);
                let tail = &after[close + 2..];
                rest = tail.find(')').map_or("", |end| &tail[end + 1..]);
            }
            _ => {
                plain.push('[');
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    plain
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The rows of the first table under a heading that contains `heading`:
/// each row's cells, code-span backticks removed, with the row's line.
pub(crate) fn table_under(text: &str, heading: &str) -> Vec<(usize, Vec<String>)> {
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
        let found: Vec<(usize, String)> = commands(&Scan::new(DOC))
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
        let found: Vec<(String, Option<String>, bool)> = paths(&Scan::new(DOC))
            .into_iter()
            .map(|m| (m.path, m.anchor, m.link))
            .collect();
        assert_eq!(
            found,
            vec![
                ("docs/config.md".into(), Some("sites".into()), true),
                ("release/config.toml".into(), None, false),
                ("xtask/src/".into(), None, false)
            ]
        );
    }

    #[test]
    fn regular_expressions_and_proposed_files_are_not_paths() {
        let text = "It loads `mylib/_native/libdemo.(dylib|so)` or `src/x.rs`.\nIf it grows, consider\nadding `vendor/NOTICE.md`; see `docs/a.md`.\nWe could add `docs/b.md`. Then `docs/c.md`.\n";
        let found: Vec<(usize, String)> = paths(&Scan::new(text))
            .into_iter()
            .map(|m| (m.line, m.path))
            .collect();
        assert_eq!(
            found,
            vec![
                (1, "src/x.rs".into()),
                (3, "docs/a.md".into()),
                (4, "docs/c.md".into())
            ]
        );
    }

    #[test]
    fn code_spans_follow_commonmark_backtick_runs() {
        assert_eq!(
            code_spans("a ``x ` y`` b `c` \\`d` ```e"),
            vec!["x ` y", "c"]
        );
        assert_eq!(code_spans("`` `a` ``"), vec!["`a`"]);
        assert_eq!(code_spans("no `close"), Vec::<&str>::new());
    }

    #[test]
    fn fences_of_either_kind_and_any_length() {
        let text = "a\n~~~text\n`x/y.rs`\n```\nstill in\n~~~\n````md\n```\ninner\n```\n````\nout `p/q.md`\n";
        let fenced: Vec<(usize, bool)> = lines(text).map(|(n, _, f)| (n, f)).collect();
        assert_eq!(
            fenced,
            vec![
                (1, false),
                (3, true),
                (4, true),
                (5, true),
                (8, true),
                (9, true),
                (10, true),
                (12, false)
            ]
        );
        let found: Vec<String> = paths(&Scan::new(text))
            .into_iter()
            .map(|m| m.path)
            .collect();
        assert_eq!(found, vec!["p/q.md"]);
    }

    #[test]
    fn links_with_titles_references_and_no_links_in_code() {
        let text = "[a](docs/a.md \"Title\") ![i](<img/b c.png>) `[no](x/y.md)`\n[ref]: docs/c.md#part\n[mail](mailto:x@y.z) [web](https://x.y/a.md) [abs](/usr/local/bin/) [home](~/.cargo/bin) [glob](bindings/**)\n";
        let found: Vec<(String, Option<String>)> = paths(&Scan::new(text))
            .into_iter()
            .map(|m| (m.path, m.anchor))
            .collect();
        assert_eq!(
            found,
            vec![
                ("docs/a.md".into(), None),
                ("img/b c.png".into(), None),
                ("docs/c.md".into(), Some("part".into())),
            ]
        );
    }

    #[test]
    fn outside_paths_globs_and_placeholders_are_not_repository_paths() {
        let text = "Put it in `~/.cargo/bin/`, `/usr/local/bin/x.sh` or `$HOME/.local/bin/`; `bindings/**/x.py`, `dist/<name>.tar.gz`, `a/b.c d`, `docs/cookbook.md#mcp-agent-access`.\n";
        let found: Vec<(String, Option<String>)> = paths(&Scan::new(text))
            .into_iter()
            .map(|m| (m.path, m.anchor))
            .collect();
        assert_eq!(
            found,
            vec![("docs/cookbook.md".into(), Some("mcp-agent-access".into()))]
        );
    }

    #[test]
    fn anchors_of_headings() {
        let text = "# Title\n\n## MCP agent access\n\n## `cargo xtask verify`: what it checks\n\n## [Links](x.md) & more!\n\nSetext heading\n---\n\n## Title\n\n```\n## not a heading\n```\n<a id=\"custom\"></a>\n### Ends with hashes ##\n";
        assert_eq!(
            anchors(text),
            vec![
                "title",
                "mcp-agent-access",
                "cargo-xtask-verify-what-it-checks",
                "links--more",
                "setext-heading",
                "title-1",
                "ends-with-hashes",
                "custom"
            ]
        );
    }

    #[test]
    fn finds_workflows_and_inputs() {
        let names: Vec<String> = workflow_names(&Scan::new(DOC))
            .into_iter()
            .map(|m| m.text)
            .collect();
        assert_eq!(names, vec!["release-publish.yml"]);
        let inputs: Vec<String> = dispatch_inputs(&Scan::new(DOC))
            .into_iter()
            .map(|m| m.text)
            .collect();
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
