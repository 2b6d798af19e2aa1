export { targetProgram } from './program.js';
export * from './ledger/ledger.js';
