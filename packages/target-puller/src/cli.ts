#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { main } from '@altbackup/shared';
import { targetProgram } from './program.js';

// undici parses HTTP with WebAssembly. V8's optimizing tier for it costs about
// 35 MB of memory per process and gains nothing measurable here (on a bulk
// download the parser only frames the body), so the baseline compiler does.
// Set before any request compiles the parser.
setFlagsFromString('--liftoff-only');

await main(targetProgram);
