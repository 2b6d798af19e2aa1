export * from './tree.js';
export { TIME_FOLDER } from './clock.js';
export { bittenRowsFor, expectedExamine, BITTEN_SLAVES, type BittenRow, type ExamineRow } from './bitten.js';
export { dnaText, type DnaForm } from './dna.js';
export type { SampleTarball } from './placeTarball.js';
export { mulberry32, mulberry32u32, randomBytesFrom, seedFrom } from './prng.js';
export { writeTarGz, type Member } from './tarGz.js';
export { TRACDB_MEMBER } from './tracEnv.js';
