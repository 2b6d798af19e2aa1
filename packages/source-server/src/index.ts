export { sourceProgram } from './program.js';
export { buildServer, type ServerOptions } from './server.js';
export { Catalog, type CatalogEntry, type EntryState } from './catalog.js';
export { etagOf } from './httpConditions.js';
