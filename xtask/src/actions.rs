//! GitHub Actions, when the xtask runs there (`GITHUB_ACTIONS=true`): a
//! workflow command for each problem (`::error file=…,line=…::…`), so it
//! shows on the pull request's diff and the run's page, and a Markdown
//! summary appended to the file named by `GITHUB_STEP_SUMMARY`. Off elsewhere.

use std::io::Write;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Error,
    Warning,
}

/// Whether the xtask runs on GitHub Actions.
fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// A workflow command's message, escaped as the format requires.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: the message's escapes, and `:` `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// `::error file=<path>,line=<n>::<message>` (each part only when known).
pub(crate) fn command(
    level: Level,
    file: Option<&str>,
    line: Option<usize>,
    message: &str,
) -> String {
    let name = match level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some(file) = file {
        properties.push(format!("file={}", escape_property(file)));
    }
    if let Some(line) = line {
        properties.push(format!("line={line}"));
    }
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!(" {}", properties.join(","))
    };
    format!("::{name}{properties}::{}", escape_data(message))
}

/// Prints one problem as a workflow command, on GitHub Actions only. It goes
/// to stderr, which the runner reads too: stdout may carry a JSON document.
pub(crate) fn annotate(level: Level, file: Option<&str>, line: Option<usize>, message: &str) {
    if active() {
        crate::ui::note(&command(level, file, line, message));
    }
}

/// Appends Markdown to the step summary, on GitHub Actions only. A summary
/// that cannot be written is not worth failing a release for: it says so.
pub(crate) fn summarize(markdown: &str) {
    if !active() {
        return;
    }
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY") else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(crate::secrets::redact(markdown).as_bytes()));
    if let Err(err) = written {
        crate::ui::note(&format!(
            "warning: cannot append to GITHUB_STEP_SUMMARY ({}): {err}",
            std::path::Path::new(&path).display()
        ));
    }
}

/// A Markdown table; `|` and line breaks in cells are escaped.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |c: &str| c.replace('|', "\\|").replace(['\r', '\n'], " ");
    let mut out = format!("| {} |\n", header.join(" | "));
    out.push_str(&format!("|{}\n", " --- |".repeat(header.len())));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_escape_what_the_format_requires() {
        assert_eq!(
            command(
                Level::Error,
                Some("docs/a,b:c.md"),
                Some(7),
                "50% done\r\nnext line"
            ),
            "::error file=docs/a%2Cb%3Ac.md,line=7::50%25 done%0D%0Anext line"
        );
        assert_eq!(
            command(Level::Warning, None, None, "a: b, c"),
            "::warning::a: b, c"
        );
    }

    #[test]
    fn tables_keep_their_cells() {
        assert_eq!(
            table(&["a", "b"], &[vec!["x|y".into(), "1\n2".into()]]),
            "| a | b |\n| --- | --- |\n| x\\|y | 1 2 |\n"
        );
    }
}
