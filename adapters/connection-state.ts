/** The `state` / `onStateChange` pair, shared with the adapters whose links still come and go on their own. */
export { type ConnectionState, type ConnectionStateChange, ConnectionStateful } from '../src/connection-state.js';
