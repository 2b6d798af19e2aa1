#!/usr/bin/env node
import { main } from '@altbackup/shared';
import { targetProgram } from './program.js';

await main(targetProgram);
