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

pub fn run(sh: &Shell) -> Result<bool> {
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
    println!("\n==> summary");
    for r in &results {
        println!(
            "{:8} {:6} {:.1}s",
            r.name,
            if r.passed { "passed" } else { "FAILED" },
            r.seconds
        );
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.name)
        .collect();
    println!(
        "suites: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        eprintln!(
            "failed suites: {}; scroll up for their output",
            failed.join(", ")
        );
    }
    Ok(failed.is_empty())
}
