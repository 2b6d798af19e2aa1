#!/usr/bin/env node
import { main } from '@altbackup/shared';
import { sourceProgram } from './program.js';

await main(sourceProgram);
