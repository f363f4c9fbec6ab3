import fs from 'node:fs';
import path from 'node:path';

/** The package version (from package.json). */
export const version: string = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
