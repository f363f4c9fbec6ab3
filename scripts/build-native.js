#!/usr/bin/env node
// Builds the Node-API addon with node-gyp (run through npm so that node-gyp finds Node's
// headers). Two addons are built: `ssm_poison` (OpenBLAS when the probe finds it) and
// `ssm_poison_portable` (portable loops, always). During `npm install` a failed build is
// reported and ignored so that installation still succeeds; `--strict` (npm run build)
// makes a failure fatal.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const strict = process.argv.includes('--strict');
const root = path.join(__dirname, '..');

function nodeGypCommand() {
  if (process.env.npm_config_node_gyp) return [process.execPath, [process.env.npm_config_node_gyp]];
  try {
    return [process.execPath, [require.resolve('node-gyp/bin/node-gyp.js')]];
  } catch {
    const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
    return [process.execPath, [path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')]];
  }
}

// Node's own headers: npm passes its `nodedir` setting to scripts; when run directly, use
// the headers installed beside this Node.js if there are any (no download needed).
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const [cmd, args] = nodeGypCommand();
const jobs = process.env.JOBS || 'max';
const result = spawnSync(cmd, [...args, 'rebuild', `--jobs=${jobs}`, ...nodedirArgs()], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  const msg = `ssm-poison: building the native addon failed (exit ${result.status ?? result.signal}).`;
  if (strict) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(`${msg}\nssm-poison: continuing without it; the library will use another backend.`);
}
