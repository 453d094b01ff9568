#!/usr/bin/env node
// `npx saltline`: the IDL tool chain (gen, check, fmt, export-idl); see docs/idl.md.
// In a clone the TypeScript source runs through tsx (a dev dependency), so the tool works before
// any build and is never a stale dist; the published package has no src/ and runs dist/cli.js.
import { existsSync } from 'node:fs';

const source = new URL('../src/schema/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);

async function load() {
  if (existsSync(source)) {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      return await import(source.href);
    } catch (error) {
      if (!existsSync(built)) throw error;
    }
  }
  return import(built.href);
}

let cli;
try {
  cli = await load();
} catch (error) {
  process.stderr.write(`saltline: cannot load the tool (${error.message}); run npm install, or npm run build\n`);
  process.exit(2);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
