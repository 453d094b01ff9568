import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { equal } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

describe('the remote proxy in Node', () => {
  checkLeaks();

  it('shows its label to util.inspect, and so to console.log, without a call', () => {
    const { client } = connectors[0]!.connect();
    const remote = client.remote<any>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped on purpose
    equal(inspect({ add: remote.math.add }), '{ add: [saltline remote math.add] }');
    equal(client.stats().pendingCalls, 0);
  });
});
