//! Test runners of the repository's languages, streamed to the terminal.

use anyhow::Result;
use xshell::{Shell, cmd};

/// One test suite: its name, and whether it passed or why it was skipped.
pub(crate) struct SuiteResult {
    pub name: &'static str,
    pub passed: bool,
    /// Why the suite did not run (its tool is not installed).
    pub skipped: Option<String>,
    /// Stopped, with its process group, at the timeout.
    pub timed_out: bool,
    pub seconds: f64,
}

/// Runs `cargo test --workspace`, the Python binding's unittest suite, the
/// Node binding's `node --test` and, when Go is installed, the Go binding's
/// `go test ./...`, each even if an earlier one failed.
/// Each suite is stopped, with its process group, after `timeout`.
pub(crate) fn run_all(sh: &Shell, timeout: std::time::Duration) -> Result<Vec<SuiteResult>> {
    let mut results = Vec::new();
    let mut suite = |name: &'static str, dir: &str, cmd: xshell::Cmd<'_>| {
        crate::ui::document(&format!("==> {name}: {cmd}  (in {dir})"));
        let start = std::time::Instant::now();
        // Streamed through the redacting output, never inherited.
        let ended = super::stream(cmd, timeout).unwrap_or_else(|err| {
            crate::ui::note(&format!("{err:#}"));
            super::Streamed::Failed
        });
        if ended == super::Streamed::TimedOut {
            crate::ui::note(&format!(
                "==> {name}: timed out after {}, stopped with every process it started (give more with `cargo xtask test --timeout`)",
                crate::clock::human(timeout)
            ));
        }
        results.push(SuiteResult {
            name,
            passed: ended == super::Streamed::Passed,
            skipped: None,
            timed_out: ended == super::Streamed::TimedOut,
            seconds: start.elapsed().as_secs_f64(),
        });
    };
    suite("rust", ".", cmd!(sh, "cargo test --workspace --locked"));
    {
        let _dir = sh.push_dir("bindings/python");
        suite(
            "python",
            "bindings/python",
            cmd!(sh, "python3 -m unittest discover -s tests -v"),
        );
    }
    {
        let _dir = sh.push_dir("bindings/node");
        suite("node", "bindings/node", cmd!(sh, "node --test"));
    }
    if super::on_path("go") {
        let _dir = sh.push_dir("bindings/go");
        suite("go", "bindings/go", cmd!(sh, "go test ./..."));
    } else {
        crate::ui::document(
            "==> go: skipped, Go is not installed (Debian: apt-get install golang-go)",
        );
        results.push(SuiteResult {
            name: "go",
            passed: true,
            skipped: Some("Go is not installed".to_string()),
            timed_out: false,
            seconds: 0.0,
        });
    }
    Ok(results)
}
