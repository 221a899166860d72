#!/usr/bin/env node
// Thin entry point: everything lives in the compiled CLI so this file never needs a build.
import { main } from '../dist/lockstep.js';

main(process.argv.slice(2));
