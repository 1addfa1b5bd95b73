//! Integration tests: the real `xtask` binary against temporary git repositories.
//!
//! One test crate, so the binary and the helpers are built once.

mod server;
mod support;

mod bump;
mod changelog;
mod delivery;
mod drift;
mod homebrew;
mod matrix;
mod publish;
mod realistic;
mod release;
mod tidy;
mod verify;
mod workflows;
