//! The release sections of a changelog, checked as a whole: one
//! `## [Unreleased]`, each version once, newest first, real dates.

use semver::Version;

/// What is wrong with the section headings of `text`, each with its line.
pub(crate) fn problems(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut unreleased: Vec<usize> = Vec::new();
    let mut versions: Vec<(Version, usize)> = Vec::new();
    let mut fence = false;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
            fence = !fence;
        }
        let Some(rest) = line.trim_end().strip_prefix("## [") else {
            continue;
        };
        let Some((name, tail)) = rest.split_once(']') else {
            continue;
        };
        if fence {
            continue;
        }
        if name == "Unreleased" {
            unreleased.push(number);
            continue;
        }
        let Ok(version) = Version::parse(name.trim_start_matches('v')) else {
            continue;
        };
        if let Some(date) = tail.trim().strip_prefix('-').map(str::trim)
            && !date.is_empty()
            && !crate::clock::is_date(date)
        {
            found.push((
                number,
                format!(
                    "`## [{name}]` is dated `{date}`, which is not a real date written YYYY-MM-DD"
                ),
            ));
        }
        if let Some((_, first)) = versions.iter().find(|(v, _)| *v == version) {
            found.push((
                number,
                format!("`## [{name}]` appears twice (lines {first} and {number}): keep one section per version"),
            ));
        } else if let Some((above, at)) = versions.last()
            && *above < version
        {
            found.push((
                number,
                format!("`## [{name}]` (line {number}) is below `## [{above}]` (line {at}): release sections go newest first"),
            ));
        }
        versions.push((version, number));
    }
    if unreleased.len() > 1 {
        let lines: Vec<String> = unreleased.iter().map(usize::to_string).collect();
        found.push((
            unreleased[1],
            format!(
                "`## [Unreleased]` appears {} times (lines {}): a bump moves only the first one's notes; merge them into one",
                unreleased.len(),
                lines.join(", ")
            ),
        ));
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn a_well_formed_changelog_has_no_problem() {
        let text = "# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-02-28\n\n## [1.0.0] - 2024-02-29\n\n```\n## [0.0.1] - 2026-13-45\n```\n";
        assert_eq!(problems(text), vec![]);
    }

    #[test]
    fn twice_out_of_order_and_impossible_dates_are_named() {
        let said =
            |text: &str| -> Vec<String> { problems(text).into_iter().map(|(_, m)| m).collect() };
        assert!(
            said("## [Unreleased]\n- a\n## [Unreleased]\n- b\n")[0]
                .contains("appears 2 times (lines 1, 3)")
        );
        assert!(
            said("## [1.0.0] - 2026-01-01\n## [1.1.0] - 2026-01-02\n")[0].contains("newest first")
        );
        assert!(
            said("## [1.0.0] - 2026-01-01\n## [1.0.0] - 2026-01-01\n")[0].contains("appears twice")
        );
        assert!(said("## [1.0.0] - 2026-13-45\n")[0].contains("not a real date"));
    }
}
