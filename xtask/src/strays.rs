//! Version-bearing files left out of the config: tracked files, outside the
//! declared sites, that hold the current version after a `version` key or
//! assignment (`"version": "1.2.3"`, `VERSION := 1.2.3`). `verify` warns.

use std::path::Path;

use semver::Version;

use crate::problem::Problem;

/// Lockfiles list dependencies, whose versions may equal ours by chance.
const LOCKFILES: [&str; 9] = [
    "Cargo.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "Gemfile.lock",
    "go.sum",
];

/// Files larger than this are data, not manifests.
const MAX_BYTES: u64 = 1 << 20;

/// A warning for each tracked file that holds `version` like a site would,
/// outside the declared `sites` and the `not_sites` globs.
pub(crate) fn problems(
    root: &Path,
    sites: &[String],
    not_sites: &[String],
    tracked: &[String],
    version: &Version,
) -> Vec<Problem> {
    let mut needles: Vec<String> = vec![version.to_string()];
    if let Ok(pep) = crate::versioning::to_pep440(version)
        && !needles.contains(&pep)
    {
        needles.push(pep);
    }
    let mut problems = Vec::new();
    for path in tracked {
        let name = path.rsplit('/').next().unwrap_or(path);
        if LOCKFILES.contains(&name)
            || sites.contains(path)
            || not_sites
                .iter()
                .any(|glob| crate::glob::matches(glob, path))
        {
            continue;
        }
        let full = root.join(path);
        if std::fs::metadata(&full).map_or(true, |m| !m.is_file() || m.len() > MAX_BYTES) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&full) else {
            continue; // Not UTF-8: not a manifest.
        };
        if let Some(line) = needles.iter().find_map(|n| version_line(&text, n)) {
            let mut problem = Problem::new(
                "strays",
                path,
                format!(
                    "{path} holds the version {version} but is not a version site, so `cargo xtask bump` will not move it"
                ),
                format!(
                    "declare it as a [[site]] in {}, or list it in [verify].not_sites if it is no site",
                    crate::config::PATH
                ),
            )
            .warning();
            problem.line = Some(line);
            problems.push(problem);
        }
    }
    problems
}

/// The 1-based line of the first place `needle` stands as a whole version
/// right after a `version` key or assignment on its line.
fn version_line(text: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find(needle).map(|i| from + i) {
        from = at + needle.len();
        let head = text[..at].strip_suffix('v').unwrap_or(&text[..at]);
        let before = head.chars().next_back();
        let after = text[from..].chars().next();
        let whole = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
        if whole && keyed(&text[text[..at].rfind('\n').map_or(0, |i| i + 1)..at]) {
            return Some(crate::sites::line_of(text, at));
        }
    }
    None
}

/// Whether a line's text before a version ends with `version` and a separator:
/// `version = "`, `"version": "`, `__version__ = `, `VERSION := `, `<version>`.
fn keyed(prefix: &str) -> bool {
    let prefix = prefix.strip_suffix('v').unwrap_or(prefix);
    let key_end = prefix.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ':' | '=' | '_' | '>' | '?')
    });
    let Some(head) = key_end
        .to_ascii_lowercase()
        .strip_suffix("version")
        .map(str::len)
    else {
        return false;
    };
    // A word of its own: `PKG_VERSION`, not `conversion`.
    key_end.len() < prefix.len() && !key_end[..head].ends_with(|c: char| c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_versions_in_keys_and_assignments() {
        for text in [
            "{\n  \"metadata\": {\"version\": \"1.2.3\"}\n}",
            "x\nVERSION := 1.2.3\n",
            "__version__ = '1.2.3'",
            "  <version>1.2.3</version>",
            "project(foo VERSION 1.2.3 LANGUAGES C)",
            "version = \"v1.2.3\"",
        ] {
            assert!(version_line(text, "1.2.3").is_some(), "{text}");
        }
        assert_eq!(
            version_line("a\nb\n  \"version\": \"1.2.3\"", "1.2.3"),
            Some(3)
        );
    }

    #[test]
    fn ignores_other_numbers_and_prose() {
        for text in [
            "depends on foo 1.2.3",
            "version = \"11.2.3\"",
            "version = \"1.2.34\"",
            "version = \"1.2.3-rc.1\"",
            "## [1.2.3] - 2026-01-01",
            "rust-version = \"1.85\"\nsee 1.2.3",
            "conversion = 1.2.3x",
            "conversion = 1.2.3",
        ] {
            assert_eq!(version_line(text, "1.2.3"), None, "{text}");
        }
    }
}
