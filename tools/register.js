// Runs the TypeScript sources directly (SWC, with decorator metadata for NestJS) and resolves the
// workspace's `@somnus/*` path aliases, so `npm start` needs no separate build step.
'use strict';
const path = require('node:path');
const Module = require('node:module');

const root = path.resolve(__dirname, '..');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(root, 'tsconfig.base.json');

const { paths } = require(path.join(root, 'tsconfig.base.json')).compilerOptions;
const aliases = new Map(Object.entries(paths).map(([name, [target]]) => [name, path.join(root, target)]));

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  const target = aliases.get(request);
  return resolveFilename.call(this, target ?? request, ...rest);
};

require('@swc-node/register');
