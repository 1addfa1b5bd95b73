//! crates.io: the crate's sparse index entry lists the version (and it is not
//! yanked); with a built `.crate`, the entry's `cksum` is that file's sha256.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Built, Context, Miss, get_ok};
use crate::config::distribution::Key;

/// The sparse index path of a crate: `1/a`, `2/ab`, `3/a/abc`, `se/rd/serde`.
pub(super) fn index_path(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// Whether the index entry (one JSON object per line) holds `version`, unyanked.
pub(super) fn find(entry: &str, name: &str, version: &Version) -> Result<String, String> {
    let wanted = version.to_string();
    let mut listed = Vec::new();
    for line in entry.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(line) else {
            return Err(format!(
                "the index entry of {name} has a line that is not JSON"
            ));
        };
        let vers = doc["vers"].as_str().unwrap_or_default();
        if vers == wanted {
            if doc["yanked"].as_bool() == Some(true) {
                return Err(format!("{name} {wanted} is in the sparse index but yanked"));
            }
            return Ok(format!("{name} {wanted} is in the crates.io index"));
        }
        listed.push(vers.to_string());
    }
    let newest = listed
        .last()
        .map_or("nothing".to_string(), |v| format!("up to {v}"));
    Err(format!(
        "{name} {wanted} is not in the sparse index yet (it lists {newest})"
    ))
}

/// The crate's sparse index entry holds the version (and, with `--artifact`,
/// the very `.crate` file the build made).
pub(super) fn probe(p: &Context<'_>) -> Result<String, Miss> {
    let d = p.delivery;
    let name = p.value(Key::Crate)?;
    lookup(
        &p.shell()?,
        &d.crates_index,
        name,
        p.version,
        p.built,
        d.request_timeout,
    )
}

fn lookup(
    sh: &Shell,
    index: &str,
    name: &str,
    version: &Version,
    built: &[Built],
    timeout: Duration,
) -> Result<String, Miss> {
    let url = format!("{index}/{}", index_path(name));
    let body = get_ok(sh, &url, None, timeout, || {
        format!("crate {name} is not in the sparse index")
    })?;
    let found = find(&body, name, version)?;
    match built.iter().find(|b| b.name.ends_with(".crate")) {
        None => Ok(found),
        Some(crate_file) => compare(&body, name, version, crate_file),
    }
}

/// The index entry's `cksum` of `version` must be the built `.crate`'s sha256.
pub(super) fn compare(
    entry: &str,
    name: &str,
    version: &Version,
    built: &Built,
) -> Result<String, Miss> {
    let wanted = version.to_string();
    let cksum = entry
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|doc| doc["vers"] == wanted.as_str())
        .and_then(|doc| doc["cksum"].as_str().map(String::from))
        .unwrap_or_default();
    if cksum == built.sha256 {
        return Ok(format!(
            "{name} {wanted} is in the crates.io index, with the checksum of {}",
            built.name
        ));
    }
    Err(Miss::Differs(format!(
        "crates.io's {name} {wanted} has checksum {}, but this build's {} has {}: it is not this release; publish under another version (or crate name), never over it",
        if cksum.is_empty() { "(none)" } else { &cksum },
        built.name,
        built.sha256
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("Serde"), "se/rd/serde");
    }

    #[test]
    fn finds_and_refuses_yanked() {
        let v = Version::parse("1.0.1").unwrap();
        let entry = "{\"name\":\"x\",\"vers\":\"1.0.0\"}\n{\"name\":\"x\",\"vers\":\"1.0.1\",\"yanked\":false}\n";
        assert!(find(entry, "x", &v).is_ok());
        let yanked = entry.replace("\"yanked\":false", "\"yanked\":true");
        assert!(find(&yanked, "x", &v).unwrap_err().contains("yanked"));
        let old = find("{\"vers\":\"1.0.0\"}\n", "x", &v).unwrap_err();
        assert!(old.contains("lists up to 1.0.0"), "{old}");
    }

    #[test]
    fn compares_the_checksum_of_the_version() {
        let v = Version::parse("1.0.1").unwrap();
        let entry =
            "{\"vers\":\"1.0.0\",\"cksum\":\"aa\"}\n{\"vers\":\"1.0.1\",\"cksum\":\"bb\"}\n";
        let built = |sha: &str| Built {
            name: "x-1.0.1.crate".into(),
            sha256: sha.into(),
        };
        assert!(compare(entry, "x", &v, &built("bb")).is_ok());
        let Err(Miss::Differs(why)) = compare(entry, "x", &v, &built("aa")) else {
            panic!("another checksum is a mismatch");
        };
        assert!(
            why.contains("has checksum bb") && why.contains("has aa"),
            "{why}"
        );
    }
}
