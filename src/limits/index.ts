/** `saltline/limits`: rate limits (GCRA and a concurrency gate) and the caller's polite retry. */
export type { Rate } from './gcra.js';
export { type RateLimited, type RateLimitOptions, rateLimit } from './rate-limit.js';
export { type RetryOptions, retryRateLimited } from './retry.js';
