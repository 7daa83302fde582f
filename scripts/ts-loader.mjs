// Lets `node --import ./scripts/ts-loader.mjs file.ts` run TypeScript the way tap does: register tap's
// ts-node fork (@isaacs/ts-node-temp-fork-for-pr-2009, what @tapjs/typescript imports) and its ESM
// loader through module.register. Transpile-only: `npm run typecheck` does the type checking.
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

process.env.TS_NODE_TRANSPILE_ONLY ??= '1';
const require = createRequire(import.meta.url);
const pkg = '@isaacs/ts-node-temp-fork-for-pr-2009';
require(pkg).register({ transpileOnly: true });
// The loader file is not in the package's "exports", so address it by path (as its own import.mjs does).
const pkgDir = dirname(require.resolve(`${pkg}/package.json`));
register(pathToFileURL(join(pkgDir, 'import-loader.mjs')));
