//! Integration tests: the real `xtask` binary against temporary git repositories.
//!
//! One test crate, so the binary and the helpers are built once.

mod support;

mod bump;
mod publish;
mod release;
mod verify;
