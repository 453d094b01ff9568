/**
 * `saltline/cluster`: N Node processes serving one API share broadcasts, signaling rooms and
 * presence through Redis pub/sub (`redisBus`), given to `serveWebSocket` and `signalingService`.
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
export { redisBus } from './redis-bus.js';
