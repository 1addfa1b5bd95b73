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
        "Command::new(",
        "std::process::Command",
        ".spawn()",
    ];
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(path, _)| !path.starts_with("tools/"))
        .flat_map(|(path, text)| {
            // Unit tests may build commands to exercise the executor.
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            code.lines()
                .enumerate()
                .filter(|(_, line)| !line.trim_start().starts_with("//"))
                .filter(|(_, line)| spawners.iter().any(|s| line.contains(s)))
                .map(|(i, line)| format!("{path}:{}: {}", i + 1, line.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "only xtask/src/tools/ may spawn processes:\n{}",
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
