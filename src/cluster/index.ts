/**
 * `saltline/cluster`: N Node processes serving one API share broadcasts, signaling rooms,
 * presence and cache invalidations through Redis pub/sub (`redisBus`), given to `serveWebSocket`,
 * `signalingService` and `clusterInvalidations`.
 */
export type { Bus } from '../../adapters/bus.js';
export {
  type BusLoss,
  DEFAULT_BUS_MESSAGE_SIZE,
  DEFAULT_HEARTBEAT,
  type RedisBus,
  type RedisBusOptions,
  type RedisBusStats,
} from './bus-options.js';
export { type ClusterInvalidations, type ClusterInvalidationsOptions, clusterInvalidations } from './invalidations.js';
export { redisBus } from './redis-bus.js';
