//! `cargo xtask matrix`: the release build matrix, from the config's `[[target]]`s.

use anyhow::{Result, bail};
use serde_json::json;

use crate::config::distribution::BuildTarget;
use crate::survey::Repo;

/// The matrix as GitHub Actions reads it through `fromJSON`: `{"include": [...]}`.
fn matrix_json(targets: &[BuildTarget]) -> serde_json::Value {
    let include: Vec<_> = targets
        .iter()
        .map(|t| {
            json!({
                "target": t.triple,
                "os": t.runner,
                "platform": t.platform,
                "archive": t.archive,
            })
        })
        .collect();
    json!({ "include": include })
}

impl crate::cli::Matrix {
    pub(crate) fn run(self, repo: &Repo) -> Result<bool> {
        print_matrix(repo, self.json)
    }
}

fn print_matrix(repo: &Repo, as_json: bool) -> Result<bool> {
    let targets = &repo.config.distribution.targets;
    if targets.is_empty() {
        bail!(
            "{} declares no [[target]]: add one per platform the release builds (see docs/config.md)",
            crate::config::PATH
        );
    }
    if as_json {
        // One line, so a workflow can write it to $GITHUB_OUTPUT as is.
        crate::ui::document(&matrix_json(targets).to_string());
    } else {
        let width = targets.iter().map(|t| t.platform.len()).max().unwrap_or(0);
        for t in targets {
            crate::ui::document(&format!(
                "{:width$}  {:7}  {:28}  {}",
                t.platform, t.archive, t.triple, t.runner
            ));
        }
    }
    Ok(true)
}
