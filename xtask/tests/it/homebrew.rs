//! `cargo xtask homebrew`: the formula moves to a release all or nothing, and every error leaves it untouched.

use crate::support::{Run, TempRepo, fixtures};

fn repo() -> TempRepo {
    let repo = TempRepo::new("lockstep/in");
    let extra = std::fs::read_to_string(fixtures().join("distribution/config.toml")).unwrap();
    let config =
        repo.read("release/config.toml") + &extra.replace("{server}", "http://127.0.0.1:9");
    repo.write("release/config.toml", &config);
    repo.git(&["commit", "--quiet", "--all", "-m", "distribution"]);
    let sums = std::fs::read_to_string(fixtures().join("homebrew/sha256sums-1.5.0.txt")).unwrap();
    repo.write("sha256sums.txt", &sums);
    repo
}

const FORMULA: &str = "homebrew/fixture.rb";

/// Runs `homebrew v1.5.0` and asserts it failed naming `needle`, with the formula unchanged.
fn refuses(repo: &TempRepo, args: &[&str], needle: &str) -> Run {
    let before = repo.read(FORMULA);
    let run = repo.xtask(args);
    run.failure(1);
    assert!(
        run.stderr.contains(needle),
        "{needle} not in:\n{}",
        run.stderr
    );
    assert_eq!(repo.read(FORMULA), before, "the formula changed");
    run
}

#[test]
fn rewrites_version_urls_and_sha256s() {
    let repo = repo();
    let run = repo.xtask(&["homebrew", "v1.5.0", "--sha256sums", "sha256sums.txt"]);
    run.success();
    let expected = std::fs::read_to_string(fixtures().join("homebrew/fixture-1.5.0.rb")).unwrap();
    assert_eq!(repo.read(FORMULA), expected);
    assert!(
        run.stdout.contains("now points at v1.5.0 (2 platforms)"),
        "{}",
        run.stdout
    );
    // Again: nothing to do.
    let again = repo.xtask(&["homebrew", "v1.5.0", "--sha256sums", "sha256sums.txt"]);
    assert!(
        again.success().stdout.contains("already pointed"),
        "{}",
        again.stdout
    );
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let repo = repo();
    let before = repo.snapshot();
    let run = repo.xtask(&[
        "homebrew",
        "v1.5.0",
        "--sha256sums",
        "sha256sums.txt",
        "--dry-run",
    ]);
    run.success();
    assert!(
        run.stdout.contains("+  version \"1.5.0\""),
        "{}",
        run.stdout
    );
    crate::support::assert_same_tree(&repo.snapshot(), &before);
}

#[test]
fn a_formula_elsewhere_is_rewritten_in_place() {
    let repo = repo();
    let tap = repo.dir.parent().unwrap().join("tap/Formula");
    std::fs::create_dir_all(&tap).unwrap();
    std::fs::write(tap.join("fixture.rb"), repo.read(FORMULA)).unwrap();
    let formula = tap.join("fixture.rb");
    let args = [
        "homebrew",
        "1.5.0",
        "--sha256sums",
        "sha256sums.txt",
        "--formula",
        formula.to_str().unwrap(),
    ];
    repo.xtask(&args).success();
    let expected = std::fs::read_to_string(fixtures().join("homebrew/fixture-1.5.0.rb")).unwrap();
    assert_eq!(std::fs::read_to_string(&formula).unwrap(), expected);
    assert_eq!(
        repo.read(FORMULA),
        std::fs::read_to_string(fixtures().join("lockstep/in/homebrew/fixture.rb")).unwrap()
    );
}

#[test]
fn a_platform_missing_from_the_sums_is_an_error() {
    let repo = repo();
    let sums = repo.read("sha256sums.txt");
    repo.write(
        "sha256sums.txt",
        &sums
            .lines()
            .filter(|l| !l.contains("linux"))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    refuses(
        &repo,
        &["homebrew", "v1.5.0", "--sha256sums", "sha256sums.txt"],
        "the sums file has no line for fixture_1.5.0_linux-x86_64.tar.gz (platform linux-x86_64)",
    );
}

#[test]
fn every_other_error_leaves_the_formula_untouched() {
    let repo = repo();
    let args = ["homebrew", "v1.5.0", "--sha256sums", "sha256sums.txt"];
    // A malformed sums file.
    repo.write("sha256sums.txt", "abc  fixture_1.5.0_linux-x86_64.tar.gz\n");
    refuses(&repo, &args, "line 1: expected `<sha256>  <file>`");
    // No sums file at all.
    refuses(
        &repo,
        &["homebrew", "v1.5.0", "--sha256sums", "nope.txt"],
        "cannot read the sums file nope.txt",
    );
    let repo = self::repo();
    let formula = repo.read(FORMULA);
    // A url without its sha256 line.
    repo.write(
        FORMULA,
        &formula.replacen("    sha256 \"2222", "    # sha256 \"2222", 1),
    );
    refuses(
        &repo,
        &args,
        "the `url` of platform linux-x86_64 is not followed by a `sha256",
    );
    // Two urls for one platform.
    repo.write(FORMULA, &formula.replace("  on_linux do\n", "  on_linux do\n    url \"https://github.com/example/fixture/releases/download/v1.4.2/fixture_1.4.2_linux-x86_64.tar.gz\"\n"));
    refuses(
        &repo,
        &args,
        "the formula has 2 `url` lines for platform linux-x86_64",
    );
    // No url for a configured platform.
    repo.write(
        FORMULA,
        &formula.replace("_macos-arm64.tar.gz", "_macos-x86_64.tar.gz"),
    );
    refuses(
        &repo,
        &args,
        "the formula has 0 `url` lines for platform macos-arm64",
    );
    // No version line.
    repo.write(FORMULA, &formula.replace("  version \"1.4.2\"\n", ""));
    refuses(&repo, &args, "the formula has no `version \"X.Y.Z\"` line");
    // A malformed version argument is a usage error.
    repo.write(FORMULA, &formula);
    repo.xtask(&["homebrew", "v1.5", "--sha256sums", "sha256sums.txt"])
        .failure(2);
}

#[test]
fn a_config_without_homebrew_is_an_error() {
    let repo = TempRepo::new("lockstep/in");
    repo.write("sha256sums.txt", "");
    refuses(
        &repo,
        &["homebrew", "v1.5.0", "--sha256sums", "sha256sums.txt"],
        "has no [homebrew] section",
    );
}
