import { readFileSync } from 'node:fs';
import t from 'tap';
import { renderDocs } from '../src/docs.ts';
import { ERROR_CODES } from '../src/errors/index.ts';

/*
 * The README's config reference, metrics list and error codes, and the example
 * config, are generated from the code. Stale docs fail here: run `npm run docs`.
 */

const root = new URL('../', import.meta.url);

void t.test('README and config/asimd.example.yaml are up to date with the code', async (t) => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const rendered = await renderDocs(readme);
  t.equal(readme, rendered.readme, 'README.md is current (npm run docs)');
  t.equal(readFileSync(new URL('config/asimd.example.yaml', root), 'utf8'), rendered.exampleYaml, 'asimd.example.yaml is current (npm run docs)');
  t.equal(readFileSync(new URL('config/dcr/asimd.dcr.json', root), 'utf8'), rendered.dcrTemplate, 'config/dcr/asimd.dcr.json is current (npm run docs)');
});

void t.test('every error code is documented in the README', async (t) => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  for (const code of Object.keys(ERROR_CODES)) t.match(readme, `\`${code}\``, code);
});

void t.test('the README shows the quick start and test commands', async (t) => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  t.match(readme, 'npm ci && npm start');
  t.match(readme, 'npm test');
  t.match(readme, 'logger --server 127.0.0.1 --port 5514 --tcp --rfc5424 "hello"');
});
