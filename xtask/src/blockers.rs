//! Release blockers in ergo: their titles and bodies, the epic file, the
//! no-duplicates rule, and filing them through the executor (tracker
//! filings apply in both modes: finding blockers is what a dry-run is for).

use std::path::Path;

use serde_json::json;
use xshell::Shell;

use crate::effects::{Applied, Effect, Executor};
use crate::gates::GateResult;
use crate::secrets::redact;
use crate::tools::{self, ergo, gh};
use crate::ui::Ui;

/// One blocker to file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Blocker {
    pub gate: String,
    pub title: String,
    pub body: String,
}

/// The epic that holds every blocker of one release.
fn epic_title(tag: &str) -> String {
    format!("Release blockers: {tag}")
}

/// `[release-blocker][vX.Y.Z] <gate>: <one-line summary>`. The gate's name is
/// kept exactly as configured; the summary is cut to its first line.
pub(crate) fn title(tag: &str, gate: &str, summary: &str) -> String {
    let summary = summary
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("failed");
    format!("[release-blocker][{tag}] {gate}: {summary}")
}

pub(crate) fn body(
    tag: &str,
    gate: &str,
    command: &str,
    exit: &str,
    excerpt: &str,
    fix: &str,
    evidence: &str,
) -> String {
    let excerpt = if excerpt.trim().is_empty() {
        "(no output)"
    } else {
        excerpt.trim_end()
    };
    let tag = crate::words::quote(tag);
    redact(&format!(
        "Gate: {gate}\nCommand: `{command}`\nExit code: {exit}\n\nOutput excerpt:\n\n~~~text\n{excerpt}\n~~~\n\nNext action: {fix}\n\nEvidence: {evidence}\n\nAcceptance criteria: the gate passes on a rerun of `cargo xtask release {tag}`.\n\nOnce fixed, close this blocker: `ergo done <ID>` with this task's ID.\n"
    ))
}

/// The blocker for a gate that failed or is incomplete.
pub(crate) fn from_gate(tag: &str, outcome: &GateResult, evidence: &str) -> Blocker {
    let exit = match (outcome.exit_code, outcome.status.name()) {
        (Some(code), _) => code.to_string(),
        (None, status) => format!("none ({status})"),
    };
    Blocker {
        gate: outcome.name.clone(),
        title: redact(&title(tag, &outcome.name, &outcome.summary)),
        body: body(
            tag,
            &outcome.name,
            &outcome.command,
            &exit,
            &outcome.tail,
            &outcome.fix,
            evidence,
        ),
    }
}

/// The blocker for a failed build or publish run, with its failed jobs.
pub(crate) fn from_run(
    tag: &str,
    gate: &str,
    workflow: &str,
    run: &gh::Run,
    jobs: &[gh::Job],
    fix: &str,
    evidence: &str,
) -> Blocker {
    let jobs_text: Vec<String> = jobs
        .iter()
        .map(|j| format!("- {} ({}): {}", j.name, j.conclusion, j.url))
        .collect();
    let excerpt = format!(
        "{workflow} run {} concluded {}: {}\nFailed jobs:\n{}",
        run.id,
        run.conclusion,
        run.url,
        if jobs_text.is_empty() {
            "(none listed)".to_string()
        } else {
            jobs_text.join("\n")
        }
    );
    let command = format!("gh run view {} --json jobs", run.id);
    Blocker {
        gate: gate.to_string(),
        title: title(tag, gate, &format!("{workflow} run {} failed", run.id)),
        body: body(tag, gate, &command, "n/a", &excerpt, fix, evidence),
    }
}

/// The blocker for a step that stopped the release: a rejected push, a
/// failed dispatch, a run that never appeared or never finished, …. The
/// title names the step, not the error, so a rerun that fails the same way
/// files no second blocker.
pub(crate) fn from_failure(
    tag: &str,
    gate: &str,
    summary: &str,
    command: &str,
    error: &str,
    fix: &str,
    evidence: &str,
) -> Blocker {
    Blocker {
        gate: gate.to_string(),
        title: redact(&title(tag, gate, summary)),
        body: body(tag, gate, command, "n/a", error, fix, evidence),
    }
}

/// The blockers not already open (by exact title), without repeats.
fn new_ones<'a>(blockers: &'a [Blocker], open_titles: &[String]) -> Vec<&'a Blocker> {
    let mut seen: Vec<&str> = open_titles.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for b in blockers {
        if !seen.contains(&b.title.as_str()) {
            seen.push(&b.title);
            out.push(b);
        }
    }
    out
}

/// The `--file` of `ergo new epic`: chunks `# <title>` + body, separated by
/// lines that are exactly `---` (so a body line `---` is written `- - -`).
fn epic_file(blockers: &[&Blocker]) -> String {
    blockers
        .iter()
        .map(|b| {
            let body: Vec<&str> = b
                .body
                .lines()
                .map(|l| if l.trim() == "---" { "- - -" } else { l })
                .collect();
            format!("# {}\n\n{}\n", b.title, body.join("\n"))
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// The blockers an epic is made with. ergo has no empty epics, so it is
/// made with the blockers whose titles fit a `# <title>` line (the others
/// are added as tasks afterwards); if none fits, the first one, flattened.
fn epic_chunks(todo: &[&Blocker]) -> Vec<Blocker> {
    let fits: Vec<Blocker> = todo
        .iter()
        .filter(|b| !b.title.contains(['\n', '\r']))
        .map(|b| (*b).clone())
        .collect();
    if !fits.is_empty() || todo.is_empty() {
        return fits;
    }
    vec![Blocker {
        title: todo[0].title.replace(['\n', '\r'], " "),
        ..todo[0].clone()
    }]
}

/// What filing found and did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filing {
    pub epic_id: Option<String>,
    /// `(id, title)` of the tasks filed by this run.
    pub filed: Vec<(String, String)>,
    /// `(id, title, state)` of every open task of the epic afterwards.
    pub open: Vec<(String, String, String)>,
    /// Titles that could not be filed.
    pub unfiled: Vec<String>,
    /// Why ergo could not be used, with the fix.
    pub error: Option<String>,
}

impl Filing {
    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({
            "epic_id": self.epic_id,
            "filed": self.filed.iter().map(|(id, t)| json!({"id": id, "title": t})).collect::<Vec<_>>(),
            "open": self.open.iter().map(|(id, t, s)| json!({"id": id, "title": t, "state": s})).collect::<Vec<_>>(),
            "unfiled": self.unfiled,
            "error": self.error.as_deref().map(redact),
        })
    }
}

/// Finds the epic of `tag`, files the blockers not already open, and lists
/// the open ones. Never fails: problems land in [`Filing::error`].
pub(crate) fn file(
    exec: &Executor<'_>,
    sh: &Shell,
    scratch: &Path,
    tag: &str,
    blockers: &[Blocker],
) -> Filing {
    let mut filing = Filing::default();
    if let Err(err) = file_into(exec, sh, scratch, tag, blockers, &mut filing) {
        let filed: Vec<&String> = filing.filed.iter().map(|(_, t)| t).collect();
        filing.unfiled = blockers
            .iter()
            .map(|b| b.title.clone())
            .filter(|t| !filed.contains(&t) && !filing.open.iter().any(|(_, o, _)| o == t))
            .collect();
        filing.error = Some(format!(
            "{err:#}; the release is blocked until ergo works: install ergo v6, run `ergo init` at the repository root and commit `.ergo/` (with `.ergo/lock` in .gitignore), then rerun `cargo xtask release {}`",
            crate::words::quote(tag)
        ));
    }
    filing
}

fn file_into(
    exec: &Executor<'_>,
    sh: &Shell,
    scratch: &Path,
    tag: &str,
    blockers: &[Blocker],
    filing: &mut Filing,
) -> anyhow::Result<()> {
    if !tools::on_path("ergo") {
        anyhow::bail!("ergo is not installed (not on PATH)");
    }
    let epic_title = epic_title(tag);
    let find_epic = |sh: &Shell| -> anyhow::Result<Option<String>> {
        Ok(ergo::list_all(sh)?
            .into_iter()
            .find(|i| i.kind == "epic" && i.title == epic_title)
            .map(|i| i.id))
    };
    let open_tasks = |sh: &Shell, epic: &str| -> anyhow::Result<Vec<ergo::Item>> {
        Ok(ergo::list_epic(sh, epic)?
            .into_iter()
            .filter(|i| i.kind != "epic" && i.is_open())
            .collect())
    };
    let mut epic = find_epic(sh)?;
    let mut open: Vec<ergo::Item> = match &epic {
        Some(id) => open_tasks(sh, id)?,
        None => Vec::new(),
    };
    let titles: Vec<String> = open.iter().map(|i| i.title.clone()).collect();
    let mut todo = new_ones(blockers, &titles);
    if epic.is_none() && !todo.is_empty() {
        let in_file = epic_chunks(&todo);
        let in_file: Vec<&Blocker> = in_file.iter().collect();
        exec.apply(&Effect::NewEpic {
            title: epic_title.clone(),
            file: scratch.join(format!("blockers-{}.md", tag.replace('/', "-"))),
            chunks: epic_file(&in_file),
        })?;
        let id = find_epic(sh)?
            .ok_or_else(|| anyhow::anyhow!("`ergo new epic` made no epic titled {epic_title:?}"))?;
        open = open_tasks(sh, &id)?;
        for b in &in_file {
            if let Some(task) = open.iter().find(|i| i.title == b.title) {
                filing.filed.push((task.id.clone(), task.title.clone()));
            }
        }
        let filed_titles: Vec<String> = open.iter().map(|i| i.title.clone()).collect();
        todo = new_ones(blockers, &filed_titles);
        epic = Some(id);
    }
    if let Some(id) = &epic {
        for b in todo {
            let out = exec.apply(&Effect::NewTask {
                title: b.title.clone(),
                epic: id.clone(),
                body: b.body.clone(),
            })?;
            let Applied::Done(out) = out else {
                anyhow::bail!("ergo new task was not run (this is a bug)");
            };
            filing.filed.push((ergo::task_id(&out)?, b.title.clone()));
        }
        filing.open = open_tasks(sh, id)?
            .into_iter()
            .map(|i| (i.id, i.title, i.state))
            .collect();
    }
    filing.epic_id = epic;
    Ok(())
}

/// Says what filing the blockers did, and lists the open ones.
pub(crate) fn report_filing(ui: Ui, tag: &str, filing: &Filing) {
    for (id, title) in &filing.filed {
        ui.line(&format!("filed blocker {id}: {title}"));
    }
    if let Some(err) = &filing.error {
        ui.warn(&format!(
            "error: could not file the release blockers in ergo: {err}"
        ));
        for title in &filing.unfiled {
            ui.warn(&format!("  unfiled: {title}"));
        }
    }
    if !filing.open.is_empty() {
        ui.line(&format!(
            "open blockers of {} (epic {}):",
            epic_title(tag),
            filing.epic_id.as_deref().unwrap_or("?")
        ));
        for (id, title, state) in &filing.open {
            ui.line(&format!("  {id} [{state}] {title}"));
        }
        ui.line("fix each, then close it: ergo done <ID>");
    }
}

/// How to close the blocker titled `title`: `ergo done <ID>` when filed.
pub(crate) fn close_hint(filing: &Filing, title: &str) -> String {
    let id = filing
        .filed
        .iter()
        .map(|(id, t)| (id, t))
        .chain(filing.open.iter().map(|(id, t, _)| (id, t)))
        .find(|(_, t)| *t == title)
        .map(|(id, _)| id.clone());
    match id {
        Some(id) => format!("close its blocker (`ergo done {id}`)"),
        None => "close its blocker in ergo if one was filed".to_string(),
    }
}

/// Why a filing forbids acting: ergo unusable, or blockers still open.
pub(crate) fn filing_refusals(filing: &Filing) -> Vec<String> {
    let mut refusals = Vec::new();
    if let Some(err) = &filing.error {
        refusals.push(format!("ergo could not be used: {err}"));
    }
    if !filing.open.is_empty() {
        let closes: Vec<String> = filing
            .open
            .iter()
            .map(|(id, _, _)| format!("`ergo done {id}`"))
            .collect();
        refusals.push(format!(
            "{} blocker(s) open in epic {}: fix each, then close it ({})",
            filing.open.len(),
            filing.epic_id.as_deref().unwrap_or("?"),
            closes.join(", ")
        ));
    }
    refusals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocker(title: &str) -> Blocker {
        Blocker {
            gate: "g".into(),
            title: title.into(),
            body: "b\n---\nc".into(),
        }
    }

    #[test]
    fn titles_follow_the_contract() {
        assert_eq!(
            title(
                "v1.2.3",
                "fmt",
                "`cargo fmt --all --check` failed with exit code 1\nmore"
            ),
            "[release-blocker][v1.2.3] fmt: `cargo fmt --all --check` failed with exit code 1"
        );
        let hostile = "q'\"$(touch x)`id`\nline two";
        assert_eq!(
            title("v1", hostile, "s"),
            format!("[release-blocker][v1] {hostile}: s")
        );
    }

    #[test]
    fn open_titles_are_not_filed_again() {
        let blockers = [blocker("a"), blocker("b"), blocker("a")];
        let open = vec!["b".to_string()];
        let titles: Vec<&str> = new_ones(&blockers, &open)
            .iter()
            .map(|b| b.title.as_str())
            .collect();
        assert_eq!(titles, ["a"]);
    }

    #[test]
    fn the_epic_file_has_one_chunk_per_blocker() {
        let (a, b) = (blocker("a"), blocker("b"));
        assert_eq!(
            epic_file(&[&a, &b]),
            "# a\n\nb\n- - -\nc\n---\n# b\n\nb\n- - -\nc\n"
        );
    }

    #[test]
    fn bodies_name_the_gate_command_evidence_and_acceptance() {
        let outcome = GateResult {
            name: "ci".into(),
            command: "gh run list".into(),
            status: crate::gates::GateStatus::Failed,
            exit_code: Some(1),
            duration: std::time::Duration::ZERO,
            tail: "boom".into(),
            summary: "no run".into(),
            fix: "push".into(),
        };
        let b = from_gate("v1.0.0", &outcome, ".scratch/release/evidence-v1.0.0.json");
        for part in [
            "Gate: ci",
            "`gh run list`",
            "Exit code: 1",
            "boom",
            ".scratch/release/evidence-v1.0.0.json",
            "the gate passes on a rerun of `cargo xtask release v1.0.0`",
        ] {
            assert!(b.body.contains(part), "{part}: {}", b.body);
        }
    }
}
