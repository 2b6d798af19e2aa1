export { sourceProgram } from './program.js';
