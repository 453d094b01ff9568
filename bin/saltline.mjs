#!/usr/bin/env node
// `npx saltline`: the IDL tool chain (gen, check, fmt, export-idl); see docs/idl.md.
import { runCli } from '../dist/cli.js';

process.exitCode = await runCli(process.argv.slice(2));
