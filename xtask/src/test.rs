//! `cargo xtask test`: every test of the repository (Rust, Python, Node).

use anyhow::{Result, bail};
use xshell::Shell;

use crate::tools::{self, suite};

/// What each suite needs, and how to get it.
const NEEDS: [(&str, &str); 3] = [
    ("cargo", "install Rust with rustup: https://rustup.rs"),
    (
        "python3",
        "install Python 3.11 or newer (Debian: apt-get install python3)",
    ),
    (
        "node",
        "install Node.js 18 or newer (Debian: apt-get install nodejs npm)",
    ),
];

impl crate::cli::Test {
    pub fn run(self, sh: &Shell) -> Result<bool> {
        run_all(sh)
    }
}

fn run_all(sh: &Shell) -> Result<bool> {
    let missing: Vec<String> = NEEDS
        .iter()
        .filter(|(tool, _)| !tools::on_path(tool))
        .map(|(tool, how)| format!("{tool}: {how}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "cannot run every test, these tools are missing:\n  - {}",
            missing.join("\n  - ")
        );
    }
    let results = suite::run_all(sh)?;
    crate::ui::document("\n==> summary");
    for r in &results {
        crate::ui::document(&format!(
            "{:8} {:6} {:.1}s",
            r.name,
            if r.passed { "passed" } else { "FAILED" },
            r.seconds
        ));
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.name)
        .collect();
    crate::ui::document(&format!(
        "suites: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    ));
    if !failed.is_empty() {
        crate::ui::note(&format!(
            "failed suites: {}; scroll up for their output",
            failed.join(", ")
        ));
    }
    Ok(failed.is_empty())
}
