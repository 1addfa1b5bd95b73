//! Just enough YAML to read a GitHub workflow's `workflow_dispatch` inputs.
//!
//! Our workflows are plain block YAML; this reads `key: value` lines by
//! indentation, which is all the drift checks need.

/// A dispatch input: its name, `type` and whether it is `required`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
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

/// The `workflow_dispatch` inputs of a workflow, or `None` if it has no dispatch trigger.
pub fn dispatch_inputs(text: &str) -> Option<Vec<Input>> {
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
