import { describe, it } from 'node:test';
import { RpcError } from '../../src/index.js';
import { equal, ok } from '../harness/assert.js';

describe('RpcError across two copies of the package', () => {
  it('is an RpcError to the other copy, both ways', async () => {
    // A query string loads the module a second time: two classes, as a bundle and a dependency would have.
    const specifier = '../../src/errors.ts?second-copy';
    const other = (await import(specifier)) as typeof import('../../src/errors.js');
    ok(other.RpcError !== RpcError);
    ok(new other.RpcError('NOT_FOUND', 'from the other copy') instanceof RpcError);
    ok(new RpcError('NOT_FOUND', 'from this copy') instanceof other.RpcError);
    equal(RpcError.from(new other.RpcError('ABORTED', 'kept as it is')).code, 'ABORTED');
  });
});
