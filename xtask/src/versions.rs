//! `cargo xtask versions`: every version site and the version found there,
//! as a table or JSON; exit 1 when the sites disagree.

use anyhow::Result;
use serde_json::json;

use crate::survey::{Repo, agreement};

impl crate::cli::Versions {
    /// `cargo xtask versions`: exit 1 when the sites disagree.
    pub(crate) fn run(self, repo: &Repo) -> Result<bool> {
        let _lock = crate::lock::acquire_shared(&repo.root);
        list(repo, self.json)
    }
}

fn list(repo: &Repo, as_json: bool) -> Result<bool> {
    let states = repo.survey();
    let consistent = agreement(&states);
    if as_json {
        let sites: Vec<_> = states
            .iter()
            .map(|s| {
                let slots: Vec<_> = match &s.reading {
                    Ok(r) => r
                        .slots
                        .iter()
                        .zip(&r.raw)
                        .map(|(slot, raw)| json!({"label": slot.label, "value": raw}))
                        .collect(),
                    Err(_) => Vec::new(),
                };
                json!({
                    "path": s.site.path,
                    "kind": s.site.kind.name(),
                    "form": s.site.form.name(),
                    "version": s.version().ok().map(|v| v.to_string()),
                    "lockstep": s.site.lockstep,
                    "raw": s.raw(),
                    "slots": slots,
                    "error": s.version().err(),
                })
            })
            .collect();
        let doc = json!({
            "version": consistent.as_ref().ok().map(|v| v.to_string()),
            "consistent": consistent.is_ok(),
            "sites": sites,
        });
        crate::ui::document(&serde_json::to_string_pretty(&doc)?);
    } else {
        let width = states
            .iter()
            .map(|s| s.site.path.len())
            .max()
            .unwrap_or(4)
            .max(4);
        crate::ui::document(&format!("{:width$}  {:14}  VERSION", "PATH", "KIND"));
        for s in &states {
            let found = match (s.version(), s.raw()) {
                (Ok(v), Some(raw)) if raw != v.to_string() => format!("{v} (written {raw})"),
                (Ok(v), _) => v.to_string(),
                (Err(err), _) => format!("error: {err}"),
            };
            let note = if s.site.lockstep {
                ""
            } else {
                "  (outside the lock-step)"
            };
            crate::ui::document(&format!(
                "{:width$}  {:14}  {found}{note}",
                s.site.path,
                s.site.kind.name()
            ));
        }
        match &consistent {
            Ok(v) => {
                let holding = states.iter().filter(|s| s.holds(v)).count();
                crate::ui::document(&format!("\nall {holding} sites hold {v}"));
                for s in states.iter().filter(|s| s.site.lockstep && s.lags(v)) {
                    crate::ui::document(&format!(
                        "{} lags: its newest section is {} (allowed; `cargo xtask bump` adds the next one)",
                        s.site.path,
                        s.raw().unwrap_or_default()
                    ));
                }
            }
            Err(problems) => crate::ui::document(&format!(
                "\nthe sites disagree:\n  - {}",
                problems.join("\n  - ")
            )),
        }
    }
    Ok(consistent.is_ok())
}
