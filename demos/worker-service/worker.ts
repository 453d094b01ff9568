/**
 * The worker side: expose the service on the worker's own scope. That is all a worker needs;
 * the peer answers calls until the page terminates the worker.
 */
import { createPeer } from 'saltline';
import { type DomEndpoint, fromWorkerScope } from 'saltline/worker';
import { service } from './service.js';

// The repo type-checks demos with the DOM lib only, where `self` is typed as a Window (whose
// postMessage takes a target origin). In a worker it is a DedicatedWorkerGlobalScope; with
// `"lib": ["WebWorker"]` in a worker tsconfig, `fromWorkerScope(self)` needs no cast.
createPeer(fromWorkerScope(self as unknown as DomEndpoint), { expose: service });
