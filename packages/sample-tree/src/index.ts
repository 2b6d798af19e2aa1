export * from './tree.js';
export * from './broken.js';
export { TIME_FOLDER } from './clock.js';
export { bittenRowsFor, expectedExamine, type BittenRow, type ExamineRow } from './bitten.js';
export type { DnaForm } from './dna.js';
export type { SampleTarball } from './placeTarball.js';
export { mulberry32, randomBytesFrom, seedFrom } from './prng.js';
export { writeTarGz, type Member } from './tarGz.js';
export { TRACDB_MEMBER } from './tracEnv.js';
