/**
 * `saltline/worker`: transports for web workers, `MessagePort`s and Node `worker_threads`.
 * Each factory takes the platform object you already have and returns a transport for
 * `createPeer`. Values travel by structured clone; `ArrayBuffer`s can be transferred.
 */
import type { Transport } from '../src/transport.js';
import { EndpointTransport, type Endpoint } from './endpoint.js';

export type { Endpoint, DomEndpoint, NodeEndpoint, PostMessageTarget } from './endpoint.js';

/** A port with `close()`: browser `MessagePort` or Node `worker_threads` `MessagePort`. */
export type PortLike = Endpoint & { close(): void };
/** A worker with `terminate()`: browser `Worker` or Node `worker_threads` `Worker`. */
export type WorkerLike = Endpoint & { terminate(): unknown };

export interface WorkerTransportOptions {
  /** Terminate the worker when the peer closes. Default false: the worker is yours. */
  readonly terminate?: boolean;
}

/** One end of a `MessageChannel`. Closing the peer closes the port, which the far side sees where the platform reports it. */
export function fromPort(port: PortLike): Transport {
  return new EndpointTransport(port, () => port.close(), undefined);
}

/** A worker, from the side that created it. A Node worker's exit closes the peer. */
export function fromWorker(worker: WorkerLike, options: WorkerTransportOptions = {}): Transport {
  return new EndpointTransport(worker, () => {
    if (options.terminate) void worker.terminate();
  }, true);
}

/** Inside a worker: its `self`, or Node's `parentPort`. Closing the peer only stops listening. */
export function fromWorkerScope(scope: Endpoint): Transport {
  return new EndpointTransport(scope, () => {}, false);
}
