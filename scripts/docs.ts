/**
 * Regenerates the parts of the docs that come from code: the README's config
 * reference, metrics list and error codes, config/asimd.example.yaml, and the
 * default DCR template config/dcr/asimd.dcr.json.
 * `npm run docs` writes them; test/docs.test.ts fails when they are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderDocs } from '../src/docs.ts';

const root = new URL('../', import.meta.url);
const readme = new URL('README.md', root);
const example = new URL('config/asimd.example.yaml', root);
const rendered = await renderDocs(readFileSync(readme, "utf8"));
writeFileSync(readme, rendered.readme);
writeFileSync(example, rendered.exampleYaml);
writeFileSync(new URL('config/dcr/asimd.dcr.json', root), rendered.dcrTemplate);
process.stdout.write('README.md, config/asimd.example.yaml and config/dcr/asimd.dcr.json regenerated\n');
