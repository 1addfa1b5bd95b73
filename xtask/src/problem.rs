//! A problem `verify` reports: where it is, what is wrong, and the fix; an
//! error fails `verify`, a warning is listed and passes.

use serde_json::json;

/// One thing wrong, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// Which check found it: `config`, `sites`, `lockfile`, `changelog`, ….
    pub check: &'static str,
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    pub expected: Option<String>,
    pub found: Option<String>,
    /// The next action, usually a command to run.
    pub fix: String,
    /// A warning is listed but does not fail `verify`.
    pub warning: bool,
}

impl Problem {
    pub(crate) fn new(
        check: &'static str,
        file: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Problem {
        Problem {
            check,
            file: file.into(),
            line: None,
            message: message.into(),
            expected: None,
            found: None,
            fix: fix.into(),
            warning: false,
        }
    }

    /// The same, as a warning.
    pub(crate) fn warning(mut self) -> Problem {
        self.warning = true;
        self
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({
            "check": self.check,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
            "fix": self.fix,
            "severity": if self.warning { "warning" } else { "error" },
        })
    }

    /// `file:line: message (fix: …)`.
    pub(crate) fn render(&self) -> String {
        let place = match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        };
        format!("{place}: {}\n    fix: {}", self.message, self.fix)
    }
}
