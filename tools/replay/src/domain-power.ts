// The power model and energy rules of libs/domain, through one file so that, once libs/domain/src/index.ts
// exports './power', this line becomes `export * from '@somnus/domain'`.
export * from '../../../libs/domain/src/power';
