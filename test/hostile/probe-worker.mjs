// Node 20 workers do not inherit tsx's loader; this plain entry registers it, then loads the probe.
import { register } from 'tsx/esm/api';

register();
await import('./probe-thread.ts');
