//! The one workflow-YAML scanner: just enough YAML to read a GitHub
//! workflow's `name`, its `workflow_dispatch` inputs and the tag filters of
//! its `push` trigger.
//!
//! Our workflows are plain block YAML; this reads `key: value` lines by
//! indentation, which is all the drift checks need.

/// A dispatch input: its name, `type` and whether it is `required`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Input {
    pub name: String,
    pub kind: Option<String>,
    pub required: bool,
}

/// `(indent, key, value)` for each `key: value` line, comments and blanks skipped.
fn entries(text: &str) -> Vec<(usize, String, String)> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let indent = l.len() - l.trim_start().len();
            let body = l.trim_start();
            let (key, value) = body.split_once(':')?;
            if key.contains(' ') && !key.starts_with('"') {
                return None;
            }
            let value = value.split(" #").next().unwrap_or("").trim();
            Some((
                indent,
                key.trim_matches(['"', '\'']).to_string(),
                value.trim_matches(['"', '\'']).to_string(),
            ))
        })
        .collect()
}

/// The top-level `on:` block with its key, so the jobs are not read; the
/// whole text if there is none.
fn on_block(text: &str) -> &str {
    let mut start = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let top_level = !line.starts_with([' ', '\t', '#', '\n', '\r']);
        match start {
            None if top_level
                && ["on:", "\"on\":", "'on':"]
                    .iter()
                    .any(|k| line.starts_with(k)) =>
            {
                start = Some(at);
            }
            Some(begin) if top_level => return &text[begin..at],
            _ => {}
        }
        at += line.len();
    }
    start.map_or(text, |begin| &text[begin..])
}

/// The children of the block at `path` (e.g. `["on", "workflow_dispatch", "inputs"]`).
fn block<'a>(
    entries: &'a [(usize, String, String)],
    path: &[&str],
) -> Option<&'a [(usize, String, String)]> {
    let mut scope = entries;
    for key in path {
        let base = scope.first()?.0;
        let at = scope
            .iter()
            .position(|(indent, k, _)| *indent == base && k == key)?;
        let rest = &scope[at + 1..];
        let end = rest
            .iter()
            .position(|(indent, _, _)| *indent <= base)
            .unwrap_or(rest.len());
        scope = &rest[..end];
    }
    Some(scope)
}

/// The workflow's top-level `name:`, if it has one.
pub(crate) fn name(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let name = l.strip_prefix("name:")?.split(" #").next()?.trim();
        Some(name.trim_matches(['"', '\'']).to_string())
    })
}

/// The `workflow_dispatch` inputs of a workflow, or `None` if it has no dispatch trigger.
pub(crate) fn dispatch_inputs(text: &str) -> Option<Vec<Input>> {
    let all = entries(on_block(text));
    let on = block(&all, &["on"])?;
    let dispatch = block(on, &["workflow_dispatch"])?;
    if dispatch.is_empty() {
        return Some(Vec::new());
    }
    let Some(inputs) = block(dispatch, &["inputs"]) else {
        return Some(Vec::new());
    };
    let Some(base) = inputs.first().map(|e| e.0) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for (i, (indent, name, _)) in inputs.iter().enumerate() {
        if *indent != base {
            continue;
        }
        let fields = inputs[i + 1..].iter().take_while(|(ind, _, _)| *ind > base);
        let mut input = Input {
            name: name.clone(),
            kind: None,
            required: false,
        };
        for (_, key, value) in fields {
            match key.as_str() {
                "type" => input.kind = Some(value.clone()),
                "required" => input.required = value == "true",
                _ => {}
            }
        }
        out.push(input);
    }
    Some(out)
}

/// The `on.push.tags` filters (`tags: ["v*"]`, or one `- "v*"` per line),
/// or `None` when the workflow has no tag filter on push.
pub(crate) fn push_tags(text: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let key = |l: &str| {
        l.trim()
            .split(':')
            .next()
            .unwrap_or("")
            .trim_matches(['"', '\''])
            .to_string()
    };
    let on = lines
        .iter()
        .position(|l| indent(l) == 0 && key(l) == "on")?;
    let within = |from: usize, base: usize| {
        lines[from + 1..]
            .iter()
            .take_while(move |l| indent(l) > base)
            .enumerate()
            .map(move |(i, l)| (from + 1 + i, *l))
    };
    let (push, push_line) = within(on, 0).find(|(_, l)| key(l) == "push")?;
    let (tags, tags_line) = within(push, indent(push_line)).find(|(_, l)| key(l) == "tags")?;
    let unquote = |v: &str| v.trim().trim_matches(['"', '\'']).to_string();
    let value = tags_line
        .split_once(':')
        .map(|(_, v)| v.split(" #").next().unwrap_or("").trim())?;
    if let Some(list) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        return Some(
            list.split(',')
                .map(unquote)
                .filter(|v| !v.is_empty())
                .collect(),
        );
    }
    if !value.is_empty() {
        return Some(vec![unquote(value)]);
    }
    Some(
        within(tags, indent(tags_line))
            .filter_map(|(_, l)| l.trim().strip_prefix('-').map(unquote))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_dispatch_inputs() {
        let text = "name: Publish\non:\n  workflow_dispatch:\n    inputs:\n      build_run_id:\n        description: \"the build: run\"\n        required: true\n        type: string\n      allow_partial_release:\n        type: boolean\n        default: false\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n";
        let inputs = dispatch_inputs(text).unwrap();
        assert_eq!(
            inputs,
            vec![
                Input {
                    name: "build_run_id".into(),
                    kind: Some("string".into()),
                    required: true
                },
                Input {
                    name: "allow_partial_release".into(),
                    kind: Some("boolean".into()),
                    required: false
                },
            ]
        );
    }

    #[test]
    fn reads_only_the_on_block() {
        let text = "name: x\njobs:\n  on:\n    workflow_dispatch:\n      inputs:\n        fake: {}\non:\n  workflow_dispatch:\n    inputs:\n      real:\n        type: string\n# a comment\npermissions: {}\n";
        assert_eq!(
            on_block(text),
            "on:\n  workflow_dispatch:\n    inputs:\n      real:\n        type: string\n# a comment\n"
        );
        let names: Vec<String> = dispatch_inputs(text)
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, vec!["real"]);
    }

    #[test]
    fn reads_push_tag_filters() {
        let flow =
            "on:\n  push:\n    tags: [\"v*\", 'release-*']\n  workflow_dispatch:\njobs: {}\n";
        assert_eq!(push_tags(flow).unwrap(), ["v*", "release-*"]);
        let block = "on:\n  push:\n    branches: [main]\n    tags:\n      - \"v*\"\n      - 'x/**'\njobs:\n  tags: []\n";
        assert_eq!(push_tags(block).unwrap(), ["v*", "x/**"]);
        assert_eq!(
            push_tags("on:\n  push:\n    branches: [main]\njobs: {}\n"),
            None
        );
    }

    #[test]
    fn reads_the_name() {
        assert_eq!(
            name("name: Release\non: push\n").as_deref(),
            Some("Release")
        );
        assert_eq!(name("name: \"Re lease\"\n").as_deref(), Some("Re lease"));
        assert_eq!(name("on: push\njobs:\n  a:\n    name: x\n"), None);
    }

    #[test]
    fn a_workflow_without_dispatch() {
        assert_eq!(
            dispatch_inputs("on:\n  push:\n    tags: ['v*']\njobs: {}\n"),
            None
        );
        assert_eq!(
            dispatch_inputs("on:\n  workflow_dispatch:\n  push: {}\n"),
            Some(vec![])
        );
    }
}
