/**
 * The Node.js flags asimd runs with, wherever it is started: the bin's shebang
 * (npx asimd, the systemd unit's /usr/bin/asimd), `npm start`, the image's
 * ENTRYPOINT, and the benches and tests that start the agent
 * (test/packaging.test.ts keeps them in step).
 *
 * --max-semi-space-size=4: the main thread allocates many short-lived buffers;
 * with V8's default (up to 16 MiB per semi-space) its young generation alone
 * grew to about 48 MiB under load. At 4 MiB peak RSS in `npm run bench` fell
 * from 276 to 235 MiB at the same CPU per message.
 *
 * --expose-gc: for MemoryKeeper (src/pipeline/memory-keeper.ts), which asks
 * for a concurrent full GC when dead ArrayBuffers pass a few MiB instead of
 * V8's 64 MiB per thread.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--expose-gc'];

/**
 * The environment asimd runs with, set in the same places (the shebang sets
 * it through `env -S`).
 *
 * MALLOC_ARENA_MAX=1: glibc gives each thread that allocates its own malloc
 * arena, and memory freed in one (zlib's state, a worker's gzip output, shared
 * memory) stays in it. With one arena the threads reuse each other's: peak
 * RSS in `npm run bench` fell by 20–40 MiB at the same CPU per message. The
 * large allocations are few (buffers are pooled), so one lock costs nothing
 * measurable.
 */
export const NODE_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
