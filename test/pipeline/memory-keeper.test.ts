import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { MemoryKeeper } from '../../src/pipeline/memory-keeper.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

void t.test('without --expose-gc the keeper does nothing', async (t) => {
  const keeper = new MemoryKeeper(1);
  t.equal(keeper.active, 'gc' in globalThis);
  if (keeper.active) return;
  keeper.check();
  t.equal(keeper.collections, 0);
});

void t.test('with --expose-gc it collects once dead ArrayBuffers pass the threshold, not before', async (t) => {
  // A process of its own: --expose-gc cannot be turned on from here.
  const script = `
    import { MemoryKeeper } from './src/pipeline/memory-keeper.ts';
    const keeper = new MemoryKeeper(16 * 1024 * 1024);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 250));
    // Buffers that lived long enough to reach the old generation (as delivered batches do), then died:
    // only a full GC frees them.
    const oldGarbage = (mib) => {
      const held = Array.from({ length: mib }, () => new Uint8Array(1024 * 1024).fill(1));
      globalThis.gc({ type: 'minor' });
      globalThis.gc({ type: 'minor' });
      return held.length;
    };
    keeper.check();
    await pause();
    oldGarbage(8);
    keeper.check();
    const below = keeper.collections;
    await pause();
    oldGarbage(24);
    keeper.check();
    console.log(JSON.stringify({ active: keeper.active, below, above: keeper.collections }));
  `;
  const output = execFileSync(process.execPath, ['--expose-gc', '--import', './scripts/ts-loader.mjs', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { active: boolean; below: number; above: number };
  t.same(result, { active: true, below: 0, above: 1 }, '8 MiB of garbage: none; 32 MiB: one collection');
});
