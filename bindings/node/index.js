'use strict';
// The Node binding of plasmite. Its version is the lock-step version of the
// Rust crate, read from package.json so there is one place to change.

const { version } = require('./package.json');

function versionLine() {
  return `plasmite ${version}`;
}

module.exports = { version, versionLine };
