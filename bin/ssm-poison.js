#!/usr/bin/env node
'use strict';
// A closed pipe on stdout (e.g. `ssm-poison reproduce | head`) ends the command quietly.
process.stdout.on('error', (err) => {
  if (err && err.code === 'EPIPE') process.exit(0);
  throw err;
});
require('../dist/lib/cli/main.js').main(process.argv);
