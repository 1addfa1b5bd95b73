//! `[[site]]`: every place the lock-step version lives, as the config
//! declares it: its path (confined to the repository), its kind and form.

use std::path::Path;

use toml_edit::Table;

use super::fields::Fields;
use super::paths::outside_problem;
use crate::versioning::Form;

/// A place in the repository where the lock-step version is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub kind: Kind,
    /// How the version is written there (PEP 440 for Python packaging).
    pub form: Form,
    /// Whether the site moves with the others. A site outside the lock-step
    /// (`lockstep = false`, say a formula only the release workflow updates)
    /// is listed by `versions` but never blocks `verify` or `bump`, and
    /// `bump` leaves it alone.
    pub lockstep: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `version` in a Cargo manifest table: `package` or `workspace.package`.
    CargoManifest { table: String },
    /// The `version` of the named packages' entries in Cargo.lock.
    CargoLock { packages: Vec<String> },
    /// PEP 621 `[project].version`.
    Pyproject,
    /// package.json `.version`.
    PackageJson,
    /// package-lock.json `.version` and `.packages[""].version`.
    PackageLock,
    /// The string at a key path of any JSON file: `metadata.version`.
    Json { key: Vec<String> },
    /// The newest `## [X.Y.Z]` section of a Keep a Changelog file.
    Changelog,
    /// A Homebrew formula's `version` line and release-asset URLs.
    Homebrew,
    /// A literal pattern around `{version}`, found exactly `count` times.
    Pattern { pattern: String, count: usize },
}

impl Kind {
    /// The kind's name in the config: `cargo-manifest`.
    pub(crate) fn name(&self) -> &'static str {
        KINDS
            .iter()
            .find(|spec| (spec.is)(self))
            .map_or("?", |spec| spec.name)
    }

    /// The form a site of this kind uses unless the config says otherwise.
    fn default_form(&self) -> Form {
        match self {
            Kind::Pyproject => Form::Pep440,
            // Numbers only: the release part, or `X.Y` without `{patch}`.
            Kind::Pattern { pattern, .. } if has_parts(pattern) => match has_patch(pattern) {
                true => Form::Release,
                false => Form::Minor,
            },
            _ => Form::Semver,
        }
    }
}

/// A placeholder of a pattern: the whole version, or one of its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Version,
    Major,
    Minor,
    Patch,
}

const PLACEHOLDERS: [(&str, Part); 4] = [
    ("{version}", Part::Version),
    ("{major}", Part::Major),
    ("{minor}", Part::Minor),
    ("{patch}", Part::Patch),
];

/// The pattern as its leading text, then each placeholder with the text after it.
pub(crate) fn split(pattern: &str) -> (&str, Vec<(Part, &str)>) {
    let next = |text: &str| {
        PLACEHOLDERS
            .iter()
            .filter_map(|(name, part)| text.find(name).map(|at| (at, name.len(), *part)))
            .min_by_key(|(at, _, _)| *at)
    };
    let Some((at, len, part)) = next(pattern) else {
        return (pattern, Vec::new());
    };
    let lead = &pattern[..at];
    let mut parts = Vec::new();
    let (mut part, mut rest) = (part, &pattern[at + len..]);
    loop {
        match next(rest) {
            Some((at, len, following)) => {
                parts.push((part, &rest[..at]));
                (part, rest) = (following, &rest[at + len..]);
            }
            None => {
                parts.push((part, rest));
                break;
            }
        }
    }
    (lead, parts)
}

/// Whether the pattern holds the version as its numbers (`{major}` …).
pub(crate) fn has_parts(pattern: &str) -> bool {
    split(pattern).1.iter().any(|(p, _)| *p != Part::Version)
}

/// Whether the pattern holds `{patch}`.
fn has_patch(pattern: &str) -> bool {
    split(pattern).1.iter().any(|(p, _)| *p == Part::Patch)
}

/// What is wrong with a pattern, for the config to name: it holds
/// `{version}` exactly once, or instead `{major}` and `{minor}` once each
/// and `{patch}` at most once, each followed by some text but the last.
fn pattern_problem(pattern: &str) -> Option<&'static str> {
    let (_, parts) = split(pattern);
    let count = |part| parts.iter().filter(|(p, _)| *p == part).count();
    let version = count(Part::Version);
    let numbers = (count(Part::Major), count(Part::Minor), count(Part::Patch));
    if version == 1 && numbers == (0, 0, 0) {
        return None;
    }
    if version > 0 || numbers.0 + numbers.1 + numbers.2 == 0 {
        return Some(
            "must contain {version} exactly once, or instead {major}, {minor} and (optionally) {patch}",
        );
    }
    if numbers.0 != 1 || numbers.1 != 1 || numbers.2 > 1 {
        return Some(
            "must contain {major} and {minor} exactly once each, and {patch} at most once",
        );
    }
    if parts[..parts.len() - 1]
        .iter()
        .any(|(_, after)| after.is_empty())
    {
        return Some("must have some text between two placeholders");
    }
    None
}

/// One kind of site, as the config names it: its name, whether a [`Kind`]
/// is of it, and how its own keys are read (`at` is `site[3]`).
struct KindSpec {
    name: &'static str,
    is: fn(&Kind) -> bool,
    read: fn(&mut Fields<'_, '_>, &str) -> Option<Kind>,
}

/// Every kind of site: the one list `kind = "…"` is checked against, that
/// names a kind in messages, and that reads its keys.
const KINDS: [KindSpec; 9] = [
    KindSpec {
        name: "cargo-manifest",
        is: |k| matches!(k, Kind::CargoManifest { .. }),
        read: cargo_manifest,
    },
    KindSpec {
        name: "cargo-lock",
        is: |k| matches!(k, Kind::CargoLock { .. }),
        read: cargo_lock,
    },
    KindSpec {
        name: "pyproject",
        is: |k| matches!(k, Kind::Pyproject),
        read: |_, _| Some(Kind::Pyproject),
    },
    KindSpec {
        name: "package-json",
        is: |k| matches!(k, Kind::PackageJson),
        read: |_, _| Some(Kind::PackageJson),
    },
    KindSpec {
        name: "package-lock",
        is: |k| matches!(k, Kind::PackageLock),
        read: |_, _| Some(Kind::PackageLock),
    },
    KindSpec {
        name: "json",
        is: |k| matches!(k, Kind::Json { .. }),
        read: json,
    },
    KindSpec {
        name: "changelog",
        is: |k| matches!(k, Kind::Changelog),
        read: |_, _| Some(Kind::Changelog),
    },
    KindSpec {
        name: "homebrew",
        is: |k| matches!(k, Kind::Homebrew),
        read: |_, _| Some(Kind::Homebrew),
    },
    KindSpec {
        name: "pattern",
        is: |k| matches!(k, Kind::Pattern { .. }),
        read: pattern,
    },
];

fn cargo_manifest(fields: &mut Fields<'_, '_>, at: &str) -> Option<Kind> {
    let table = fields
        .string("table")
        .unwrap_or_else(|| "package".to_string());
    if table != "package" && table != "workspace.package" {
        fields.error(format!(
            "{at}.table = {table:?} must be \"package\" or \"workspace.package\""
        ));
    }
    Some(Kind::CargoManifest { table })
}

fn cargo_lock(fields: &mut Fields<'_, '_>, at: &str) -> Option<Kind> {
    let packages = fields.string_array("packages").unwrap_or_default();
    if packages.is_empty() {
        fields.error(format!(
            "{at}.packages must name the workspace packages whose lock entries carry the version"
        ));
    }
    Some(Kind::CargoLock { packages })
}

fn json(fields: &mut Fields<'_, '_>, at: &str) -> Option<Kind> {
    let key = fields.required_string("key");
    if let Some(k) = &key
        && k.split('.').any(str::is_empty)
    {
        fields.error(format!(
            "{at}.key = {k:?} must be a key path like \"metadata.version\""
        ));
    }
    key.map(|k| Kind::Json {
        key: k.split('.').map(String::from).collect(),
    })
}

fn pattern(fields: &mut Fields<'_, '_>, at: &str) -> Option<Kind> {
    let pattern = fields.required_string("pattern");
    let count = fields.integer("count").unwrap_or(1);
    if let Some(p) = &pattern
        && let Some(problem) = pattern_problem(p)
    {
        fields.error(format!("{at}.pattern = {p:?} {problem}"));
    }
    if count < 1 {
        fields.error(format!("{at}.count must be at least 1"));
    }
    pattern.map(|pattern| Kind::Pattern {
        pattern,
        count: count.max(1) as usize,
    })
}

pub(crate) fn site(table: &Table, at: &str, root: &Path, errors: &mut Vec<String>) -> Option<Site> {
    let mut fields = Fields::new(table, at, errors);
    let path = fields.required_string("path");
    let kind_name = fields.required_string("kind");
    let form = fields.string("form");
    let lockstep = fields.boolean("lockstep").unwrap_or(true);
    let kind = match kind_name.as_deref() {
        Some(name) => match KINDS.iter().find(|spec| spec.name == name) {
            Some(spec) => (spec.read)(&mut fields, at),
            None => {
                let names: Vec<&str> = KINDS.iter().map(|spec| spec.name).collect();
                fields.error(format!(
                    "{at}.kind = {name:?} is unknown; the kinds are {}",
                    names.join(", ")
                ));
                None
            }
        },
        None => None,
    };
    fields.finish();
    let (path, kind) = (path?, kind?);
    let form = match form.as_deref() {
        None => kind.default_form(),
        Some("semver") => Form::Semver,
        Some("pep440") => Form::Pep440,
        Some("release") => Form::Release,
        Some("minor") => Form::Minor,
        Some(other) => {
            errors.push(format!(
                "{at}.form = {other:?} must be \"semver\", \"pep440\", \"release\" or \"minor\""
            ));
            return None;
        }
    };
    if let Kind::Pattern { pattern, .. } = &kind
        && has_parts(pattern)
        && form != kind.default_form()
    {
        errors.push(format!(
            "{at}.form = {:?}: a pattern of {{major}}, {{minor}} and {{patch}} holds numbers only, so its form is {:?} (leave `form` out)",
            form.name(),
            kind.default_form().name()
        ));
        return None;
    }
    if let Some(problem) = outside_problem(root, &path) {
        errors.push(format!(
            "{at}.path = {path:?} {problem}, outside the repository: a site must be a file of this repository (relative to its root), and the xtask never reads or writes anything else"
        ));
        return None;
    }
    if root.join(&path).is_dir() {
        errors.push(format!("{at}.path = {path:?} is a directory, not a file"));
        return None;
    }
    if !root.join(&path).is_file() {
        errors.push(format!(
            "{at}.path = {path:?}: no such file in {}",
            root.display()
        ));
        return None;
    }
    Some(Site {
        path,
        kind,
        form,
        lockstep,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_once_and_knows_its_own() {
        let mut names: Vec<&str> = KINDS.iter().map(|spec| spec.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        let samples = [
            Kind::CargoManifest {
                table: "package".into(),
            },
            Kind::CargoLock {
                packages: vec!["a".into()],
            },
            Kind::Pyproject,
            Kind::PackageJson,
            Kind::PackageLock,
            Kind::Json {
                key: vec!["version".into()],
            },
            Kind::Changelog,
            Kind::Homebrew,
            Kind::Pattern {
                pattern: "{version}".into(),
                count: 1,
            },
        ];
        for (kind, spec) in samples.iter().zip(&KINDS) {
            assert_eq!(kind.name(), spec.name);
            assert_eq!(KINDS.iter().filter(|s| (s.is)(kind)).count(), 1);
        }
    }

    #[test]
    fn what_a_pattern_may_hold() {
        assert_eq!(pattern_problem("v{version}"), None);
        assert_eq!(pattern_problem("{major}.{minor}"), None);
        assert_eq!(pattern_problem("M={major} m={minor} p={patch};"), None);
        assert!(pattern_problem("{version} {major}").is_some());
        assert!(pattern_problem("{major} {major} {minor}").is_some());
        assert!(pattern_problem("{major}{minor}").is_some());
        assert!(pattern_problem("{patch}").is_some());
        assert!(pattern_problem("no placeholder").is_some());
        assert!(has_parts("{major}.{minor}") && !has_patch("{major}.{minor}"));
    }
}
