//! The evidence report, `.scratch/release/evidence-<tag>.json`: one record per
//! run, appended (never overwritten), saved at every checkpoint, redacted.
//!
//! It is a report, not a file of the repository (`.scratch/` is git-ignored),
//! so it is written in both modes: recording what was found is what a
//! dry-run is for.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

use crate::secrets::redact;

use crate::config::SCRATCH;

/// The evidence record of one tag: every run of `release` and `publish`.
pub(crate) struct Evidence {
    path: PathBuf,
    /// Relative to the root, for messages and blocker bodies.
    pub rel: String,
    doc: Value,
}

impl Evidence {
    /// Loads the report of `tag` (if any) and starts a new run record.
    pub(crate) fn open(
        root: &Path,
        tag: &str,
        command: &str,
    ) -> Result<(Evidence, Option<String>)> {
        let rel = format!("{SCRATCH}/evidence-{}.json", tag.replace('/', "-"));
        let path = root.join(&rel);
        let mut warning = None;
        let mut doc = match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(doc) if doc.get("runs").is_some_and(Value::is_array) => doc,
                _ => {
                    let aside =
                        path.with_extension(format!("json.unreadable-{}", std::process::id()));
                    std::fs::rename(&path, &aside)
                        .with_context(|| format!("cannot move the unreadable {rel} aside"))?;
                    warning = Some(format!(
                        "{rel} was not a readable evidence report; it was kept as {}",
                        aside.display()
                    ));
                    json!({})
                }
            },
            Err(_) => json!({}),
        };
        if doc.get("runs").is_none() {
            doc = json!({"version": 1, "tag": tag, "runs": []});
        }
        doc["runs"]
            .as_array_mut()
            .expect("runs is an array")
            .push(json!({"command": command, "started": crate::clock::now_utc(), "steps": []}));
        Ok((Evidence { path, rel, doc }, warning))
    }

    fn record(&mut self) -> &mut Map<String, Value> {
        self.doc["runs"]
            .as_array_mut()
            .and_then(|runs| runs.last_mut())
            .and_then(Value::as_object_mut)
            .expect("a run record")
    }

    /// The current run's record.
    pub(crate) fn current(&self) -> Value {
        self.doc["runs"]
            .as_array()
            .and_then(|r| r.last())
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.record().insert(key.to_string(), value);
    }

    /// Records one mechanics step.
    pub(crate) fn step(&mut self, step: Value) {
        if let Some(steps) = self.record().get_mut("steps").and_then(Value::as_array_mut) {
            steps.push(step);
        }
    }

    /// Every step of every run, oldest first.
    fn steps(&self) -> impl DoubleEndedIterator<Item = &Value> {
        self.doc["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|run| run["steps"].as_array().into_iter().flatten())
    }

    /// Build run IDs that an earlier run dispatched a publish for.
    pub(crate) fn dispatched_for(&self) -> Vec<u64> {
        self.steps()
            .filter(|s| s["step"] == "dispatch" && s["status"] == "done")
            .filter_map(|s| s["build_run_id"].as_u64())
            .collect()
    }

    /// The step that fixes the blocker titled `title`, as the run that
    /// filed it said (`first`, then the command to rerun), newest first.
    pub(crate) fn fix_of(&self, title: &str) -> Option<(String, String)> {
        let fix = &self.steps().rev().find(|s| s["fix"]["title"] == title)?["fix"];
        Some((
            fix["first"].as_str()?.to_string(),
            fix["rerun"].as_str()?.to_string(),
        ))
    }

    /// Commits a rehearsal build was dispatched for, and build run IDs a
    /// publish rehearsal was dispatched for, by any run (a rerun awaits
    /// them instead of dispatching again).
    pub(crate) fn rehearsals_dispatched(&self) -> (Vec<String>, Vec<u64>) {
        let done = || {
            self.steps()
                .filter(|s| s["step"] == "rehearsal" && s["status"] == "done")
        };
        let builds = done()
            .filter(|s| s["phase"] == "dispatch build")
            .filter_map(|s| s["sha"].as_str().map(String::from))
            .collect();
        let publishes = done()
            .filter(|s| s["phase"] == "dispatch publish")
            .filter_map(|s| s["build_run_id"].as_u64())
            .collect();
        (builds, publishes)
    }

    /// The build run this run published, once it is known.
    pub(crate) fn last_build_run(&self) -> Option<u64> {
        let steps = self.current()["steps"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        steps
            .iter()
            .rev()
            .find(|s| s["step"] == "done")
            .and_then(|s| s["build_run_id"].as_u64())
    }

    /// Writes the whole report, secrets redacted.
    pub(crate) fn save(&self) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let doc = crate::secrets::redact_json(&self.doc);
        let text = redact(&serde_json::to_string_pretty(&doc)?);
        std::fs::write(&self.path, text + "\n")
            .with_context(|| format!("cannot write {}", self.rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_appended_and_dispatches_remembered() {
        let dir = std::env::temp_dir().join(format!("xtask-evidence-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (mut first, _) = Evidence::open(&dir, "v1.0.0", "release").unwrap();
        first.step(json!({"step": "dispatch", "status": "done", "build_run_id": 7}));
        first.set("secret", json!("ghp_0123456789abcdefghij"));
        first.save().unwrap();
        let (second, warning) = Evidence::open(&dir, "v1.0.0", "release").unwrap();
        assert!(warning.is_none());
        assert_eq!(second.dispatched_for(), [7]);
        assert_eq!(second.rehearsals_dispatched(), (vec![], vec![]));
        second.save().unwrap();
        let text =
            std::fs::read_to_string(dir.join(".scratch/release/evidence-v1.0.0.json")).unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["runs"].as_array().unwrap().len(), 2);
        assert!(!text.contains("ghp_0123"), "{text}");
        std::fs::write(dir.join(".scratch/release/evidence-v1.0.0.json"), "{oops").unwrap();
        let (_, warning) = Evidence::open(&dir, "v1.0.0", "release").unwrap();
        assert!(warning.unwrap().contains("kept as"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
