/**
 * Runs a suite once per implementation of the addon's run methods that loads: the native
 * addons ('native', 'native-portable') and the WebAssembly build of the same core ('wasm').
 * One that does not load is a skipped test — or a failure when SSM_POISON_REQUIRE_BACKENDS
 * names it (CI requires all three).
 */
import assert from 'node:assert/strict';

import type { RunAddon } from '../../lib/backends/addon-types';
import { backendLoadError } from '../../lib/backends/loader';
import { loadAddon } from '../../lib/backends/native';
import { type RunBackendName, RUN_BACKEND_NAMES, requireRunAddon } from '../../lib/backends/run-addon';

export type AddonName = RunBackendName;
export const ADDON_NAMES: readonly AddonName[] = RUN_BACKEND_NAMES;

/** The run methods of one implementation, or why it does not load. */
export function tryRunAddon(name: AddonName): { addon?: RunAddon; reason: string } {
  try {
    if (name === 'wasm') {
      const reason = backendLoadError('wasm');
      if (reason !== undefined) return { reason };
      return { addon: requireRunAddon('wasm', 'the tests').addon, reason: '' };
    }
    return { addon: loadAddon(name), reason: '' };
  } catch (e) {
    return { reason: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

export function forEachAddon(suite: (name: AddonName, addon: RunAddon) => void): void {
  const required = (process.env.SSM_POISON_REQUIRE_BACKENDS ?? '').split(',').map((s) => s.trim());
  for (const name of ADDON_NAMES) {
    const { addon, reason } = tryRunAddon(name);
    if (addon === undefined) {
      if (required.includes(name)) {
        it(`${name}: loads (required by SSM_POISON_REQUIRE_BACKENDS)`, () => {
          assert.fail(`the ${name} addon is required but does not load: ${reason}`);
        });
      } else {
        it(`${name}: skipped, the addon does not load: ${reason}`, function () {
          this.skip();
        });
      }
      continue;
    }
    const loaded = addon;
    describe(`${name} addon`, () => suite(name, loaded));
  }
}
