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
 * --heap-growing-percent=50: after a full GC V8 lets the old generation grow
 * by a factor it picks from GC and mutator speed; on the main thread's ~30 MiB
 * heap it picked about 1.4, and with that little room V8 started the next
 * incremental marking as soon as the last one ended (a full GC every ~110 ms,
 * `--trace-gc` in the CloudTrail run), keeping GC helper threads busy. A fixed
 * factor of 1.5 leaves enough room: CloudTrail over HTTP 28 -> 23 CPU-seconds
 * per million records (40-44k -> 48-53k records/s), syslog 9.6 -> 9.0 CPU-s
 * per million messages and 5 % more messages/s, at the same peak RSS (100,
 * a factor of 2, was a little faster and 25 MiB larger).
 *
 * --expose-gc: for MemoryKeeper (src/pipeline/memory-keeper.ts), which asks
 * for a concurrent full GC when dead ArrayBuffers pass a few MiB instead of
 * V8's 64 MiB per thread.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=50', '--expose-gc'];

/**
 * The environment asimd runs with, set in the same places (the shebang sets
 * part of it through `env -S`: SHEBANG_ENVIRONMENT).
 *
 * MALLOC_ARENA_MAX=1: glibc gives each thread that allocates its own malloc
 * arena, and memory freed in one (zlib's state, a worker's gzip output, shared
 * memory) stays in it. With one arena the threads reuse each other's: peak
 * RSS in `npm run bench` fell by 20–40 MiB at the same CPU per message. The
 * large allocations are few (buffers are pooled), so one lock costs nothing
 * measurable.
 *
 * MALLOC_MMAP_THRESHOLD_=131072: allocations from 128 KiB up (zlib's state
 * and output, shared buffers) are mapped and unmapped on their own. glibc's
 * default raises this threshold as such blocks are freed, after which they
 * come from the heap and leave holes it cannot return: in a 4-million-message
 * run on Node 24 RSS crept from 250 to 294 MiB and stayed there; with the
 * fixed threshold it held at 240-265 MiB, at the same messages/s (+2 % CPU).
 */
export const NODE_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * What of NODE_ENVIRONMENT the bin's shebang sets. Linux before 5.1 reads
 * only the first 127 bytes of a `#!` line and would cut a flag in half, so
 * the shebang keeps to that and leaves out the mmap threshold (an RSS
 * refinement); the image, the systemd unit and `npm start` set all of it.
 */
export const SHEBANG_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/** The longest `#!` line every supported kernel reads whole (BINPRM_BUF_SIZE was 128 before Linux 5.1). */
export const SHEBANG_MAX_BYTES = 127;
