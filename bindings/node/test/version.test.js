'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const plasmite = require('..');

const root = path.join(__dirname, '..');

test('version comes from package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.strictEqual(plasmite.version, pkg.version);
});

test('package-lock.json holds the same version twice', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  assert.strictEqual(lock.version, plasmite.version);
  assert.strictEqual(lock.packages[''].version, plasmite.version);
});

test('version matches the Rust crate', () => {
  const cargo = fs.readFileSync(path.join(root, '..', '..', 'Cargo.toml'), 'utf8');
  const crate = /^version = "([^"]+)"/m.exec(cargo)[1];
  assert.strictEqual(plasmite.version, crate);
});

test('versionLine', () => {
  assert.strictEqual(plasmite.versionLine(), `plasmite ${plasmite.version}`);
});
