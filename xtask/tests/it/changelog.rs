//! `cargo xtask changelog`: one version's notes, or an error naming the fix.

use crate::support::TempRepo;

#[test]
fn prints_the_notes_of_a_version() {
    let repo = TempRepo::new("lockstep/in");
    for version in ["1.4.2", "v1.4.2"] {
        let run = repo.xtask(&["changelog", version]);
        assert_eq!(run.success().stdout, "### Added\n\n- Everything.\n");
    }
}

#[test]
fn a_missing_or_empty_section_is_an_error() {
    let repo = TempRepo::new("lockstep/in");
    let run = repo.xtask(&["changelog", "9.9.9"]);
    run.failure(1);
    assert!(
        run.stderr
            .contains("CHANGELOG.md has no section `## [9.9.9]`"),
        "{}",
        run.stderr
    );
    repo.write(
        "CHANGELOG.md",
        &repo
            .read("CHANGELOG.md")
            .replace("### Added\n\n- Everything.\n", ""),
    );
    let run = repo.xtask(&["changelog", "1.4.2"]);
    run.failure(1);
    assert!(
        run.stderr
            .contains("the section `## [1.4.2]` of CHANGELOG.md is empty"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    repo.xtask(&["changelog", "one"]).failure(2);
    repo.write("CHANGELOG.md.bak", "");
    std::fs::remove_file(repo.path("CHANGELOG.md")).unwrap();
    // The config names a file that is gone: an invalid config, exit 2.
    repo.xtask(&["changelog", "1.4.2"]).failure(2);
}
