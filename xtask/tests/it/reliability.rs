//! The reliability suite: distinct bad inputs (versions, manifests, config,
//! paths, hostile strings), each on a fresh copy of the `lockstep` fixture.
//! For every one: the exit code, a message naming the file, key or input,
//! and not one byte changed, in the repository or outside it.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::TempRepo;

/// What a case does to the fixture before the run.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// In a file, replace the first `from` with `to`.
    Replace(&'static str, &'static str, &'static str),
    /// Write a file (bytes).
    Put(&'static str, &'static [u8]),
    /// Append to a file.
    Append(&'static str, &'static str),
    Remove(&'static str),
    /// Replace a file by a folder with a file in it.
    Dir(&'static str),
    /// Make `link` a symlink to `target`; `{outside}` is a folder beside the repository.
    Link(&'static str, &'static str),
    /// Make a folder (and its parents).
    Mkdir(&'static str),
}

struct Case {
    name: &'static str,
    ops: Vec<Op>,
    args: Vec<&'static str>,
    code: i32,
    /// What the message must say (the file, key or input it names).
    says: &'static str,
    /// Environment variables of the run; `PATH` `{empty}` is a folder with no program.
    env: Vec<(&'static str, &'static str)>,
}

fn case(
    name: &'static str,
    ops: Vec<Op>,
    args: &[&'static str],
    code: i32,
    says: &'static str,
) -> Case {
    Case {
        name,
        ops,
        args: args.to_vec(),
        code,
        says,
        env: Vec::new(),
    }
}

impl Case {
    fn env(mut self, name: &'static str, value: &'static str) -> Case {
        self.env.push((name, value));
        self
    }
}

const CONFIG: &str = "release/config.toml";
const BUMP: &[&str] = &["bump", "minor"];

/// A `[homebrew]` section for the lockstep fixture.
const HOMEBREW: &str = "[assets]\nname = \"fixture\"\n[[target]]\ntriple = \"aarch64-apple-darwin\"\nrunner = \"macos-14\"\nplatform = \"macos-arm64\"\narchive = \"tar.gz\"\n[homebrew]\nformula = \"homebrew/fixture.rb\"\nplatforms = [\"macos-arm64\"]\ntap = \"example/tap\"\ntap_formula = \"Formula/fixture.rb\"\n";

/// Bad versions on the command line: usage errors, exit 2.
fn versions() -> Vec<Case> {
    let bad = |name, word: &'static str, says| case(name, vec![], &["bump", word], 2, says);
    vec![
        bad("two parts", "1.2", "`1.2` is not a semantic version"),
        bad(
            "leading zero",
            "01.2.3",
            "`01.2.3` is not a semantic version",
        ),
        bad(
            "four parts",
            "1.2.3.4",
            "`1.2.3.4` is not a semantic version",
        ),
        bad("only v", "v", "the version is empty"),
        bad("letters", "x.y.z", "unknown bump level `x.y.z`"),
        bad(
            "dangling dash",
            "1.5.0-",
            "`1.5.0-` is not a semantic version",
        ),
        bad(
            "build metadata",
            "1.5.0+build.5",
            "`1.5.0+build.5` carries build metadata",
        ),
        bad(
            "build metadata, same precedence",
            "1.4.2+hotfix",
            "`1.4.2+hotfix` carries build metadata",
        ),
        bad(
            "pre-release and build",
            "2.0.0-rc.1+x",
            "`2.0.0-rc.1+x` carries build metadata",
        ),
        bad(
            "the same version",
            "1.4.2",
            "1.4.2 is the same as the current version 1.4.2",
        ),
        bad(
            "a lower version",
            "1.4.1",
            "1.4.1 is lower than the current version 1.4.2",
        ),
        bad(
            "a lower major",
            "0.9.0",
            "0.9.0 is lower than the current version 1.4.2",
        ),
        bad(
            "a lower pre-release",
            "1.4.2-rc.1",
            "1.4.2-rc.1 is lower than the current version",
        ),
        bad(
            "a pre-release with no number",
            "1.5.0-rc",
            "1.5.0-rc cannot be written at bindings/python/pyproject.toml",
        ),
        bad(
            "a pre-release label PEP 440 lacks",
            "1.5.0-nightly.1",
            "1.5.0-nightly.1 cannot be written at bindings/python/pyproject.toml",
        ),
        bad(
            "a double dot",
            "1.5.0-rc..1",
            "`1.5.0-rc..1` is not a semantic version",
        ),
        bad(
            "unicode digits",
            "１.５.０",
            "unknown bump level `１.５.０`",
        ),
        bad(
            "a trailing dot",
            "1.5.0.",
            "`1.5.0.` is not a semantic version",
        ),
        bad("a space inside", "1.5 .0", "is not a semantic version"),
        bad("an unknown level", "mega", "unknown bump level `mega`"),
        bad("a capital level", "Minor", "unknown bump level `Minor`"),
        bad(
            "v before a level",
            "vminor",
            "`vminor` is not a semantic version",
        ),
        bad(
            "a negative number",
            "v-1.5.0",
            "`v-1.5.0` is not a semantic version",
        ),
        bad(
            "a huge number",
            "99999999999999999999.0.0",
            "is not a semantic version",
        ),
        bad(
            "release of a release",
            "release",
            "1.4.2 is not a pre-release",
        ),
        case(
            "pre without a label",
            vec![],
            &["bump", "pre"],
            2,
            "`bump pre` takes one label",
        ),
        case(
            "pre with a dotted label",
            vec![],
            &["bump", "pre", "r.c"],
            2,
            "the pre-release label `r.c` must be letters only",
        ),
        case(
            "pre with a number",
            vec![],
            &["bump", "pre", "1"],
            2,
            "the pre-release label `1` must be letters only",
        ),
        case(
            "pre with an empty label",
            vec![],
            &["bump", "pre", ""],
            2,
            "the pre-release label `` must be letters only",
        ),
        case(
            "a word after a level",
            vec![],
            &["bump", "patch", "now"],
            2,
            "unexpected `now` after `patch`",
        ),
        case(
            "an empty version",
            vec![],
            &["bump", ""],
            2,
            "the version is empty",
        ),
        case(
            "three words",
            vec![],
            &["bump", "pre", "rc", "x"],
            2,
            "unexpected value 'x'",
        ),
        case(
            "release: build metadata",
            vec![],
            &["release", "v1.5.0+b"],
            2,
            "`v1.5.0+b` carries build metadata",
        ),
        case(
            "release: not a version",
            vec![],
            &["release", "latest"],
            2,
            "`latest` is not a semantic version",
        ),
        case(
            "changelog: not a version",
            vec![],
            &["changelog", "1.4"],
            2,
            "`1.4` is not a semantic version",
        ),
        case(
            "homebrew: build metadata",
            vec![Op::Append(CONFIG, HOMEBREW)],
            &["homebrew", "v1.5.0+b", "--sha256sums", "x"],
            2,
            "`v1.5.0+b` carries build metadata",
        ),
        case(
            "delivery: an unknown channel",
            vec![],
            &["delivery", "v1.4.2", "--channels", "cargo"],
            2,
            "unknown channel `cargo`",
        ),
        case(
            "publish: a run id that is not a number",
            vec![],
            &["publish", "--build-run-id", "12ab"],
            2,
            "invalid value '12ab' for '--build-run-id <ID>'",
        ),
    ]
}

/// Broken version sites: exit 1, naming the file.
fn manifests() -> Vec<Case> {
    // A site file the config names but that cannot be read is a config error: exit 2.
    let bad2 = |name, ops, says| case(name, ops, BUMP, 2, says);
    let bad = |name, ops, says| case(name, ops, BUMP, 1, says);
    use Op::*;
    vec![
        bad(
            "Cargo.toml: not TOML",
            vec![Append("Cargo.toml", "[[[\n")],
            "Cargo.toml",
        ),
        bad(
            "Cargo.toml: version is a number",
            vec![Replace("Cargo.toml", "'1.4.2'", "1")],
            "Cargo.toml",
        ),
        bad(
            "Cargo.toml: no version",
            vec![Replace("Cargo.toml", "version = '1.4.2'", "")],
            "Cargo.toml",
        ),
        bad(
            "Cargo.toml: not a version",
            vec![Replace("Cargo.toml", "'1.4.2'", "'one'")],
            "Cargo.toml",
        ),
        bad(
            "member: version.workspace",
            vec![Replace(
                "crates/extra/Cargo.toml",
                "version = \"1.4.2\"",
                "version.workspace = true",
            )],
            "crates/extra/Cargo.toml",
        ),
        bad(
            "member: no [package]",
            vec![Replace("crates/extra/Cargo.toml", "[package]", "[pkg]")],
            "crates/extra/Cargo.toml",
        ),
        bad(
            "member: disagrees",
            vec![Replace("crates/extra/Cargo.toml", "1.4.2", "1.4.3")],
            "crates/extra/Cargo.toml",
        ),
        bad(
            "member: empty file",
            vec![Put("crates/extra/Cargo.toml", b"")],
            "crates/extra/Cargo.toml",
        ),
        bad(
            "Cargo.lock: a package missing",
            vec![Replace(
                "Cargo.lock",
                "name = \"fixture-extra\"",
                "name = \"other\"",
            )],
            "Cargo.lock",
        ),
        bad(
            "Cargo.lock: a package twice",
            vec![Append(
                "Cargo.lock",
                "\n[[package]]\nname = \"fixture\"\nversion = \"1.4.2\"\n",
            )],
            "Cargo.lock",
        ),
        bad(
            "Cargo.lock: not TOML",
            vec![Append("Cargo.lock", "= = =\n")],
            "Cargo.lock",
        ),
        bad(
            "Cargo.lock: disagrees",
            vec![Replace(
                "Cargo.lock",
                "version = \"1.4.2\"",
                "version = \"1.4.1\"",
            )],
            "Cargo.lock",
        ),
        bad(
            "pyproject: no [project]",
            vec![Replace(
                "bindings/python/pyproject.toml",
                "[project]",
                "[projekt]",
            )],
            "bindings/python/pyproject.toml",
        ),
        bad(
            "pyproject: not a version",
            vec![Replace(
                "bindings/python/pyproject.toml",
                "\"1.4.2\"",
                "\"1.4.two\"",
            )],
            "bindings/python/pyproject.toml",
        ),
        bad(
            "pyproject: dynamic version",
            vec![Replace(
                "bindings/python/pyproject.toml",
                "version = \"1.4.2\"",
                "dynamic = [\"version\"]",
            )],
            "bindings/python/pyproject.toml",
        ),
        bad(
            "pyproject: invalid UTF-8",
            vec![Put(
                "bindings/python/pyproject.toml",
                b"[project]\nversion = \"1.4.2\"\n\xff\xfe\n",
            )],
            "bindings/python/pyproject.toml",
        ),
        bad(
            "pattern: no match",
            vec![Replace(
                "bindings/python/fixture/__init__.py",
                "__version__",
                "VERSION",
            )],
            "bindings/python/fixture/__init__.py",
        ),
        bad(
            "pattern: two matches",
            vec![Append(
                "bindings/python/fixture/__init__.py",
                "__version__ = \"1.4.2\"\n",
            )],
            "bindings/python/fixture/__init__.py",
        ),
        bad(
            "pattern: not a version",
            vec![Replace(
                "bindings/python/fixture/__init__.py",
                "1.4.2",
                "1.4.2.post1",
            )],
            "bindings/python/fixture/__init__.py",
        ),
        bad(
            "package.json: malformed",
            vec![Replace("bindings/node/package.json", "{", "{,")],
            "bindings/node/package.json",
        ),
        bad(
            "package.json: a byte-order mark",
            vec![Put(
                "bindings/node/package.json",
                "\u{feff}{\"name\": \"fixture\", \"version\": \"1.4.2\"}".as_bytes(),
            )],
            "bindings/node/package.json: the file starts with a byte-order mark",
        ),
        bad(
            "package.json: version is a number",
            vec![Replace(
                "bindings/node/package.json",
                "\"version\": \"1.4.2\"",
                "\"version\": 142",
            )],
            "bindings/node/package.json",
        ),
        bad(
            "package.json: no version",
            vec![Replace(
                "bindings/node/package.json",
                "\"version\": \"1.4.2\",",
                "",
            )],
            "bindings/node/package.json",
        ),
        bad(
            "package.json: version twice",
            vec![Replace(
                "bindings/node/package.json",
                "\"name\"",
                "\"version\": \"1.4.2\", \"name\"",
            )],
            "bindings/node/package.json",
        ),
        bad(
            "package.json: an array",
            vec![Put("bindings/node/package.json", b"[\"1.4.2\"]")],
            "bindings/node/package.json",
        ),
        bad(
            "package-lock: no packages[\"\"]",
            vec![Replace(
                "bindings/node/package-lock.json",
                "\"\": {",
                "\"root\": {",
            )],
            "bindings/node/package-lock.json",
        ),
        bad(
            "package-lock: two versions",
            vec![Replace(
                "bindings/node/package-lock.json",
                "\"fixture\",\n      \"version\": \"1.4.2\"",
                "\"fixture\",\n      \"version\": \"1.4.1\"",
            )],
            "bindings/node/package-lock.json",
        ),
        bad(
            "package-lock: truncated",
            vec![Put(
                "bindings/node/package-lock.json",
                b"{\n  \"name\": \"fixture\",\n  \"version\": \"1.4",
            )],
            "bindings/node/package-lock.json",
        ),
        bad(
            "homebrew: no version line",
            vec![Replace("homebrew/fixture.rb", "  version \"1.4.2\"\n", "")],
            "homebrew/fixture.rb",
        ),
        bad(
            "homebrew: two version lines",
            vec![Replace(
                "homebrew/fixture.rb",
                "  desc",
                "  version \"1.4.2\"\n  desc",
            )],
            "homebrew/fixture.rb",
        ),
        bad(
            "homebrew: a url at another version",
            vec![Replace(
                "homebrew/fixture.rb",
                "fixture_1.4.2_linux",
                "fixture_1.4.1_linux",
            )],
            "homebrew/fixture.rb",
        ),
        bad(
            "changelog: no release section",
            vec![Put("CHANGELOG.md", b"# Changelog\n\n## [Unreleased]\n")],
            "CHANGELOG.md",
        ),
        bad(
            "CHANGELOG.md: a section that is not a version",
            vec![Replace("CHANGELOG.md", "## [1.4.2]", "## [next]")],
            "CHANGELOG.md",
        ),
        bad2(
            "a site is missing",
            vec![Remove("bindings/node/package.json")],
            "bindings/node/package.json",
        ),
        bad2(
            "a site is a folder",
            vec![Dir("bindings/python/pyproject.toml")],
            "bindings/python/pyproject.toml",
        ),
        bad(
            "a site is NUL bytes",
            vec![Put("crates/extra/Cargo.toml", b"\0\0\0\0")],
            "crates/extra/Cargo.toml",
        ),
        bad2(
            "a site is a dangling symlink",
            vec![
                Remove("homebrew/fixture.rb"),
                Link("homebrew/fixture.rb", "gone.rb"),
            ],
            "homebrew/fixture.rb",
        ),
        bad(
            "sites disagree",
            vec![Replace(
                "bindings/node/package.json",
                "\"version\": \"1.4.2\"",
                "\"version\": \"1.4.3\"",
            )],
            "bindings/node/package.json",
        ),
    ]
}

/// A broken config: exit 1, naming the key.
fn config() -> Vec<Case> {
    use Op::*;
    // An invalid config is bad input: exit 2 (a config that cannot be read, 1).
    let bad = |name, ops, says| case(name, ops, BUMP, 2, says);
    let swap = |from, to| vec![Replace(CONFIG, from, to)];
    let add = |text| vec![Append(CONFIG, text)];
    vec![
        bad(
            "not TOML",
            add("[[site\n"),
            "release/config.toml is not valid TOML",
        ),
        case(
            "missing",
            vec![Remove(CONFIG)],
            BUMP,
            1,
            "cannot read release/config.toml",
        ),
        bad("empty", vec![Put(CONFIG, b"")], "no [[site]] declared"),
        bad(
            "an unknown top-level key",
            swap("tag_format", "tag_fromat = \"v{version}\"\ntag_format"),
            "unknown key `tag_fromat`",
        ),
        bad(
            "an unknown site key",
            swap("kind = \"changelog\"", "kind = \"changelog\"\nfile = \"x\""),
            "unknown key `site[8].file`",
        ),
        bad(
            "an unknown kind",
            swap("kind = \"changelog\"", "kind = \"news\""),
            "site[8].kind = \"news\" is unknown",
        ),
        bad(
            "a site without a path",
            swap("path = \"CHANGELOG.md\"\n", ""),
            "site[8].path is missing",
        ),
        bad(
            "a site without a kind",
            swap("kind = \"changelog\"", ""),
            "site[8].kind is missing",
        ),
        bad(
            "a path that is a number",
            swap("path = \"CHANGELOG.md\"", "path = 7"),
            "site[8].path must be a string",
        ),
        bad(
            "a missing file",
            swap("path = \"CHANGELOG.md\"", "path = \"NEWS.md\""),
            "site[8].path = \"NEWS.md\": no such file",
        ),
        bad(
            "an absolute path",
            swap("path = \"CHANGELOG.md\"", "path = \"/etc/hostname\""),
            "site[8].path = \"/etc/hostname\" is absolute",
        ),
        bad(
            "a path up and out",
            swap(
                "path = \"CHANGELOG.md\"",
                "path = \"../../outside/package.json\"",
            ),
            "site[8].path = \"../../outside/package.json\" goes up with `..`",
        ),
        bad(
            "a path up and back in",
            swap(
                "path = \"CHANGELOG.md\"",
                "path = \"bindings/../CHANGELOG.md\"",
            ),
            "site[8].path = \"bindings/../CHANGELOG.md\" goes up with `..`",
        ),
        bad(
            "a symlinked file outside",
            vec![
                Link("elsewhere.json", "{outside}/package.json"),
                Replace(
                    CONFIG,
                    "path = \"bindings/node/package.json\"",
                    "path = \"elsewhere.json\"",
                ),
            ],
            "site[5].path = \"elsewhere.json\" resolves through a symlink to",
        ),
        bad(
            "a symlinked folder outside",
            vec![
                Link("linked", "{outside}"),
                Replace(
                    CONFIG,
                    "path = \"bindings/node/package.json\"",
                    "path = \"linked/package.json\"",
                ),
            ],
            "site[5].path = \"linked/package.json\" resolves through a symlink to",
        ),
        bad(
            "a duplicate site",
            add("[[site]]\npath = \"CHANGELOG.md\"\nkind = \"changelog\"\n"),
            "site[9] repeats site[8] (CHANGELOG.md, changelog)",
        ),
        bad(
            "tag_format without {version}",
            swap("v{version}", "release"),
            "tag_format = \"release\" must contain {version}",
        ),
        bad(
            "tag_format with two {version}",
            swap("v{version}", "v{version}-{version}"),
            "tag_format = \"v{version}-{version}\" must contain {version} exactly once",
        ),
        bad(
            "tag_format with a space",
            swap("v{version}", "release {version}"),
            "tag_format = \"release {version}\" makes tags like \"release 1.2.3-rc.1\" that git refuses",
        ),
        bad(
            "tag_format with ..",
            swap("v{version}", "v..{version}"),
            "tag_format = \"v..{version}\" makes tags",
        ),
        bad(
            "tag_format ending in .lock",
            swap("v{version}", "v{version}.lock"),
            "end with `.lock`",
        ),
        bad(
            "tag_format starting with -",
            swap("v{version}", "-v{version}"),
            "a tag name cannot start with `-`",
        ),
        bad(
            "tag_format with ~",
            swap("v{version}", "v~{version}"),
            "tag_format = \"v~{version}\"",
        ),
        bad(
            "tag_format with a colon",
            swap("v{version}", "v:{version}"),
            "tag_format = \"v:{version}\"",
        ),
        bad(
            "tag_format with @{",
            swap("v{version}", "v@{{version}"),
            "tag_format = \"v@{{version}\"",
        ),
        bad(
            "tag_format with a backslash",
            swap("v{version}", "v\\\\{version}"),
            "tag_format = \"v\\\\{version}\"",
        ),
        bad(
            "tag_format with //",
            swap("v{version}", "rel//v{version}"),
            "a tag name cannot start or end with `/` or contain `//`",
        ),
        bad(
            "tag_format with a dot part",
            swap("v{version}", "rel/.v{version}"),
            "tag_format = \"rel/.v{version}\"",
        ),
        bad(
            "tag_format is a number",
            swap("\"v{version}\"", "1"),
            "tag_format must be a string",
        ),
        bad(
            "poll_interval 0s",
            add("[release]\npoll_interval = \"0s\"\n"),
            "release.poll_interval = \"0ms\" is under 10s",
        ),
        bad(
            "poll_interval 9s",
            add("[release]\npoll_interval = \"9s\"\n"),
            "release.poll_interval = \"9s\" is under 10s",
        ),
        bad(
            "poll_interval not a duration",
            add("[release]\npoll_interval = \"soon\"\n"),
            "release.poll_interval: `soon` is not a duration",
        ),
        bad(
            "a pattern without {version}",
            swap(
                "pattern = '__version__ = \"{version}\"'",
                "pattern = '__version__'",
            ),
            "site[4].pattern = \"__version__\" must contain {version} exactly once",
        ),
        bad(
            "a pattern with {version} twice",
            swap(
                "pattern = '__version__ = \"{version}\"'",
                "pattern = '{version}{version}'",
            ),
            "site[4].pattern = \"{version}{version}\" must contain {version} exactly once",
        ),
        bad(
            "count 0",
            swap("count = 1", "count = 0"),
            "site[4].count must be at least 1",
        ),
        bad(
            "count not an integer",
            swap("count = 1", "count = \"one\""),
            "site[4].count must be an integer",
        ),
        bad(
            "a bad table",
            swap("table = \"workspace.package\"", "table = \"workspace\""),
            "site[0].table = \"workspace\" must be",
        ),
        bad(
            "a bad form",
            swap("form = \"pep440\"", "form = \"calver\""),
            "site[4].form = \"calver\" must be",
        ),
        bad(
            "no lock packages",
            swap(
                "packages = [\"fixture\", \"fixture-extra\"]",
                "packages = []",
            ),
            "site[2].packages must name the workspace packages",
        ),
        bad(
            "lock packages not strings",
            swap(
                "packages = [\"fixture\", \"fixture-extra\"]",
                "packages = [1, 2]",
            ),
            "site[2].packages must be an array of strings",
        ),
        bad(
            "site is not an array of tables",
            vec![Put(CONFIG, b"site = \"Cargo.toml\"\n")],
            "site must be an array of tables [[site]]",
        ),
        bad(
            "git branches empty",
            add("[git]\nbranches = []\n"),
            "git.branches must name at least one branch",
        ),
        bad(
            "a gate without a command",
            add("[[gate]]\nname = \"x\"\n"),
            "gate[0].command is missing",
        ),
        bad(
            "a config with a byte-order mark",
            vec![Put(
                CONFIG,
                "\u{feff}[[site]]\npath = \"Cargo.toml\"\nkind = \"cargo-manifest\"\nbogus = 1\n"
                    .as_bytes(),
            )],
            "release/config.toml",
        ),
    ]
}

/// Hostile strings in arguments and paths: nothing runs, nothing changes.
fn hostile() -> Vec<Case> {
    use Op::*;
    vec![
        case(
            "a shell injection as a version",
            vec![],
            &["bump", "1.5.0;touch pwned"],
            2,
            "`1.5.0;touch pwned` is not a semantic version",
        ),
        case(
            "a command substitution as a tag",
            vec![],
            &["release", "v$(touch pwned)"],
            2,
            "`v$(touch pwned)` is not a semantic version",
        ),
        case(
            "an escape sequence as a version",
            vec![],
            &["bump", "1.5.0\u{1b}[31m"],
            2,
            "is not a semantic version",
        ),
        case(
            "a path traversal as a changelog version",
            vec![],
            &["changelog", "../../etc/passwd"],
            2,
            "`../../etc/passwd` is not a semantic version",
        ),
        case(
            "a missing -C folder",
            vec![],
            &["-C", "/nonexistent/xtask", "verify"],
            1,
            "cannot open /nonexistent/xtask",
        ),
        case(
            "a sums file that is a folder",
            vec![Append(CONFIG, HOMEBREW)],
            &["homebrew", "v1.5.0", "--sha256sums", "bindings"],
            1,
            "cannot read the sums file bindings",
        ),
        case(
            "a bad max-wait",
            vec![],
            &["delivery", "v1.4.2", "--max-wait", "forever"],
            2,
            "`forever` is not a duration",
        ),
        case(
            "a config path with a NUL",
            vec![Replace(
                CONFIG,
                "path = \"CHANGELOG.md\"",
                "path = \"CHANGE\\u0000LOG.md\"",
            )],
            BUMP,
            2,
            "site[8].path",
        ),
        case(
            "a config path with a newline",
            vec![Replace(
                CONFIG,
                "path = \"CHANGELOG.md\"",
                "path = \"CHANGELOG.md\\n\"",
            )],
            BUMP,
            2,
            "site[8].path = \"CHANGELOG.md\\n\": no such file",
        ),
        case(
            "a sync of unreadable sites",
            vec![Put("bindings/node/package.json", b"{")],
            &["sync"],
            1,
            "bindings/node/package.json",
        ),
        case(
            "sync with a site that is a folder",
            vec![Dir("Cargo.lock")],
            &["sync"],
            2,
            "Cargo.lock",
        ),
        case(
            "versions with a broken config",
            vec![Append(CONFIG, "x = 1\n")],
            &["versions"],
            2,
            "unknown key `site[8].x`",
        ),
        case(
            "verify with a duplicate site",
            vec![Append(
                CONFIG,
                "[[site]]\npath = \"Cargo.lock\"\nkind = \"cargo-lock\"\npackages = [\"fixture\", \"fixture-extra\"]\n",
            )],
            &["verify"],
            1,
            "site[9] repeats site[2]",
        ),
        case(
            "a symlinked site outside, read by versions",
            vec![
                Link("elsewhere.json", "{outside}/package.json"),
                Replace(
                    CONFIG,
                    "path = \"bindings/node/package.json\"",
                    "path = \"elsewhere.json\"",
                ),
            ],
            &["versions"],
            2,
            "site[5].path = \"elsewhere.json\" resolves through a symlink",
        ),
    ]
}

/// Every file below `dir` (not `.git`), with symlinks recorded as their target.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let kind = entry.file_type().unwrap();
            if entry.file_name() == ".git" {
                continue;
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel + " ->", target.to_string_lossy().as_bytes().to_vec());
            } else if kind.is_dir() {
                out.insert(rel.clone() + "/", Vec::new());
                walk(base, &path, out);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn apply(repo: &TempRepo, op: Op) {
    let outside = repo.base().join("outside");
    match op {
        Op::Replace(file, from, to) => {
            let text = repo.read(file);
            assert!(text.contains(from), "{file} has no {from:?}");
            repo.write(file, &text.replacen(from, to, 1));
        }
        Op::Put(file, bytes) => std::fs::write(repo.path(file), bytes).unwrap(),
        Op::Append(file, text) => repo.write(file, &(repo.read(file) + text)),
        Op::Remove(file) => std::fs::remove_file(repo.path(file)).unwrap(),
        Op::Dir(file) => {
            std::fs::remove_file(repo.path(file)).unwrap();
            std::fs::create_dir(repo.path(file)).unwrap();
            std::fs::write(repo.path(file).join("inside"), "x").unwrap();
        }
        Op::Link(link, target) => {
            let target = target.replace("{outside}", &outside.to_string_lossy());
            #[cfg(unix)]
            std::os::unix::fs::symlink(target, repo.path(link)).unwrap();
        }
        Op::Mkdir(dir) => std::fs::create_dir_all(repo.path(dir)).unwrap(),
    }
}

/// Runs every case of a group; lists all that fail.
fn check(group: &str, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let repo = TempRepo::plain("lockstep/in");
        let outside = repo.base().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("package.json"), "{\"version\": \"1.4.2\"}\n").unwrap();
        for op in &case.ops {
            apply(&repo, *op);
        }
        let (before, outside_before) = (tree(&repo.dir), tree(&outside));
        let empty = repo.base().join("empty-bin");
        std::fs::create_dir_all(&empty).unwrap();
        let env: Vec<(&str, std::ffi::OsString)> = case
            .env
            .iter()
            .map(|(k, v)| match *v {
                "{empty}" => (*k, empty.clone().into_os_string()),
                v => (*k, v.into()),
            })
            .collect();
        let env: Vec<(&str, &std::ffi::OsStr)> =
            env.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
        let run = crate::support::xtask_env(&repo.dir, &case.args, &env);
        std::fs::remove_dir(&empty).unwrap();
        let mut wrong = Vec::new();
        if run.code != case.code {
            wrong.push(format!("exit {} (expected {})", run.code, case.code));
        }
        if !run.all().contains(case.says) {
            wrong.push(format!("no {:?} in the message", case.says));
        }
        if tree(&repo.dir) != before {
            wrong.push("the repository changed".to_string());
        }
        if tree(&outside) != outside_before {
            wrong.push("a file outside the repository changed".to_string());
        }
        if repo.path("pwned").exists() {
            wrong.push("a hostile string ran".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{group}: {} (`{}`): {}\n  stderr: {}",
                case.name,
                case.args.join(" "),
                wrong.join("; "),
                run.stderr.trim().replace('\n', "\n          ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn there_are_at_least_a_hundred_distinct_bad_inputs() {
    let groups = [
        versions(),
        manifests(),
        config(),
        hostile(),
        inputs(),
        reaching(),
    ];
    let mut names = std::collections::BTreeSet::new();
    let mut inputs = std::collections::BTreeSet::new();
    for case in groups.iter().flatten() {
        assert!(names.insert(case.name), "two cases named {:?}", case.name);
        let key = format!(
            "{:?} {:?} {:?}",
            case.args,
            case.env,
            case.ops
                .iter()
                .map(|op| format!("{op:?}"))
                .collect::<Vec<_>>()
        );
        assert!(
            inputs.insert(key),
            "case {:?} repeats another's input",
            case.name
        );
    }
    let counts: Vec<usize> = groups.iter().map(Vec::len).collect();
    eprintln!(
        "reliability: {} bad inputs (versions {}, manifests {}, config {}, hostile {}, flags, values and changelogs {}, config that reaches outside or runs commands {})",
        names.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3],
        counts[4],
        counts[5]
    );
    assert!(names.len() >= 100, "{} cases", names.len());
}

#[test]
fn bad_versions_are_refused_by_name_and_change_nothing() {
    check("versions", &versions());
}

#[test]
fn broken_manifests_are_refused_by_name_and_change_nothing() {
    check("manifests", &manifests());
}

#[test]
fn a_broken_config_is_refused_by_key_and_changes_nothing() {
    check("config", &config());
}

/// Flags, environment and config values that cannot be right, changelogs
/// a bump would misread, and a missing git: each refused by name.
fn inputs() -> Vec<Case> {
    use Op::*;
    let add = |text| vec![Append(CONFIG, text)];
    let flag = |name, args: &[&'static str], says| case(name, vec![], args, 2, says);
    let key = |name, ops, says| case(name, ops, BUMP, 2, says);
    let changelog = |name, from, to, says| {
        case(
            name,
            vec![Replace("CHANGELOG.md", from, to)],
            &["verify"],
            1,
            says,
        )
    };
    const DELIVERY: &str = "[delivery]\ncrate = \"fixture\"\nchannels = [\"crates\"]\n";
    vec![
        flag(
            "a version with a trailing space",
            &["bump", "1.5.0 "],
            "the version \"1.5.0 \" has white space around it",
        ),
        flag(
            "a version with a trailing newline",
            &["bump", "1.5.0\n"],
            "the version \"1.5.0\\n\" has white space around it",
        ),
        flag(
            "a version with a trailing CR",
            &["bump", "1.5.0\r"],
            "the version \"1.5.0\\r\" has white space around it",
        ),
        flag(
            "a version with a leading tab",
            &["bump", "\t1.5.0"],
            "has white space around it",
        ),
        flag(
            "a release version with a trailing space",
            &["changelog", "1.4.2 "],
            "has white space around it",
        ),
        case(
            "an empty XTASK_TODAY",
            vec![],
            BUMP,
            2,
            "XTASK_TODAY = `` is not a date",
        )
        .env("XTASK_TODAY", ""),
        case(
            "an impossible XTASK_TODAY",
            vec![],
            BUMP,
            2,
            "XTASK_TODAY = `2026-02-30` is not a date",
        )
        .env("XTASK_TODAY", "2026-02-30"),
        flag(
            "a max-wait without a unit",
            &["delivery", "v1.4.2", "--max-wait", "5"],
            "--max-wait: `5` has no unit",
        ),
        flag(
            "a max-wait too long",
            &["delivery", "v1.4.2", "--max-wait", "18446744073709551615h"],
            "--max-wait: `18446744073709551615h` is longer than any wait can be",
        ),
        flag(
            "a max-wait in ms too long",
            &["delivery", "v1.4.2", "--max-wait", "18446744073709551615ms"],
            "--max-wait: `18446744073709551615ms` is longer",
        ),
        flag(
            "a max-wait that is words",
            &["delivery", "v1.4.2", "--max-wait", "1 hour"],
            "--max-wait: `1 hour` is not a duration",
        ),
        flag(
            "a channel listed twice",
            &["delivery", "v1.4.2", "--channels", "crates,npm,crates"],
            "--channels lists `crates` twice",
        ),
        flag(
            "an agent without @",
            &["release", "v1.5.0", "--agent", "claude"],
            "--agent",
        ),
        flag(
            "an agent with two @",
            &["release", "v1.5.0", "--agent", "a@b@c"],
            "\"a@b@c\" is not MODEL@HOST",
        ),
        flag(
            "an agent without a host",
            &["release", "v1.5.0", "--agent", "claude@"],
            "is not MODEL@HOST",
        ),
        flag(
            "an agent with a shell word",
            &["release", "v1.5.0", "--agent", "claude@h;id"],
            "is not MODEL@HOST",
        ),
        flag(
            "an agent with a newline",
            &["release", "v1.5.0", "--agent", "claude@h\nnext: x"],
            "is not MODEL@HOST",
        ),
        key(
            "max_wait too long in config",
            add(Box::leak(
                format!("{DELIVERY}max_wait = \"18446744073709551615h\"\n").into_boxed_str(),
            )),
            "delivery.max_wait: `18446744073709551615h` is longer than any wait can be",
        ),
        key(
            "a duration without a unit",
            add("[release]\npoll_interval = \"15\"\n"),
            "release.poll_interval: `15` has no unit",
        ),
        key(
            "poll_max_interval below poll_interval",
            add("[release]\npoll_interval = \"30s\"\npoll_max_interval = \"20s\"\n"),
            "release.poll_max_interval = \"20s\" is below release.poll_interval = \"30s\"",
        ),
        key(
            "a zero build timeout",
            add("[release]\nbuild_timeout = \"0s\"\n"),
            "release.build_timeout = \"0ms\" is shorter than release.poll_interval",
        ),
        key(
            "a publish timeout below a poll",
            add("[release]\npublish_timeout = \"5s\"\n"),
            "release.publish_timeout = \"5s\" is shorter than release.poll_interval",
        ),
        key(
            "a zero gate timeout",
            add("[[gate]]\nname = \"x\"\ncommand = \"true\"\ntimeout = \"0s\"\n"),
            "gate[0].timeout = \"0ms\" is under 1s",
        ),
        key(
            "a gate timeout under a second",
            add("[[gate]]\nname = \"x\"\ncommand = \"true\"\ntimeout = \"500ms\"\n"),
            "gate[0].timeout = \"500ms\" is under 1s",
        ),
        key(
            "a zero request timeout",
            add(Box::leak(
                format!("{DELIVERY}request_timeout = \"0s\"\n").into_boxed_str(),
            )),
            "delivery.request_timeout = \"0ms\" is under",
        ),
        key(
            "backoff_max below backoff",
            add(Box::leak(
                format!("{DELIVERY}backoff = \"10s\"\nbackoff_max = \"1s\"\n").into_boxed_str(),
            )),
            "delivery.backoff_max = \"1s\" is below delivery.backoff = \"10s\"",
        ),
        key(
            "a config channel listed twice",
            add("[delivery]\ncrate = \"fixture\"\nchannels = [\"crates\", \"crates\"]\n"),
            "delivery.channels lists \"crates\" twice",
        ),
        changelog(
            "two Unreleased headings",
            "## [1.4.2]",
            "## [Unreleased]\n\n- more\n\n## [1.4.2]",
            "`## [Unreleased]` appears 2 times",
        ),
        changelog(
            "sections out of order",
            "## [1.4.2] - 2025-12-01",
            "## [1.4.1] - 2025-11-01\n\n- old\n\n## [1.4.2] - 2025-12-01",
            "release sections go newest first",
        ),
        changelog(
            "a version twice",
            "## [1.4.2] - 2025-12-01",
            "## [1.4.2] - 2025-12-01\n\n- again\n\n## [1.4.2] - 2025-11-01",
            "`## [1.4.2]` appears twice",
        ),
        changelog(
            "an impossible date",
            "2025-12-01",
            "2026-13-45",
            "dated `2026-13-45`, which is not a real date",
        ),
        case(
            "verify with a site that is a folder",
            vec![Dir("bindings/node/package.json")],
            &["verify"],
            1,
            "path = \"bindings/node/package.json\" is a directory, not a file",
        ),
        case(
            "versions with a site that is a folder",
            vec![Dir("CHANGELOG.md")],
            &["versions"],
            2,
            "path = \"CHANGELOG.md\" is a directory, not a file",
        ),
        case(
            "release without git",
            vec![],
            &["release", "v1.5.0"],
            1,
            "`git` is not installed or not on PATH; install git",
        )
        .env("PATH", "{empty}"),
    ]
}

#[test]
fn bad_flags_values_and_changelogs_are_refused_by_name() {
    check("inputs", &inputs());
}

/// `bump major` (and minor, patch, pre) from the largest numbers: no
/// panic, a usage error, nothing changed.
#[test]
fn a_bump_past_the_largest_number_is_refused() {
    let repo = TempRepo::plain("lockstep/in");
    repo.xtask(&[
        "bump",
        "18446744073709551615.18446744073709551615.18446744073709551615",
    ])
    .success();
    let before = tree(&repo.dir);
    for level in ["major", "minor", "patch"] {
        let run = repo.xtask(&["bump", level]);
        run.failure(2);
        assert!(
            run.stderr
                .contains(&format!("its {level} number is the largest there is")),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(tree(&repo.dir) == before, "{level}: the tree changed");
    }
}

#[test]
fn hostile_strings_are_refused_and_change_nothing() {
    check("hostile", &hostile());
}

/// Messages that do not mislead: each names the real problem.
#[test]
fn messages_say_what_is_wrong_with_the_input() {
    // A bad tag_format is a tag_format problem, not a Homebrew URL problem.
    let repo = TempRepo::plain("lockstep/in");
    apply(&repo, Op::Replace(CONFIG, "v{version}", "v {version}"));
    let run = repo.xtask(&["bump", "minor"]);
    run.failure(2);
    assert!(
        run.stderr.contains("tag_format = \"v {version}\" makes tags like \"v 1.2.3-rc.1\" that git refuses: a tag name cannot contain a space"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("url"), "{}", run.stderr);

    // `bump 1.5.0-rc`: what is wrong with the input, not "1.5.0rc0, not 1.5.0rc0".
    let repo = TempRepo::plain("lockstep/in");
    let run = repo.xtask(&["bump", "1.5.0-rc"]);
    run.failure(2);
    assert!(
        run.stderr
            .contains("the pre-release `rc` needs a number, like `rc.1`"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("still holds"), "{}", run.stderr);

    // A byte-order mark is named as such.
    let repo = TempRepo::plain("lockstep/in");
    let json = repo.read("bindings/node/package.json");
    repo.write("bindings/node/package.json", &format!("\u{feff}{json}"));
    let run = repo.xtask(&["bump", "minor"]);
    run.failure(1);
    assert!(run.stderr.contains("byte-order mark"), "{}", run.stderr);
    assert!(!run.stderr.contains("line 1 column 1"), "{}", run.stderr);
    let versions = repo.xtask(&["versions"]);
    assert!(
        versions.stdout.contains("byte-order mark"),
        "{}",
        versions.stdout
    );
}

/// Config that would reach outside the repository or run a command: every
/// path it names is confined, `.scratch` is a real folder, and every value
/// that reaches a command line is what it claims to be. Each is refused by
/// key (exit 2; `verify` reports it and exits 1; a symlinked `.scratch` is
/// a file problem, exit 1), before anything is read, written or run.
fn reaching() -> Vec<Case> {
    use Op::*;
    let bad = |name, ops, says| case(name, ops, BUMP, 2, says);
    let add = |text: &'static str| vec![Append(CONFIG, text)];
    let git = |text: &'static str| vec![Append(CONFIG, text)];
    let release = &["release", "v1.5.0"];
    let homebrew = &["homebrew", "v1.5.0", "--sha256sums", "sums.txt"];
    // The lockstep fixture's [homebrew], with its formula (or tap formula) swapped.
    let brew = |from: &'static str, to: &'static str| {
        let text: &'static str = Box::leak(HOMEBREW.replacen(from, to, 1).into_boxed_str());
        vec![Append(CONFIG, text)]
    };
    let tag = |name, to, says| {
        case(
            name,
            vec![Replace(CONFIG, "v{version}", to)],
            release,
            2,
            says,
        )
    };
    vec![
        // Paths the config names.
        case(
            "a formula up and out, rewritten by homebrew",
            brew("homebrew/fixture.rb", "../outside/fixture.rb"),
            homebrew,
            2,
            "homebrew.formula = \"../outside/fixture.rb\" goes up with `..`",
        ),
        case(
            "an absolute formula, rewritten by homebrew",
            brew("homebrew/fixture.rb", "/etc/hostname"),
            homebrew,
            2,
            "homebrew.formula = \"/etc/hostname\" is absolute",
        ),
        case(
            "a formula through a symlinked folder",
            {
                let mut ops = vec![Link("brew", "{outside}")];
                ops.extend(brew("homebrew/fixture.rb", "brew/fixture.rb"));
                ops
            },
            homebrew,
            2,
            "homebrew.formula = \"brew/fixture.rb\" resolves through a symlink to",
        ),
        case(
            "a formula up and out, checked by verify",
            brew("homebrew/fixture.rb", "../x.rb"),
            &["verify"],
            1,
            "homebrew.formula = \"../x.rb\" goes up with `..`",
        ),
        case(
            "a tap formula up and out",
            brew("Formula/fixture.rb", "../x.rb"),
            homebrew,
            2,
            "homebrew.tap_formula = \"../x.rb\" must be a relative path of plain parts",
        ),
        bad(
            "an absolute tap formula",
            brew("Formula/fixture.rb", "/Formula/x.rb"),
            "homebrew.tap_formula = \"/Formula/x.rb\" must be a relative path",
        ),
        bad(
            "a tap formula with a query",
            brew("Formula/fixture.rb", "Formula/x.rb?ref=evil"),
            "homebrew.tap_formula = \"Formula/x.rb?ref=evil\" must be a relative path",
        ),
        bad(
            "a tap that goes up",
            brew("example/tap", "../tap"),
            "homebrew.tap = \"../tap\" must be owner/name",
        ),
        case(
            "documents outside, read by verify",
            add("[verify]\ndocuments = [\"/etc\"]\n"),
            &["verify"],
            1,
            "verify.documents names \"/etc\", which is absolute",
        ),
        bad(
            "documents outside",
            add("[verify]\ndocuments = [\"/etc\"]\n"),
            "verify.documents names \"/etc\", which is absolute",
        ),
        bad(
            "documents up and out",
            add("[verify]\ndocuments = [\"../outside\"]\n"),
            "verify.documents names \"../outside\", which goes up with `..`",
        ),
        bad(
            "documents through a symlink",
            vec![
                Link("notes", "{outside}"),
                Append(CONFIG, "[verify]\ndocuments = [\"notes\"]\n"),
            ],
            "verify.documents names \"notes\", which resolves through a symlink to",
        ),
        bad(
            "a sites document up and out",
            add("[verify]\nsites_doc = \"../outside/x.md\"\n"),
            "verify.sites_doc = \"../outside/x.md\" goes up with `..`",
        ),
        bad(
            "an absolute channels document",
            add("[verify]\nchannels_doc = \"/etc/hostname\"\n"),
            "verify.channels_doc = \"/etc/hostname\" is absolute",
        ),
        bad(
            "a Go module up and out",
            add("[release]\ngo_module = \"../outside\"\n"),
            "release.go_module = \"../outside\" goes up with `..`",
        ),
        bad(
            "an absolute Go module",
            add("[release]\ngo_module = \"/tmp\"\n"),
            "release.go_module = \"/tmp\" is absolute",
        ),
        bad(
            "a Go module through a symlink",
            vec![
                Link("gomod", "{outside}"),
                Append(CONFIG, "[release]\ngo_module = \"gomod\"\n"),
            ],
            "release.go_module = \"gomod\" resolves through a symlink to",
        ),
        bad(
            "a Go module whose tags run a command",
            add("[release]\ngo_module = \"go$(touch pwned)\"\n"),
            "release.go_module = \"go$(touch pwned)\" makes tags like",
        ),
        // The scratch folder the lock, evidence and blocker files go to.
        case(
            "a symlinked .scratch",
            vec![Link(".scratch", "{outside}")],
            release,
            1,
            ".scratch is a symlink",
        ),
        case(
            "a symlinked .scratch, for a bump",
            vec![Link(".scratch", "{outside}")],
            BUMP,
            1,
            ".scratch is a symlink",
        ),
        case(
            "a .scratch that is a file",
            vec![Put(".scratch", b"x")],
            BUMP,
            1,
            ".scratch is not a folder",
        ),
        case(
            "a symlinked .scratch/release",
            vec![Mkdir(".scratch"), Link(".scratch/release", "{outside}")],
            release,
            1,
            ".scratch/release is a symlink",
        ),
        case(
            "a symlinked lock file",
            vec![
                Mkdir(".scratch"),
                Link(".scratch/xtask.lock", "{outside}/package.json"),
            ],
            BUMP,
            1,
            ".scratch/xtask.lock is a symlink",
        ),
        case(
            "a symlinked evidence file",
            vec![
                Mkdir(".scratch/release"),
                Link(
                    ".scratch/release/evidence-v1.5.0.json",
                    "{outside}/package.json",
                ),
            ],
            release,
            1,
            ".scratch/release/evidence-v1.5.0.json is a symlink",
        ),
        // Values that reach git's command line.
        case(
            "a remote that is an option running a command",
            git("[git]\nremote = \"--upload-pack=touch pwned;false\"\n"),
            release,
            2,
            "git.remote = \"--upload-pack=touch pwned;false\" is not a remote's name",
        ),
        bad(
            "a remote that is a short option",
            git("[git]\nremote = \"-v\"\n"),
            "git.remote = \"-v\" is not a remote's name: a remote name cannot start with `-`",
        ),
        bad(
            "a remote with a command substitution",
            git("[git]\nremote = \"$(touch pwned)\"\n"),
            "git.remote = \"$(touch pwned)\" is not a remote's name",
        ),
        bad(
            "a remote with a semicolon",
            git("[git]\nremote = \"origin;touch\"\n"),
            "a remote name cannot contain `;`",
        ),
        bad(
            "an empty remote",
            git("[git]\nremote = \"\"\n"),
            "git.remote = \"\" is not a remote's name: a remote name cannot be empty",
        ),
        bad(
            "a remote that is a URL",
            git("[git]\nremote = \"https://example.com/x.git\"\n"),
            "git.remote = \"https://example.com/x.git\" is not a remote's name",
        ),
        case(
            "a branch that is an option",
            git("[git]\nbranches = [\"--output=pwned\"]\n"),
            release,
            2,
            "git.branches names \"--output=pwned\": a branch name cannot start with `-`",
        ),
        bad(
            "a second branch that is an option",
            git("[git]\nbranches = [\"main\", \"-x\"]\n"),
            "git.branches names \"-x\"",
        ),
        bad(
            "HEAD as a branch",
            git("[git]\nbranches = [\"HEAD\"]\n"),
            "git.branches names \"HEAD\": `HEAD` is not a branch name",
        ),
        bad(
            "a branch with a space",
            git("[git]\nbranches = [\"ma in\"]\n"),
            "a branch name cannot contain a space",
        ),
        bad(
            "a branch with a backtick",
            git("[git]\nbranches = [\"`id`\"]\n"),
            "a branch name cannot contain `` ` ``",
        ),
        bad(
            "a branch with ..",
            git("[git]\nbranches = [\"a..b\"]\n"),
            "a branch name cannot contain `..`",
        ),
        // tag_format: git's rules, and nothing a shell acts on.
        tag(
            "tag_format with a command substitution",
            "v{version}$(touch pwned)",
            "tag_format = \"v{version}$(touch pwned)\" makes tags like",
        ),
        tag(
            "tag_format with a backtick",
            "v{version}`id`",
            "a tag name cannot contain `` ` ``",
        ),
        tag(
            "tag_format with a semicolon",
            "v{version};id",
            "a tag name cannot contain `;`",
        ),
        tag(
            "tag_format with a pipe",
            "v{version}|sh",
            "a tag name cannot contain `|`",
        ),
        tag(
            "tag_format with an ampersand",
            "v{version}&",
            "a tag name cannot contain `&`",
        ),
        tag(
            "tag_format with a quote",
            "v{version}'",
            "a tag name cannot contain `'`",
        ),
        tag(
            "tag_format with a redirection",
            "v{version}>pwned",
            "a tag name cannot contain `>`",
        ),
        tag(
            "tag_format with a newline",
            "v{version}\\nnext: touch pwned",
            "a tag name cannot contain a control character",
        ),
        // Gate names are identifiers: no forged `next:` line.
        bad(
            "a gate name with a newline",
            add("[[gate]]\nname = \"fmt\\nnext: touch pwned\"\ncommand = \"true\"\n"),
            "gate[0].name = \"fmt\\nnext: touch pwned\" must be one word of letters, digits",
        ),
        bad(
            "a gate name with a carriage return",
            add("[[gate]]\nname = \"fmt\\rnext: x\"\ncommand = \"true\"\n"),
            "gate[0].name = \"fmt\\rnext: x\" must be one word",
        ),
        bad(
            "a gate name that is an option",
            add("[[gate]]\nname = \"-x\"\ncommand = \"true\"\n"),
            "gate[0].name = \"-x\" must be one word",
        ),
        bad(
            "a gate name with a space",
            add("[[gate]]\nname = \"my gate\"\ncommand = \"true\"\n"),
            "gate[0].name = \"my gate\" must be one word",
        ),
        bad(
            "a gate name with a command substitution",
            add("[[gate]]\nname = \"$(touch pwned)\"\ncommand = \"true\"\n"),
            "gate[0].name = \"$(touch pwned)\" must be one word",
        ),
        bad(
            "an empty gate name",
            add("[[gate]]\nname = \"\"\ncommand = \"true\"\n"),
            "gate[0].name = \"\" must be one word",
        ),
        // Other values that reach gh, URLs or the build workflow's commands.
        bad(
            "a CI workflow up and out",
            add("[release]\nci_workflow = \"../../outside/x.yml\"\n"),
            "release.ci_workflow = \"../../outside/x.yml\" must be a file name in .github/workflows/",
        ),
        bad(
            "a build workflow that is an option",
            add("[release]\nbuild_workflow = \"-x.yml\"\n"),
            "release.build_workflow = \"-x.yml\" must be a file name",
        ),
        bad(
            "a publish workflow with a semicolon",
            add("[release]\npublish_workflow = \"release.yml;id\"\n"),
            "release.publish_workflow = \"release.yml;id\" must be a file name",
        ),
        bad(
            "a GitHub repository that goes up",
            add("[release]\ngithub_repo = \"../x\"\n"),
            "release.github_repo = \"../x\" must be owner/name",
        ),
        bad(
            "a GitHub repository that is an option",
            add("[release]\ngithub_repo = \"-o/r\"\n"),
            "release.github_repo = \"-o/r\" must be owner/name",
        ),
        bad(
            "a crate name that goes up",
            add("[delivery]\nchannels = [\"crates\"]\ncrate = \"../x\"\n"),
            "delivery.crate = \"../x\" must be a package name",
        ),
        bad(
            "an npm name with a command",
            add("[delivery]\nchannels = [\"npm\"]\nnpm_package = \"x$(id)\"\n"),
            "delivery.npm_package = \"x$(id)\" must be an npm package name",
        ),
        bad(
            "a PyPI name with a space",
            add("[delivery]\nchannels = [\"pypi\"]\npypi_package = \"x y\"\n"),
            "delivery.pypi_package = \"x y\" must be a package name",
        ),
        bad(
            "a target triple with a command",
            add(
                "[assets]\nname = \"f\"\n[[target]]\ntriple = \"x86_64;id\"\nrunner = \"ubuntu-24.04\"\nplatform = \"linux\"\narchive = \"tar.gz\"\n",
            ),
            "target[0].triple = \"x86_64;id\" must be one word",
        ),
        bad(
            "a runner with a command",
            add(
                "[assets]\nname = \"f\"\n[[target]]\ntriple = \"x86_64\"\nrunner = \"$(id)\"\nplatform = \"linux\"\narchive = \"tar.gz\"\n",
            ),
            "target[0].runner = \"$(id)\" must be one word",
        ),
        bad(
            "an asset name with a command",
            add("[assets]\nname = \"f;id\"\n"),
            "assets.name = \"f;id\" must be one word",
        ),
    ]
}

#[test]
fn config_that_reaches_outside_or_runs_commands_is_refused() {
    check("reaching", &reaching());
}

/// The hostile `[git]` and `tag_format` values of the issue, on a real
/// repository with an `origin` where a dry-run reaches `git fetch`: each is
/// refused by key (exit 2) before git runs, so the marker it would create
/// never exists, no tag is made and no file changes.
#[test]
fn hostile_git_values_run_nothing_in_a_release_dry_run() {
    let cases: [(&str, &str, &str); 4] = [
        (
            "branches = [\"main\"]",
            "branches = [\"main\"]\nremote = \"--upload-pack=touch {marker};false\"",
            "git.remote = \"--upload-pack=touch ",
        ),
        (
            "branches = [\"main\"]",
            "branches = [\"--output={marker}\"]",
            "git.branches names \"--output=",
        ),
        (
            "tag_format = \"v{version}\"",
            "tag_format = \"v{version}$(touch {marker})\"",
            "tag_format = \"v{version}$(touch ",
        ),
        (
            "tag_format = \"v{version}\"",
            "tag_format = \"v{version}`touch {marker}`\"",
            "tag_format = \"v{version}`touch ",
        ),
    ];
    let mut tried = 0;
    for (from, to, says) in cases {
        let repo = TempRepo::with_origin("release/in");
        let marker = repo.base().join("pwned");
        let config = repo.read(CONFIG);
        let to = to.replace("{marker}", &marker.to_string_lossy());
        repo.write(CONFIG, &config.replacen(from, &to, 1));
        repo.git(&["commit", "--quiet", "-am", "hostile config"]);
        let before = repo.snapshot();
        let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
        run.failure(2);
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
        assert!(!marker.exists(), "{to}: a command ran");
        assert!(
            !repo.path(".scratch").exists(),
            "{to}: .scratch was written"
        );
        assert_eq!(repo.tags(), ["v1.4.2"], "{to}");
        crate::support::assert_same_tree(&repo.snapshot(), &before);
        tried += 1;
    }
    // A --base-tag that is an option is refused by name too.
    let repo = TempRepo::with_origin("release/in");
    let run = repo.xtask_with(&["release", "v1.5.0", "--base-tag=--output=x"], &[]);
    run.failure(2);
    assert!(
        run.stderr.contains(
            "--base-tag \"--output=x\" is not a tag name: a tag name cannot start with `-`"
        ),
        "{}",
        run.stderr
    );
    assert!(!repo.path("x").exists());
    eprintln!(
        "hostile git values on a real repository: {} refused",
        tried + 1
    );
}

/// A symlinked `.scratch` on a repository where a dry-run writes evidence:
/// refused before the lock, the evidence or a blocker file is written
/// through it.
#[test]
fn a_symlinked_scratch_gets_nothing_written_through_it() {
    let repo = TempRepo::with_origin("release/in");
    let outside = repo.base().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, repo.path(".scratch")).unwrap();
    let run = repo.xtask_with(&["release", "v1.5.0"], &[]);
    run.failure(1);
    assert!(
        run.stderr.contains(".scratch is a symlink (to ")
            && run
                .stderr
                .contains("remove the link (`rm .scratch`) and rerun"),
        "{}",
        run.stderr
    );
    let written: Vec<_> = std::fs::read_dir(&outside).unwrap().flatten().collect();
    assert!(written.is_empty(), "written outside: {written:?}");
    assert!(repo.ergo_calls().is_empty(), "{:?}", repo.ergo_calls());
}

/// A printed command is quoted for a shell: pasted, it is the same words.
#[test]
fn printed_commands_split_back_to_their_words() {
    let repo = TempRepo::plain("lockstep/in");
    let run = repo.xtask(&["bump", "minor"]);
    run.success();
    let line = run
        .all()
        .lines()
        .find_map(|l| l.strip_prefix("next: review `git diff`, then commit and push: "))
        .map(String::from)
        .expect("a next: line");
    let commands: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
    assert_eq!(
        commands,
        ["git commit -am 'Release v1.5.0'", "git push origin HEAD"]
    );
    assert_eq!(
        shlex::split(commands[0]).unwrap(),
        ["git", "commit", "-am", "Release v1.5.0"]
    );
}
