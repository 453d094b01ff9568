import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { VERSION } from '../../src/semver.js';
import { equal } from '../harness/assert.js';

describe('the version plugins are checked against', () => {
  it('is the version in package.json', () => {
    equal(VERSION, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  });
});
