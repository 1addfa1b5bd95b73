//! Human output: the one place that prints. Everything goes through
//! [`redact`], to stdout or (when stdout carries JSON) to stderr.

use std::io::Write;

use crate::secrets::redact;

#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// stdout is reserved for a JSON document.
    pub json: bool,
}

impl Ui {
    /// A line of progress or report.
    pub fn line(&self, text: &str) {
        self.print(&format!("{text}\n"));
    }

    /// Text as it is (a diff, a table), where lines go.
    pub fn print(&self, text: &str) {
        if self.json {
            err(text);
        } else {
            out(text);
        }
    }

    /// A warning or error: always stderr.
    pub fn warn(&self, text: &str) {
        err(&format!("{text}\n"));
    }
}

/// The document a command prints (a JSON record, a table, notes): stdout.
pub fn document(text: &str) {
    out(&format!("{text}\n"));
}

/// An error that ends the command: stderr.
pub fn error(text: &str) {
    err(&format!("error: {text}\n"));
}

/// Writes to stdout; a closed pipe (`| head`) is not an error to report.
fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(redact(text).as_bytes());
}

fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(redact(text).as_bytes());
}

/// Text as it is, on stdout (a rendered report that ends its own lines).
pub fn text(text: &str) {
    out(text);
}

/// A line for a person reading stderr (a problem list, a hint).
pub fn note(text: &str) {
    err(&format!("{text}\n"));
}
