import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CATALOGUE, openApiDocument } from '@somnus/contracts';
import { asyncApiDocument, catalogueMarkdown, withCatalogue } from './catalogue';

const root = resolve(__dirname, '../../..');

describe('the subject catalogue', () => {
  it('in the README is the one generated from the contracts (run `npm run catalogue` after changing them)', () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    expect(withCatalogue(readme)).toBe(readme);
  });

  it('in docs/asyncapi.json is the one generated from the contracts', () => {
    expect(JSON.parse(readFileSync(resolve(root, 'docs/asyncapi.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(asyncApiDocument())));
  });

  it('in docs/openapi.json is the OpenAPI document generated from the HTTP contracts (run `npm run catalogue` after changing them)', () => {
    expect(JSON.parse(readFileSync(resolve(root, 'docs/openapi.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('lists every subject once, and no two messages share a subject or a type', () => {
    const markdown = catalogueMarkdown();
    for (const m of CATALOGUE) expect(markdown.split(`\`${m.subject}\``)).toHaveLength(2);
    expect(new Set(CATALOGUE.map((m) => m.subject)).size).toBe(CATALOGUE.length);
    expect(new Set(CATALOGUE.map((m) => m.type)).size).toBe(CATALOGUE.length);
  });
});
