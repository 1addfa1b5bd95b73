//! Hygiene of the xtask's own source, checked as ordinary tests.

use std::path::Path;

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&src, &src, &mut out);
    out.sort();
    out
}

#[test]
fn every_module_opens_with_a_summary_line() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//! "))
        .map(|(path, _)| path)
        .collect();
    assert!(
        missing.is_empty(),
        "these modules lack a `//!` summary line: {missing:?}"
    );
}

#[test]
fn only_tools_spawns_processes() {
    let spawners = [
        "cmd!(",
        ".cmd(",
        "Command::new(",
        "std::process::Command",
        ".spawn()",
    ];
    // Unit tests may build commands to exercise the executor.
    let offenders = lines_with(&spawners, |path| path.starts_with("tools/"));
    assert!(
        offenders.is_empty(),
        "only xtask/src/tools/ may spawn processes:\n{}",
        offenders.join("\n")
    );
}

/// `path:line: text` of every non-comment line outside `allowed` (and
/// outside unit tests) that contains one of `needles`.
fn lines_with(needles: &[&str], allowed: impl Fn(&str) -> bool) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(path, _)| !allowed(path))
        .flat_map(|(path, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            code.lines()
                .enumerate()
                .filter(|(_, line)| !line.trim_start().starts_with("//"))
                .filter(|(_, line)| needles.iter().any(|s| line.contains(s)))
                .map(|(i, line)| format!("{path}:{}: {}", i + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn only_the_executor_knows_the_mode() {
    let offenders = lines_with(&["Mode::", "Mode,", "Mode}", "enum Mode"], |p| {
        p == "effects.rs"
    });
    assert!(
        offenders.is_empty(),
        "only xtask/src/effects.rs may decide between dry-run and live; hand it an Effect instead:\n{}",
        offenders.join("\n")
    );
    let effects = sources()
        .into_iter()
        .find(|(p, _)| p == "effects.rs")
        .unwrap()
        .1;
    assert!(
        effects.contains("\nenum Mode {"),
        "Mode must stay private to the executor"
    );
}

#[test]
fn only_ui_prints() {
    let offenders = lines_with(
        &[
            "print!(",
            "println!(",
            "eprint!(",
            "eprintln!(",
            "io::stdout()",
            "io::stderr()",
        ],
        |p| p == "ui.rs",
    );
    assert!(
        offenders.is_empty(),
        "print through xtask/src/ui.rs, which redacts secrets:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_dependency_list_explains_itself() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    let mut previous = "";
    for line in deps.lines() {
        if !line.trim().is_empty() && !line.starts_with('#') {
            assert!(
                previous.starts_with('#'),
                "say in xtask/Cargo.toml why this dependency is there: {line}"
            );
        }
        previous = line;
    }
}

/// The module path of a source file: `release/mod.rs` is `release`,
/// `tools/gh.rs` is `tools::gh`, `main.rs` is the crate root (empty).
fn module_of(path: &str) -> String {
    let path = path.trim_end_matches(".rs");
    let path = path.strip_suffix("/mod").unwrap_or(path);
    if path == "main" {
        return String::new();
    }
    path.replace('/', "::")
}

/// The modules `text` (the code of `module`, tests left out) names through
/// `crate::…`, `super::…` or, for a parent, a child's bare `child::…`, each
/// resolved to the longest known module.
fn references(module: &str, text: &str, modules: &[String]) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let children: Vec<&str> = modules
        .iter()
        .filter_map(|m| {
            let rest = if module.is_empty() {
                m.as_str()
            } else {
                m.strip_prefix(module)?.strip_prefix("::")?
            };
            (!rest.is_empty() && !rest.contains("::")).then_some(rest)
        })
        .collect();
    let mut out = Vec::new();
    let mut paths = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut prefixes = vec![("crate::".to_string(), ""), ("super::".to_string(), parent)];
        if !module.is_empty() {
            for child in &children {
                prefixes.push((format!("{child}::"), module));
            }
        }
        for (prefix, base) in &prefixes {
            // A bare `child::` keeps its name: it is resolved from the parent.
            let keep = if prefix.starts_with("crate::") || prefix.starts_with("super::") {
                prefix.len()
            } else {
                0
            };
            let mut rest = line;
            while let Some(at) = rest.find(prefix.as_str()) {
                let before = rest[..at].chars().last();
                let after = &rest[at + keep..];
                rest = &rest[at + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                paths.push((*base, after));
            }
        }
    }
    for (base, rest) in paths {
        // `use crate::{a, b::c}` names several paths.
        let tails: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            group.split(',').map(|p| p.trim().to_string()).collect()
        } else {
            vec![rest.to_string()]
        };
        for tail in tails {
            let segments: Vec<&str> = tail
                .split("::")
                .map(|s| {
                    s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or("")
                })
                .take_while(|s| !s.is_empty())
                .collect();
            // `super::Item` names the parent itself.
            let mut best =
                (!base.is_empty() && modules.iter().any(|m| m == base)).then(|| base.to_string());
            for n in 1..=segments.len() {
                let joined = segments[..n].join("::");
                let candidate = if base.is_empty() {
                    joined
                } else {
                    format!("{base}::{joined}")
                };
                if modules.contains(&candidate) {
                    best = Some(candidate);
                }
            }
            if let Some(target) = best.filter(|t| t != module)
                && !out.contains(&target)
            {
                out.push(target);
            }
        }
    }
    out
}

/// Every cycle of the `use crate::…` graph, each named once by its modules.
fn module_cycles() -> Vec<Vec<String>> {
    let sources = sources();
    let modules: Vec<String> = sources.iter().map(|(p, _)| module_of(p)).collect();
    let edges: Vec<Vec<usize>> = sources
        .iter()
        .zip(&modules)
        .map(|((_, text), module)| {
            references(module, text, &modules)
                .iter()
                .filter_map(|t| modules.iter().position(|m| m == t))
                .collect()
        })
        .collect();
    // The crate root may use everything. A parent may use its children,
    // or children their parent, but not both ways: what they share goes to
    // a file of its own.
    let nested = |a: &str, b: &str| a.is_empty() || b.is_empty();
    let reaches = |from: usize, to: usize| {
        let mut seen = vec![false; modules.len()];
        let mut stack = vec![from];
        while let Some(at) = stack.pop() {
            for &next in &edges[at] {
                if nested(&modules[at], &modules[next]) {
                    continue;
                }
                if next == to {
                    return true;
                }
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        false
    };
    let mut cycles: Vec<Vec<String>> = Vec::new();
    for a in 0..modules.len() {
        if !reaches(a, a) {
            continue;
        }
        // The strongly connected set of `a`, named once.
        let mut members: Vec<String> = (0..modules.len())
            .filter(|&b| b == a || (reaches(a, b) && reaches(b, a)))
            .map(|b| modules[b].clone())
            .collect();
        members.sort();
        if !cycles.contains(&members) {
            cycles.push(members);
        }
    }
    cycles
}

#[test]
fn the_module_graph_has_no_cycle() {
    let cycles = module_cycles();
    assert!(
        cycles.is_empty(),
        "modules of xtask/src that depend on each other (move what they share to a module both can use):\n{}",
        cycles
            .iter()
            .map(|c| format!("  - {}", c.join(" <-> ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn config_imports_only_infrastructure() {
    let sources = sources();
    let modules: Vec<String> = sources.iter().map(|(p, _)| module_of(p)).collect();
    let allowed = ["versioning", "clock", "words", "problem", "fsx"];
    let mut offenders = Vec::new();
    for ((path, text), module) in sources.iter().zip(&modules) {
        if !path.starts_with("config/") {
            continue;
        }
        for target in references(module, text, &modules) {
            if !(target == "config"
                || target.starts_with("config::")
                || allowed.contains(&target.as_str()))
            {
                offenders.push(format!("{path} uses {target}"));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "config/ is the bottom floor: it may use only {allowed:?}:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_module_references_are_read_as_written() {
    let modules: Vec<String> = ["", "a", "a::b", "a::c", "d"].map(String::from).to_vec();
    let text = "use b::Thing;\nuse super::d;\nfn f() { c::go(); crate::d::x(); }\n";
    let mut found = references("a", text, &modules);
    found.sort();
    assert_eq!(found, ["a::b", "a::c", "d"]);
    assert_eq!(references("a::b", "use super::Item;\n", &modules), ["a"]);
}

#[test]
fn the_code_map_names_every_module() {
    let map = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architecture.md"),
    )
    .unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let named = if path.is_dir() {
            format!("`xtask/src/{name}/`")
        } else {
            format!("`xtask/src/{name}`")
        };
        if !map.contains(&named) {
            missing.push(named);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "docs/architecture.md's code map does not name {missing:?}: add a row for each"
    );
}

/// The places in `text` (a test file) that name the xtask binary, with
/// neither their statement nor the next one giving it a `PATH` of its own
/// (`.env("PATH", …)`, `.env_clear()`, or `self.command(…)`, which sets the
/// hermetic one): such a spawn inherits the machine's `PATH`, and with it
/// the machine's own `gh` and `ergo`.
fn spawns_with_inherited_path(text: &str) -> Vec<usize> {
    const BINARY: &str = "env!(\"CARGO_BIN_EXE_xtask\")";
    let mut found = Vec::new();
    for (at, _) in text.match_indices(BINARY) {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        if text[line_start..at].trim_start().starts_with("//") {
            continue;
        }
        let start = text[..at].rfind([';', '{']).map_or(0, |i| i + 1);
        let end = text[at..]
            .match_indices(';')
            .nth(1)
            .map_or(text.len(), |(i, _)| at + i);
        let window = &text[start..end];
        if ![".env(\"PATH\"", ".env_clear()", "self.command("]
            .iter()
            .any(|sets| window.contains(sets))
        {
            found.push(text[..at].lines().count().max(1));
        }
    }
    found
}

/// Every test spawns the xtask with a hermetic `PATH` (support.rs's
/// `hermetic_path`, `xtask_env` or `TempRepo`'s commands): none reaches the
/// machine's own `ergo` or `gh`.
#[test]
fn every_test_spawns_the_xtask_with_a_hermetic_path() {
    // The rule itself, on a spawn that inherits PATH and on one that does not.
    let bad = "let out = Command::new(env!(\"CARGO_BIN_EXE_xtask\"))\n    .arg(\"verify\")\n    .output();\nnext();\n";
    assert_eq!(spawns_with_inherited_path(bad), [1]);
    let good = bad.replace(".arg(", ".env(\"PATH\", hermetic_path(&[])).arg(");
    assert!(spawns_with_inherited_path(&good).is_empty());
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let mut files = vec![tests.clone()];
    let mut offenders = Vec::new();
    let mut seen = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tidy.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        seen += text.matches("CARGO_BIN_EXE_xtask").count();
        for line in spawns_with_inherited_path(&text) {
            offenders.push(format!("{}:{line}", path.display()));
        }
    }
    assert!(seen >= 5, "the test files name the xtask binary");
    assert!(
        offenders.is_empty(),
        "these spawn the xtask with the machine's PATH (its own gh and ergo): set .env(\"PATH\", crate::support::hermetic_path(&[])):\n{}",
        offenders.join("\n")
    );
}
