//! The real `gh` against a local GitHub API double (fixtures/ghapi/double.py)
//! over TLS, for the tests that drive the real client: one double per test,
//! a certificate for localhost made once per test run with `openssl`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{Run, TempRepo, fixtures, python_dir};

/// The real gh, and the double it talks to for one test repository.
pub(crate) struct RealGh {
    child: Child,
    pub port: u16,
    /// `gh` (a link to the installed one) and the fake `ergo`.
    tools: PathBuf,
    config: PathBuf,
    state: PathBuf,
}

/// The installed gh (its path and `gh --version` line), found once.
pub(crate) fn installed_gh() -> Option<&'static (PathBuf, String)> {
    static GH: OnceLock<Option<(PathBuf, String)>> = OnceLock::new();
    GH.get_or_init(|| {
        let path = std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|dir| dir.join("gh"))
            .find(|p| p.is_file())?;
        let out = Command::new(&path)
            .arg("--version")
            .env("GH_NO_UPDATE_NOTIFIER", "1")
            .output()
            .ok()?;
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()?
            .to_string();
        out.status.success().then_some((path, version))
    })
    .as_ref()
}

/// A self-signed certificate for localhost, and a CA bundle holding the
/// system's roots and it (for SSL_CERT_FILE): (bundle, cert, key).
fn tls() -> Option<&'static (PathBuf, PathBuf, PathBuf)> {
    static TLS: OnceLock<Option<(PathBuf, PathBuf, PathBuf)>> = OnceLock::new();
    TLS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("xtask-it-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        let out = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .args(["-subj", "/CN=localhost"])
            .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "openssl could not make a test certificate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut bundle = std::fs::read("/etc/ssl/certs/ca-certificates.crt").unwrap_or_default();
        bundle.extend(std::fs::read(&cert).unwrap());
        let bundle_path = dir.join("bundle.pem");
        std::fs::write(&bundle_path, bundle).unwrap();
        Some((bundle_path, cert, key))
    })
    .as_ref()
}

impl RealGh {
    /// Starts the double for `repo` (whose config names `github_repo`), or
    /// `None` when gh or openssl is not installed. On CI (CI=true), which
    /// installs both, a missing one fails the test instead.
    pub(crate) fn start(repo: &TempRepo, github_repo: &str) -> Option<RealGh> {
        RealGh::start_with(repo, github_repo, None)
    }

    /// [`RealGh::start`], the double also serving the release recorded in
    /// `releases` (a folder like `fixtures/delivery/gh`).
    pub(crate) fn start_with(
        repo: &TempRepo,
        github_repo: &str,
        releases: Option<&Path>,
    ) -> Option<RealGh> {
        let Some((gh, _)) = installed_gh() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but gh is not installed: .ci/run installs Debian's gh"
            );
            eprintln!("skipped: gh is not installed");
            return None;
        };
        let Some((_, cert, key)) = tls() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but openssl is not installed: .ci/run installs it"
            );
            eprintln!("skipped: openssl is not installed");
            return None;
        };
        let base = repo.base();
        let tools = base.join("real-gh/bin");
        let config = base.join("real-gh/config");
        std::fs::create_dir_all(&tools).unwrap();
        std::fs::create_dir_all(&config).unwrap();
        std::fs::create_dir_all(repo.fake_state()).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(gh, tools.join("gh")).unwrap();
            let ergo = base.join("fakes/bin/ergo");
            if ergo.exists() {
                std::os::unix::fs::symlink(ergo, tools.join("ergo")).unwrap();
            }
        }
        let python = python_dir()
            .map(|d| d.join("python3"))
            .unwrap_or_else(|| "python3".into());
        let mut double = Command::new(python);
        if let Some(dir) = releases {
            double
                .arg(fixtures().join("ghapi/double.py"))
                .arg("--releases")
                .arg(dir);
        } else {
            double.arg(fixtures().join("ghapi/double.py"));
        }
        let mut child = double
            .arg("--dir")
            .arg(repo.fake_state())
            .arg("--origin")
            .arg(base.join("origin.git"))
            .args(["--repo", github_repo])
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the GitHub API double");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the double printed {line:?}, not its port"));
        Some(RealGh {
            child,
            port,
            tools,
            config,
            state: repo.fake_state(),
        })
    }

    /// Runs the xtask with the real gh talking to the double (and the fake ergo).
    pub(crate) fn xtask(&self, repo: &TempRepo, args: &[&str]) -> Run {
        let host = format!("localhost:{}", self.port);
        let (bundle, _, _) = tls().unwrap();
        let config = self.config.to_str().unwrap();
        let env = [
            ("GH_HOST", host.as_str()),
            ("GH_ENTERPRISE_TOKEN", "test-token-for-the-double"),
            ("GH_CONFIG_DIR", config),
            ("SSL_CERT_FILE", bundle.to_str().unwrap()),
            ("GH_NO_UPDATE_NOTIFIER", "1"),
            ("GH_PROMPT_DISABLED", "1"),
            ("NO_COLOR", "1"),
        ];
        repo.xtask_with_tools(&self.tools, args, &env)
    }

    /// Every request the double got: `{"method", "path", "query", "body"}`.
    pub(crate) fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(self.state.join("api.log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Each request as `METHOD /path`, without the `/api/v3` prefix.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| {
                let path = r["path"].as_str().unwrap();
                let path = path.strip_prefix("/api/v3").unwrap_or(path);
                format!("{} {path}", r["method"].as_str().unwrap())
            })
            .collect()
    }
}

impl Drop for RealGh {
    fn drop(&mut self) {
        // Closing its stdin stops the double; kill it if it does not.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
