//! Literal-pattern sites: `{version}`, or its numbers `{major}`, `{minor}`
//! and `{patch}`, inside fixed text (which may span lines), found an exact
//! number of times.

use std::ops::Range;

use anyhow::{Result, bail};
use semver::Version;

use super::slot::Slot;
use crate::config::sites::split;
pub(crate) use crate::config::sites::{Part, has_parts};

/// Whether `c` can be part of a placeholder's token.
fn holds(part: Part, c: char) -> bool {
    match part {
        // Semver and PEP 440.
        Part::Version => c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'),
        _ => c.is_ascii_digit(),
    }
}

/// One match of a pattern: its slot (from the first placeholder to the
/// last) and where each placeholder's token is.
#[derive(Debug, Clone)]
pub(crate) struct Match {
    pub slot: Slot,
    pub parts: Vec<(Part, Range<usize>)>,
}

impl Match {
    /// The version the match holds as written: `0.25.0` for numbers on
    /// three lines, the token itself for `{version}`.
    pub(crate) fn raw(&self, text: &str) -> String {
        let number = |part: Part| {
            self.parts
                .iter()
                .find(|(p, _)| *p == part)
                .map(|(_, r)| &text[r.clone()])
        };
        match number(Part::Version) {
            Some(version) => version.to_string(),
            None => [Part::Major, Part::Minor, Part::Patch]
                .into_iter()
                .filter_map(number)
                .collect::<Vec<_>>()
                .join("."),
        }
    }
}

/// Every match of `pattern` in `text`; there must be `count`.
pub(crate) fn matches(text: &str, pattern: &str, count: usize) -> Result<Vec<Match>> {
    let (lead, placeholders) = split(pattern);
    if placeholders.is_empty() {
        bail!("the pattern `{pattern}` has no {{version}}");
    }
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(lead) {
        let start = from + at + lead.len();
        match match_at(text, start, &placeholders) {
            Some(parts) => {
                let (first, last) = (parts[0].1.start, parts[parts.len() - 1].1.end);
                let line = super::slot::line_of(text, first);
                found.push(Match {
                    slot: Slot {
                        label: format!("line {line}"),
                        range: first..last,
                    },
                    parts,
                });
                from = last;
            }
            None => from = start.max(from + at + 1),
        }
        if lead.is_empty() && from >= text.len() {
            break;
        }
    }
    if found.len() != count {
        bail!(
            "the pattern `{pattern}` matches {} times, the config expects {count}",
            found.len()
        );
    }
    Ok(found)
}

/// The placeholders' tokens from `start` on, each the shortest that the
/// text after it follows (that text may start like a token), or `None`.
fn match_at(
    text: &str,
    start: usize,
    placeholders: &[(Part, &str)],
) -> Option<Vec<(Part, Range<usize>)>> {
    let mut parts = Vec::with_capacity(placeholders.len());
    let mut at = start;
    for (part, after) in placeholders {
        let token_len = text[at..]
            .find(|c| !holds(*part, c))
            .unwrap_or(text.len() - at);
        let end = if after.is_empty() {
            Some(at + token_len).filter(|_| token_len > 0)
        } else {
            (1..=token_len)
                .map(|n| at + n)
                .find(|&end| text[end..].starts_with(after))
        }?;
        parts.push((*part, at..end));
        at = end + after.len();
    }
    Some(parts)
}

/// Every match of `pattern` as a slot; there must be `count`.
pub(crate) fn locate(text: &str, pattern: &str, count: usize) -> Result<Vec<Slot>> {
    Ok(matches(text, pattern, count)?
        .into_iter()
        .map(|m| m.slot)
        .collect())
}

/// `text` with each match's numbers set to `version`'s, byte for byte
/// around them.
pub(crate) fn write_parts(text: &str, found: &[Match], version: &Version) -> String {
    let mut edits: Vec<(Range<usize>, String)> = found
        .iter()
        .flat_map(|m| m.parts.iter())
        .map(|(part, range)| {
            let number = match part {
                Part::Major => version.major,
                Part::Minor => version.minor,
                Part::Patch => version.patch,
                Part::Version => unreachable!("a pattern holds {{version}} or its numbers"),
            };
            (range.clone(), number.to_string())
        })
        .collect();
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, new) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(&new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_match() {
        let text = "a __version__ = \"1.2.3\"\nb __version__ = \"1.2.3rc1\"\n";
        let slots = locate(text, "__version__ = \"{version}\"", 2).unwrap();
        assert_eq!(&text[slots[1].range.clone()], "1.2.3rc1");
        assert_eq!(slots[1].label, "line 2");
    }

    #[test]
    fn a_suffix_that_starts_like_a_version() {
        let text = "plasmite-0.1.0.tar.gz";
        let slots = locate(text, "plasmite-{version}.tar.gz", 1).unwrap();
        assert_eq!(&text[slots[0].range.clone()], "0.1.0");
    }

    #[test]
    fn count_must_match() {
        let err = locate("v=1.0.0 v=1.0.0", "v={version}", 1).unwrap_err();
        assert!(err.to_string().contains("matches 2 times"), "{err}");
    }

    #[test]
    fn numbers_on_separate_lines() {
        let text = "static const TSLanguage language = {\n  .version = 14,\n  .major_version = 0,\n  .minor_version = 25,\n  .patch_version = 0,\n};\n";
        let pattern =
            ".major_version = {major},\n  .minor_version = {minor},\n  .patch_version = {patch},";
        let found = matches(text, pattern, 1).unwrap();
        assert_eq!(found[0].raw(text), "0.25.0");
        assert_eq!(found[0].slot.label, "line 3");
        let out = write_parts(text, &found, &Version::new(0, 26, 1));
        assert_eq!(
            out,
            text.replace("= 25", "= 26")
                .replace("patch_version = 0", "patch_version = 1")
        );
    }
}
