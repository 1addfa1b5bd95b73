//! The release config (`release/config.toml`): read strictly, so a typo or a
//! stale path is an error that names the file and the key.

use std::path::Path;

use anyhow::{Result, bail};
use toml_edit::{DocumentMut, Item, Table};

use crate::version::Form;
use crate::versions::{Kind, Site};

/// Where the config lives, relative to the repository root.
pub const PATH: &str = "release/config.toml";

#[derive(Debug, Clone)]
pub struct Config {
    /// How a version becomes a tag: `v{version}`.
    pub tag_format: String,
    /// Every place the lock-step version lives; the first is the primary one.
    pub sites: Vec<Site>,
    /// `[assets]`, `[[target]]`, `[homebrew]`, `[delivery]`: see `distribution.rs`.
    pub distribution: crate::distribution::Distribution,
    /// `[git]`, `[release]` and `[[gate]]`: how a release is checked and made.
    pub release: crate::release::settings::Settings,
    /// Whether the file has a `[release]` section: the workflow drift checks
    /// run only then.
    pub has_release: bool,
    /// `[verify]`: the documents the drift checks read, and what they hold them to.
    pub verify: crate::drift::settings::Settings,
}

impl Config {
    /// Reads and validates the config of the repository at `root`.
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join(PATH);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) => bail!(
                "cannot read {PATH} in {}: {err}; every repository the xtask releases declares its version sites there (see docs/config.md)",
                root.display()
            ),
        };
        Config::parse(&text, root)
    }

    /// Parses config text; file checks are made against `root`.
    pub fn parse(text: &str, root: &Path) -> Result<Config> {
        let doc: DocumentMut = text
            .parse()
            .map_err(|err| anyhow::anyhow!("{PATH} is not valid TOML: {err}"))?;
        let mut errors = Vec::new();
        let mut top = Fields::new(doc.as_table(), "", &mut errors);
        let tag_format = top
            .string("tag_format")
            .unwrap_or_else(|| "v{version}".to_string());
        let site_tables = top.array_of_tables("site");
        let distribution = crate::distribution::parse(&mut top);
        let release_tables = crate::release::settings::Tables::take(&mut top);
        let verify_table = top.table("verify");
        top.finish();
        let has_release = doc.get("release").is_some();
        let verify = crate::drift::settings::parse(verify_table, root, &mut errors);
        let release = crate::release::settings::parse(&release_tables, &mut errors);
        if !tag_format.contains("{version}") {
            errors.push(format!(
                "tag_format = {tag_format:?} must contain {{version}}"
            ));
        }
        let mut sites = Vec::new();
        for (i, table) in site_tables.iter().enumerate() {
            if let Some(site) = site(table, &format!("site[{i}]"), root, &mut errors) {
                sites.push(site);
            }
        }
        if site_tables.is_empty() {
            errors.push("no [[site]] declared: list every file that holds the version".to_string());
        }
        if let Some(first) = sites.first() {
            if !first.lockstep {
                errors.push(format!(
                    "site[0] ({}) is the primary site, so it cannot have lockstep = false: list a lock-step site first",
                    first.path
                ));
            }
        }
        if !errors.is_empty() {
            bail!("{PATH} is invalid:\n  - {}", errors.join("\n  - "));
        }
        Ok(Config {
            tag_format,
            sites,
            distribution,
            release,
            has_release,
            verify,
        })
    }

    /// The tag for `version`: `v0.3.0`.
    pub fn tag(&self, version: &semver::Version) -> String {
        self.tag_format.replace("{version}", &version.to_string())
    }
}

fn site(table: &Table, at: &str, root: &Path, errors: &mut Vec<String>) -> Option<Site> {
    let mut fields = Fields::new(table, at, errors);
    let path = fields.required_string("path");
    let kind_name = fields.required_string("kind");
    let form = fields.string("form");
    let lockstep = fields.boolean("lockstep").unwrap_or(true);
    let kind = match kind_name.as_deref() {
        Some("cargo-manifest") => {
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
        Some("cargo-lock") => {
            let packages = fields.string_array("packages").unwrap_or_default();
            if packages.is_empty() {
                fields.error(format!("{at}.packages must name the workspace packages whose lock entries carry the version"));
            }
            Some(Kind::CargoLock { packages })
        }
        Some("pyproject") => Some(Kind::Pyproject),
        Some("package-json") => Some(Kind::PackageJson),
        Some("package-lock") => Some(Kind::PackageLock),
        Some("json") => {
            let key = fields.required_string("key");
            if let Some(k) = &key {
                if k.split('.').any(str::is_empty) {
                    fields.error(format!(
                        "{at}.key = {k:?} must be a key path like \"metadata.version\""
                    ));
                }
            }
            key.map(|k| Kind::Json {
                key: k.split('.').map(String::from).collect(),
            })
        }
        Some("changelog") => Some(Kind::Changelog),
        Some("homebrew") => Some(Kind::Homebrew),
        Some("pattern") => {
            let pattern = fields.required_string("pattern");
            let count = fields.integer("count").unwrap_or(1);
            if let Some(p) = &pattern {
                if p.matches("{version}").count() != 1 {
                    fields.error(format!(
                        "{at}.pattern = {p:?} must contain {{version}} exactly once"
                    ));
                }
            }
            if count < 1 {
                fields.error(format!("{at}.count must be at least 1"));
            }
            pattern.map(|pattern| Kind::Pattern {
                pattern,
                count: count.max(1) as usize,
            })
        }
        Some(other) => {
            fields.error(format!(
                "{at}.kind = {other:?} is unknown; the kinds are {}",
                Kind::NAMES.join(", ")
            ));
            None
        }
        None => None,
    };
    fields.finish();
    let (path, kind) = (path?, kind?);
    let form = match form.as_deref() {
        None => kind.default_form(),
        Some("semver") => Form::Semver,
        Some("pep440") => Form::Pep440,
        Some("release") => Form::Release,
        Some(other) => {
            errors.push(format!(
                "{at}.form = {other:?} must be \"semver\", \"pep440\" or \"release\""
            ));
            return None;
        }
    };
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

/// Reads a table's keys one by one and reports the ones nobody asked for.
pub struct Fields<'a, 'e> {
    table: &'a Table,
    at: String,
    seen: Vec<&'static str>,
    errors: &'e mut Vec<String>,
}

impl<'a, 'e> Fields<'a, 'e> {
    pub fn new(table: &'a Table, at: &str, errors: &'e mut Vec<String>) -> Fields<'a, 'e> {
        Fields {
            table,
            at: at.to_string(),
            seen: Vec::new(),
            errors,
        }
    }

    fn key(&self, key: &str) -> String {
        if self.at.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.at)
        }
    }

    pub fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Item> {
        self.seen.push(key);
        self.table.get(key)
    }

    pub fn string(&mut self, key: &'static str) -> Option<String> {
        let item = self.get(key)?;
        match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                let name = self.key(key);
                self.error(format!("{name} must be a string"));
                None
            }
        }
    }

    pub fn required_string(&mut self, key: &'static str) -> Option<String> {
        let value = self.string(key);
        if value.is_none() && self.table.get(key).is_none() {
            let name = self.key(key);
            self.error(format!("{name} is missing"));
        }
        value
    }

    pub fn boolean(&mut self, key: &'static str) -> Option<bool> {
        let item = self.get(key)?;
        let value = item.as_bool();
        if value.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be true or false"));
        }
        value
    }

    pub fn integer(&mut self, key: &'static str) -> Option<i64> {
        let item = self.get(key)?;
        let value = item.as_integer();
        if value.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be an integer"));
        }
        value
    }

    pub fn string_array(&mut self, key: &'static str) -> Option<Vec<String>> {
        let item = self.get(key)?;
        let values: Option<Vec<String>> = item
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(String::from)).collect());
        if values.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be an array of strings"));
        }
        values
    }

    /// A sub-table such as `[git]`; absent is `None`.
    pub fn table(&mut self, key: &'static str) -> Option<&'a Table> {
        let item = self.get(key)?;
        let table = item.as_table();
        if table.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be a table [{name}]"));
        }
        table
    }

    /// An array of tables such as `[[site]]`; absent is empty.
    pub fn array_of_tables(&mut self, key: &'static str) -> Vec<&'a Table> {
        let Some(item) = self.get(key) else {
            return Vec::new();
        };
        match item.as_array_of_tables() {
            Some(tables) => tables.iter().collect(),
            None => {
                let name = self.key(key);
                self.error(format!("{name} must be an array of tables [[{name}]]"));
                Vec::new()
            }
        }
    }

    /// Reports every key that was not read.
    pub fn finish(self) {
        for (key, _) in self.table.iter() {
            if !self.seen.contains(&key) {
                let name = if self.at.is_empty() {
                    key.to_string()
                } else {
                    format!("{}.{key}", self.at)
                };
                self.errors.push(format!("unknown key `{name}`"));
            }
        }
    }
}

/// A duration in config or on the command line: `90s`, `5m`, `1h`, `250ms`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let Ok(n) = number.parse::<u64>() else {
        bail!("`{text}` is not a duration like 90s, 5m or 1h")
    };
    let secs = match unit {
        "ms" => return Ok(std::time::Duration::from_millis(n)),
        "s" | "" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => bail!("`{text}` is not a duration like 90s, 5m or 1h"),
    };
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> String {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        Config::parse(text, root).unwrap_err().to_string()
    }

    #[test]
    fn unknown_keys_and_kinds_are_named() {
        let err = errors(
            "tag_fromat = \"v{version}\"\n[[site]]\npath = \"Cargo.toml\"\nkind = \"cargo-manifest\"\nfile = \"x\"\n[[site]]\npath = \"Cargo.toml\"\nkind = \"cargo\"\n",
        );
        assert!(err.contains("unknown key `tag_fromat`"), "{err}");
        assert!(err.contains("unknown key `site[0].file`"), "{err}");
        assert!(err.contains("site[1].kind = \"cargo\" is unknown"), "{err}");
    }

    #[test]
    fn missing_files_and_keys_are_named() {
        let err = errors(
            "[[site]]\npath = \"nope/Cargo.toml\"\nkind = \"cargo-manifest\"\n[[site]]\nkind = \"pattern\"\n",
        );
        assert!(
            err.contains("site[0].path = \"nope/Cargo.toml\": no such file"),
            "{err}"
        );
        assert!(err.contains("site[1].path is missing"), "{err}");
        assert!(err.contains("site[1].pattern is missing"), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("5m").unwrap().as_secs(), 300);
        assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
        assert!(parse_duration("soon").is_err());
    }
}
