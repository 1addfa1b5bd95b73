//! Integration tests: the real `xtask` binary against temporary git repositories.
//!
//! One test crate, so the binary and the helpers are built once.

mod actions;
mod ghapi;
mod secrets;
mod server;
mod support;

mod bump;
mod changelog;
mod delivery;
mod drift;
mod homebrew;
mod lifecycle;
mod matrix;
mod publish;
mod real_gh;
mod realistic;
mod recovery;
mod rehearsal;
mod rehearsal_workflows;
mod release;
mod release_workflows;
mod reliability;
mod snapshots;
mod suites;
mod tidy;
mod verify;
mod workflows;
mod writes;
