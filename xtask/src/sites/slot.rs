//! A version token's place in a file (a [`Slot`]), and what a rewrite moves
//! it to: shared by every kind of site.

use std::ops::Range;

use semver::Version;

/// One version token in a file: where it is and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slot {
    /// Where in the file, for messages: `[package].version`, `.packages[""].version`.
    pub label: String,
    /// The token's byte range, without quotes.
    pub range: Range<usize>,
}

/// What a rewrite needs besides the file: the target, the tag format, the date.
pub(crate) struct Target<'a> {
    pub version: &'a Version,
    pub tag_format: &'a str,
    /// `YYYY-MM-DD`, for the changelog's new section.
    pub today: &'a str,
}

/// Replaces every slot's range with `new`.
pub(crate) fn replace_slots(text: &str, slots: &[Slot], new: &str) -> String {
    let mut ranges: Vec<&Range<usize>> = slots.iter().map(|s| &s.range).collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len() + slots.len() * new.len());
    let mut at = 0;
    for range in ranges {
        out.push_str(&text[at..range.start]);
        out.push_str(new);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The 1-based line of byte offset `at`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}
