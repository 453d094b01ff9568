import { describe, it } from '#harness';
import { equal, rejectsWith } from '../harness/assert.js';
import { checkLeaks, connectors } from '../support/connect.js';

class Service {
  secret() {
    return 'from the prototype';
  }
}

for (const connector of connectors) {
  describe(`method lookup over ${connector.name}`, () => {
    checkLeaks();

    const api = {
      visible: () => 'ok',
      nested: { inner: () => 'inner ok' },
      data: 42,
    };

    for (const name of [
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'isPrototypeOf',
      'propertyIsEnumerable',
      '__defineGetter__',
      '__lookupGetter__',
      'nested.__proto__',
      'nested.constructor',
      '__proto__.toString',
      'constructor.constructor',
      'visible.call',
      'visible.apply',
      'visible.bind',
    ]) {
      it(`refuses ${name} with NOT_FOUND`, async () => {
        const { client } = connector.connect({ expose: api });
        await rejectsWith(client.call(name, []), 'NOT_FOUND');
      });
    }

    it('refuses a method that lives on a class prototype', async () => {
      // expose() refuses a class instance (assertExposable); one added afterwards must still be unreachable.
      const mutable: Record<string, unknown> = { ...api };
      const { client } = connector.connect({ expose: mutable });
      mutable.instance = new Service();
      await rejectsWith(client.call('instance.secret'), 'NOT_FOUND');
    });

    it('refuses a property that is not a function', async () => {
      const { client } = connector.connect({ expose: api });
      await rejectsWith(client.call('data'), 'NOT_FOUND');
    });

    it('refuses a name that does not exist, and names it in the message', async () => {
      const { client } = connector.connect({ expose: api });
      const error = await rejectsWith(client.call('missing'), 'NOT_FOUND');
      equal(error.message, 'no method "missing" is exposed');
    });

    it('refuses a non-enumerable function', async () => {
      const hidden = { shown: () => 1 };
      Object.defineProperty(hidden, 'hidden', { value: () => 2, enumerable: false });
      const { client } = connector.connect({ expose: hidden });
      await rejectsWith(client.call('hidden'), 'NOT_FOUND');
      equal(await client.call('shown'), 1);
    });

    it('never runs a getter to find a method', async () => {
      let ran = false;
      const tricky = {
        get trap() {
          ran = true;
          return () => 'trapped';
        },
      };
      const { client } = connector.connect({ expose: tricky });
      await rejectsWith(client.call('trap'), 'NOT_FOUND');
      equal(ran, false);
    });

    it('refuses every call when nothing is exposed', async () => {
      const { client } = connector.connect();
      await rejectsWith(client.call('anything'), 'NOT_FOUND');
    });

    it('still calls what is exposed after refusing the rest', async () => {
      const { client } = connector.connect({ expose: api });
      await rejectsWith(client.call('__proto__'), 'NOT_FOUND');
      equal(await client.call('nested.inner'), 'inner ok');
    });
  });
}
