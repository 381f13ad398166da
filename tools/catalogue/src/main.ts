import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiDocument } from '@somnus/contracts';
import { asyncApiDocument, withCatalogue } from './catalogue';

/** `npm run catalogue`: rewrites the README's subject catalogue, docs/asyncapi.json and docs/openapi.json from the contracts. */
const root = resolve(__dirname, '../../..');
const readmePath = resolve(root, 'README.md');
writeFileSync(readmePath, withCatalogue(readFileSync(readmePath, 'utf8')));
writeFileSync(resolve(root, 'docs/asyncapi.json'), `${JSON.stringify(asyncApiDocument(), null, 2)}\n`);
writeFileSync(resolve(root, 'docs/openapi.json'), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write('README.md subject catalogue, docs/asyncapi.json and docs/openapi.json written\n');
