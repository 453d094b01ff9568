/**
 * `saltline/pool`: one API over several members (workers, WebSocket servers, any transport),
 * balanced by fewest pending calls or in turn, with failed members replaced.
 */
export {
  createPool,
  DEFAULT_MAX_WAITING,
  DEFAULT_POOL_SIZE,
  type Pool,
  type PoolFactory,
  type PoolMemberStats,
  type PoolOptions,
  type PoolStats,
  type PoolStrategy,
} from './pool.js';
