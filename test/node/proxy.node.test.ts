import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { equal } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

describe('the remote proxy in Node', () => {
  checkLeaks();

  it('shows its label to util.inspect, and so to console.log, without a call', () => {
    const { client } = connectors[0]!.connect();
    // biome-ignore lint/suspicious/noExplicitAny: untyped on purpose
    const remote = client.remote<any>();
    equal(inspect({ add: remote.math.add }), '{ add: [saltline remote math.add] }');
    equal(client.stats().pendingCalls, 0);
  });
});
