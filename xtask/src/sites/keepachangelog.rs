//! The changelog (Keep a Changelog): its newest release section, and the
//! rollover that turns `[Unreleased]` into a dated release section.

use anyhow::{Result, bail};

use super::slot::{Slot, Target};

pub(crate) const UNRELEASED: &str = "## [Unreleased]";

/// A `## [X]` heading: the text between the brackets, and the byte range of it.
fn heading(line: &str, offset: usize) -> Option<(&str, std::ops::Range<usize>)> {
    let rest = line.strip_prefix("## [")?;
    let end = rest.find(']')?;
    let start = offset + 4;
    Some((&rest[..end], start..start + end))
}

/// Lines with their byte offsets, line endings kept.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive('\n').scan(0, |at, line| {
        let start = *at;
        *at += line.len();
        Some((start, line))
    })
}

/// The version of the newest release section (the first `## [X.Y.Z]` that is not Unreleased).
pub(crate) fn locate(text: &str) -> Result<Slot> {
    for (offset, line) in lines(text) {
        if let Some((name, range)) = heading(line, offset)
            && name != "Unreleased"
        {
            let line = super::slot::line_of(text, offset);
            return Ok(Slot {
                label: format!("## [{name}] (line {line})"),
                range,
            });
        }
    }
    bail!("no release section `## [X.Y.Z] - YYYY-MM-DD`")
}

/// Whether the changelog has a `## [Unreleased]` heading.
pub(crate) fn has_unreleased(text: &str) -> bool {
    lines(text).any(|(_, line)| line.trim_end() == UNRELEASED)
}

/// The body of the section `## [name]`, without its heading, if there is one.
pub(crate) fn section<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let mut start = None;
    for (offset, line) in lines(text) {
        let is_heading = line.starts_with("## ") || is_link_reference(line);
        match (start, heading(line, offset)) {
            (None, Some((found, _))) if found == name => start = Some(offset + line.len()),
            (Some(begin), _) if is_heading => return Some(&text[begin..offset]),
            _ => {}
        }
    }
    start.map(|begin| &text[begin..])
}

/// `[0.1.0]: https://…` lines at the foot of the file.
fn is_link_reference(line: &str) -> bool {
    line.starts_with('[') && line.contains("]: ")
}

/// Moves the `[Unreleased]` body under `## [new] - today`, leaves a fresh empty
/// `[Unreleased]` above it, and updates compare links if the file has them.
pub(crate) fn roll(text: &str, new: &str, target: &Target<'_>) -> Result<String> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let old = &text[locate(text)?.range];
    if section(text, new).is_some() {
        bail!("already has a section ## [{new}]");
    }
    let all: Vec<(usize, &str)> = lines(text).collect();
    let Some(u) = all
        .iter()
        .position(|(_, line)| line.trim_end() == UNRELEASED)
    else {
        bail!("no `{UNRELEASED}` heading: add one above the newest release");
    };
    let next = all[u + 1..]
        .iter()
        .position(|(_, line)| line.starts_with("## ") || is_link_reference(line))
        .map_or(all.len(), |i| u + 1 + i);
    let body: Vec<&str> = all[u + 1..next]
        .iter()
        .map(|(_, l)| *l)
        .skip_while(|l| l.trim().is_empty())
        .collect();

    let mut out = String::with_capacity(text.len() + 64);
    for (_, line) in &all[..u] {
        out.push_str(line);
    }
    out.push_str(UNRELEASED);
    out.push_str(eol);
    out.push_str(eol);
    out.push_str(&format!("## [{new}] - {}{eol}", target.today));
    if !body.is_empty() {
        out.push_str(eol);
        for line in &body {
            out.push_str(line);
        }
    } else if next < all.len() {
        out.push_str(eol);
    }
    if next < all.len() && !out.ends_with('\n') {
        out.push_str(eol);
    }
    let tag = |v: &str| target.tag_format.replace("{version}", v);
    for (_, line) in &all[next..] {
        match line.strip_prefix("[Unreleased]: ") {
            Some(url) if url.contains(&format!("{}...", tag(old))) => {
                let url_end = url.trim_end();
                out.push_str(&format!(
                    "[Unreleased]: {}{}",
                    url_end.replace(&tag(old), &tag(new)),
                    eol
                ));
                let compare = url_end.replace(
                    &format!("{}...HEAD", tag(old)),
                    &format!("{}...{}", tag(old), tag(new)),
                );
                out.push_str(&format!("[{new}]: {compare}"));
                out.push_str(&line[url.trim_end().len() + "[Unreleased]: ".len()..]);
            }
            _ => out.push_str(line),
        }
    }
    if !text.ends_with('\n') && out.ends_with(eol) {
        out.truncate(out.len() - eol.len());
    }
    Ok(out)
}

/// The notes of `version` in the changelog text at `path`: its section body, trimmed.
pub(crate) fn notes<'a>(text: &'a str, path: &str, version: &semver::Version) -> Result<&'a str> {
    let Some(body) = section(text, &version.to_string()) else {
        bail!(
            "{path} has no section `## [{version}]`: run `cargo xtask bump {version}` to create it from `## [Unreleased]`"
        );
    };
    let body = body.trim();
    if body.is_empty() {
        bail!(
            "the section `## [{version}]` of {path} is empty: write its release notes there before releasing"
        );
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target<'a>(version: &'a semver::Version) -> Target<'a> {
        Target {
            version,
            tag_format: "v{version}",
            today: "2026-11-26",
        }
    }

    #[test]
    fn rollover_moves_the_unreleased_body() {
        let v = semver::Version::parse("0.2.0").unwrap();
        let text = "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- x\n\n## [0.1.0] - 2026-01-01\n\n- first\n\n[Unreleased]: https://h/o/r/compare/v0.1.0...HEAD\n[0.1.0]: https://h/o/r/releases/tag/v0.1.0\n";
        let out = roll(text, "0.2.0", &target(&v)).unwrap();
        assert_eq!(
            out,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-26\n\n### Added\n\n- x\n\n## [0.1.0] - 2026-01-01\n\n- first\n\n[Unreleased]: https://h/o/r/compare/v0.2.0...HEAD\n[0.2.0]: https://h/o/r/compare/v0.1.0...v0.2.0\n[0.1.0]: https://h/o/r/releases/tag/v0.1.0\n"
        );
        assert_eq!(section(&out, "0.2.0").unwrap(), "\n### Added\n\n- x\n\n");
        assert_eq!(section(&out, "Unreleased").unwrap(), "\n");
    }

    #[test]
    fn rollover_keeps_crlf_and_a_missing_final_newline() {
        let v = semver::Version::parse("0.2.0").unwrap();
        let text = "## [Unreleased]\r\n- x\r\n\r\n## [0.1.0] - 2026-01-01\r\n- first";
        let out = roll(text, "0.2.0", &target(&v)).unwrap();
        assert_eq!(
            out,
            "## [Unreleased]\r\n\r\n## [0.2.0] - 2026-11-26\r\n\r\n- x\r\n\r\n## [0.1.0] - 2026-01-01\r\n- first"
        );
    }

    #[test]
    fn refuses_a_section_that_exists() {
        let v = semver::Version::parse("0.2.0").unwrap();
        let text = "## [Unreleased]\n\n## [0.2.0] - 2026-01-02\n\n## [0.1.0] - 2026-01-01\n";
        assert!(roll(text, "0.2.0", &target(&v)).is_err());
    }

    #[test]
    fn finds_trims_and_refuses() {
        let text = "# C\n\n## [Unreleased]\n\n## [0.2.0] - 2026-01-01\n\n## [0.1.0] - 2025-01-01\n\n- first\n\n[0.1.0]: https://x\n";
        let v = |s| semver::Version::parse(s).unwrap();
        assert_eq!(notes(text, "C.md", &v("0.1.0")).unwrap(), "- first");
        let empty = notes(text, "C.md", &v("0.2.0")).unwrap_err().to_string();
        assert!(empty.contains("is empty"), "{empty}");
        let missing = notes(text, "C.md", &v("0.3.0")).unwrap_err().to_string();
        assert!(missing.contains("no section `## [0.3.0]`"), "{missing}");
    }
}
