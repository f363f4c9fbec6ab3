#!/usr/bin/env node
// Tells binding.gyp whether OpenBLAS can be linked. Never fails: prints "0" / empty
// strings when OpenBLAS is absent, so the portable build is made instead.
// Usage: node scripts/probe-openblas.js found|cflags|libs
// SSM_POISON_BLAS=portable forces the portable build.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function fromPkgConfig() {
  try {
    const opts = { stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' };
    const cflags = execFileSync('pkg-config', ['--cflags', 'openblas'], opts).trim();
    const libs = execFileSync('pkg-config', ['--libs', 'openblas'], opts).trim();
    return { cflags, libs };
  } catch {
    return null;
  }
}

function fromKnownPaths() {
  const includeDirs = [
    '/usr/include/x86_64-linux-gnu/openblas-pthread',
    '/usr/include/aarch64-linux-gnu/openblas-pthread',
    '/usr/include/openblas',
    '/usr/local/include',
    '/opt/homebrew/opt/openblas/include',
    '/usr/local/opt/openblas/include',
  ];
  const inc = includeDirs.find((d) => fs.existsSync(path.join(d, 'cblas.h')));
  if (!inc) return null;
  const libDirs = [
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/local/lib',
    path.join(inc, '..', 'lib'),
  ];
  const lib = libDirs.find((d) => ['libopenblas.so', 'libopenblas.dylib'].some((f) => fs.existsSync(path.join(d, f))));
  if (!lib) return null;
  return { cflags: `-I${inc}`, libs: `-L${lib} -lopenblas` };
}

function probe() {
  const forced = (process.env.SSM_POISON_BLAS || '').toLowerCase();
  if (forced === 'portable' || forced === 'none') return null;
  return fromPkgConfig() || fromKnownPaths();
}

const what = process.argv[2] || 'found';
const found = probe();
if (what === 'found') process.stdout.write(found ? '1' : '0');
else if (what === 'cflags') process.stdout.write(found ? found.cflags : '');
else if (what === 'libs') process.stdout.write(found ? found.libs : '');
else process.stdout.write('');
