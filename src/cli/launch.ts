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
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
