#!/usr/bin/env node
// The `tessera` command. Build first (`npm run build`); the logic lives in ../dist/main.js.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
