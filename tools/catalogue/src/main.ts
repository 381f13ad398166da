import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { asyncApiDocument, withCatalogue } from './catalogue';

/** `npm run catalogue`: rewrites the README's subject catalogue and docs/asyncapi.json from the contracts. */
const root = resolve(__dirname, '../../..');
const readmePath = resolve(root, 'README.md');
writeFileSync(readmePath, withCatalogue(readFileSync(readmePath, 'utf8')));
writeFileSync(resolve(root, 'docs/asyncapi.json'), `${JSON.stringify(asyncApiDocument(), null, 2)}\n`);
process.stdout.write('README.md subject catalogue and docs/asyncapi.json written\n');
