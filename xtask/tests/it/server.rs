//! A tiny HTTP/1.1 server on 127.0.0.1 for the delivery tests: it serves
//! recorded registry answers from fixture files, and can hang or answer late.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How the server answers one path.
#[derive(Clone)]
pub(crate) enum Answer {
    /// 200 with a fixture file (relative to `tests/fixtures`).
    File(&'static str),
    /// A bare status, such as 404 or 500.
    Status(u16),
    /// Accept the request and never answer (until the server stops).
    Hang,
    /// 404 for the first `misses` requests, then `then`: a version that shows up late.
    Late { misses: usize, then: Box<Answer> },
    /// `then` once the file exists (a fake made it), `otherwise` before.
    OnceFile {
        file: PathBuf,
        then: Box<Answer>,
        otherwise: Box<Answer>,
    },
    /// Under the route `*`: any path not routed is this directory's file of
    /// that path (200), or 404. Registries whose content changes during a test.
    Dir(PathBuf),
}

pub(crate) struct Server {
    pub url: String,
    stop: Arc<AtomicBool>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts serving `routes` (exact paths); any other path is 404.
    pub(crate) fn start(routes: Vec<(&str, Answer)>) -> Server {
        Server::start_for(routes, Duration::from_secs(600))
    }

    /// Serves the files below `root`, for at most ten minutes: registries
    /// that the workflow harness's publish stubs write to.
    pub(crate) fn directory(root: PathBuf) -> Server {
        Server::start_for(vec![("*", Answer::Dir(root))], Duration::from_secs(600))
    }

    fn start_for(routes: Vec<(&str, Answer)>, lifetime: Duration) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<HashMap<String, Answer>> = Arc::new(
            routes
                .into_iter()
                .map(|(p, a)| (p.to_string(), a))
                .collect(),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let accept = {
            let (stop, hits) = (stop.clone(), hits.clone());
            std::thread::spawn(move || {
                let started = Instant::now();
                // Bounded: a test server never outlives its lifetime.
                while !stop.load(Ordering::SeqCst) && started.elapsed() < lifetime {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (routes, stop, hits) = (routes.clone(), stop.clone(), hits.clone());
                            std::thread::spawn(move || serve(stream, &routes, &stop, &hits));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Server {
            url,
            stop,
            hits,
            accept: Some(accept),
        }
    }

    /// How many requests `path` received.
    pub(crate) fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(
    mut stream: TcpStream,
    routes: &HashMap<String, Answer>,
    stop: &AtomicBool,
    hits: &Mutex<HashMap<String, usize>>,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let seen = {
        let mut hits = hits.lock().unwrap();
        let count = hits.entry(path.clone()).or_insert(0);
        *count += 1;
        *count - 1
    };
    let mut answer = match (routes.get(&path), routes.get("*")) {
        (Some(answer), _) => answer.clone(),
        (None, Some(Answer::Dir(root))) => Answer::Dir(root.join(path.trim_start_matches('/'))),
        (None, _) => Answer::Status(404),
    };
    loop {
        answer = match answer {
            Answer::Late { misses, then } if seen >= misses => *then,
            Answer::Late { .. } => Answer::Status(404),
            Answer::OnceFile {
                file,
                then,
                otherwise,
            } => {
                if file.exists() {
                    *then
                } else {
                    *otherwise
                }
            }
            other => break respond(&mut stream, other, stop),
        };
    }
}

fn respond(stream: &mut TcpStream, answer: Answer, stop: &AtomicBool) {
    let (status, body) = match answer {
        Answer::File(rel) => {
            let path: PathBuf = crate::support::fixtures().join(rel);
            (
                200,
                std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            )
        }
        Answer::Dir(file) => match std::fs::read(&file) {
            Ok(bytes) if file.is_file() => (200, bytes),
            _ => (404, b"{\"errors\":[{\"detail\":\"Not Found\"}]}".to_vec()),
        },
        Answer::Status(status) => (
            status,
            b"{\"errors\":[{\"detail\":\"Not Found\"}]}".to_vec(),
        ),
        Answer::Hang => {
            let started = Instant::now();
            while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(300) {
                std::thread::sleep(Duration::from_millis(10));
            }
            return;
        }
        Answer::Late { .. } | Answer::OnceFile { .. } => unreachable!("resolved by serve"),
    };
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}
