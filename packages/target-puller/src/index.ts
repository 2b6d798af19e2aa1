export { targetProgram } from './program.js';
export * from './ledger.js';
