/**
 * Runs a suite once per native addon that loads ('native', 'native-portable'). An addon
 * that does not load is a skipped test — or a failure when SSM_POISON_REQUIRE_BACKENDS
 * names it (CI requires both).
 */
import assert from 'node:assert/strict';

import { type Addon, loadAddon } from '../../lib/backends/native';

export type AddonName = 'native' | 'native-portable';
export const ADDON_NAMES: readonly AddonName[] = ['native', 'native-portable'];

export function forEachAddon(suite: (name: AddonName, addon: Addon) => void): void {
  const required = (process.env.SSM_POISON_REQUIRE_BACKENDS ?? '').split(',').map((s) => s.trim());
  for (const name of ADDON_NAMES) {
    let addon: Addon | undefined;
    let reason = '';
    try {
      addon = loadAddon(name);
    } catch (e) {
      reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
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
