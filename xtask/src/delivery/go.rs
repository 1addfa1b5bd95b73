//! The Go module proxy: it serves `<module>/@v/vX.Y.Z.info` for the Go
//! binding's module path (from its `go.mod`), which the nested tag
//! `<dir>/vX.Y.Z` makes a version of.

use std::path::Path;
use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Context, Miss, get_ok};
use crate::config::distribution::Key;

/// The `module` line of a `go.mod`.
pub(super) fn module_path(go_mod: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("module")?;
        let path = rest.trim().trim_matches('"');
        (!path.is_empty() && rest.starts_with(char::is_whitespace)).then(|| path.to_string())
    })
}

/// A module path as the proxy protocol writes it: each capital letter is
/// `!` and its lower case (`github.com/Foo` is `github.com/!foo`).
pub(super) fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The Go module proxy serves the binding's module at the version.
pub(super) fn probe(p: &Context<'_>) -> Result<String, Miss> {
    let d = p.delivery;
    let dir = p.value(Key::GoModule)?;
    Ok(lookup(
        &p.shell()?,
        &d.go_proxy,
        p.root,
        dir,
        p.version,
        d.request_timeout,
    )?)
}

/// Checks that the proxy serves the module at `version`.
fn lookup(
    sh: &Shell,
    proxy: &str,
    root: &Path,
    module_dir: &str,
    version: &Version,
    timeout: Duration,
) -> Result<String, String> {
    let dir = module_dir.trim_end_matches('/');
    let go_mod = std::fs::read_to_string(root.join(dir).join("go.mod"))
        .map_err(|e| format!("cannot read {dir}/go.mod: {e}"))?;
    let module = module_path(&go_mod).ok_or_else(|| format!("{dir}/go.mod has no module line"))?;
    let wanted = format!("v{version}");
    let url = format!("{proxy}/{}/@v/{wanted}.info", escape(&module));
    let body = get_ok(sh, &url, Some("application/json"), timeout, || {
        format!(
            "the Go module proxy has no {module} {wanted} yet (is the tag {dir}/{wanted} pushed?)"
        )
    })?;
    let info: serde_json::Value = serde_json::from_str(&body)
        .map_err(|e| format!("the Go module proxy's answer for {module} is not JSON: {e}"))?;
    match info["Version"].as_str() {
        Some(v) if v == wanted => Ok(format!(
            "{module} {wanted} is on the Go module proxy (tag {dir}/{wanted})"
        )),
        other => Err(format!(
            "the Go module proxy answered {} for {module} {wanted}",
            other.unwrap_or("no Version")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_escapes_the_module_path() {
        let go_mod = "// comment\nmodule github.com/Plasmite/plasmite/bindings/go\n\ngo 1.22\n";
        let path = module_path(go_mod).unwrap();
        assert_eq!(path, "github.com/Plasmite/plasmite/bindings/go");
        assert_eq!(escape(&path), "github.com/!plasmite/plasmite/bindings/go");
        assert_eq!(module_path("go 1.22\n"), None);
        assert_eq!(module_path("modules x\n"), None);
    }
}
