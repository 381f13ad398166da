import 'reflect-metadata';
import { descriptorOf } from '@somnus/all-in-one';
import { exitOnStartFailure, runServiceProcess } from '@somnus/runtime';

/** `npm run service -- <name>`: one service of the distributed stack (the container entrypoint). */
const name = process.argv[2] ?? '';
Promise.resolve()
  .then(() => runServiceProcess(descriptorOf(name)))
  .catch(exitOnStartFailure(name || 'service'));
