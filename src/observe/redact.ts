/**
 * Redaction for log lines: values under keys that look like secrets are replaced, anywhere in the
 * fields, and `key=value` / `Bearer x` shapes inside strings (error messages) are masked too.
 * Copies are bounded in depth and width, so a hostile value cannot make a log line huge.
 */

/** Keys whose values never reach a log line. */
export const secretKeys: RegExp = /authorization|cookie|token|secret|password|passwd|api[-_]?key|session|credential|private[-_]?key/i;

/** What a masked value is replaced with in log lines. */
export const REDACTED = '[REDACTED]';

/** Nesting levels copied; deeper values become `'[…]'`. */
const MAX_DEPTH = 6;
/** Keys (or array items) copied per object; the rest are dropped. */
const MAX_KEYS = 64;
/** Characters kept of one string. */
const MAX_STRING = 1_024;

const bearer = /\b(bearer|basic)\s+[\w\-.~+/=]+/gi;

/** `text` with secret-looking `key=value`, `key: value` and `Bearer x` values masked, and cut to 1 KiB. */
export function redactText(text: string, keys: RegExp = secretKeys): string {
  const cut = text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…` : text;
  const pairs = new RegExp(`(${keys.source})(["']?\\s*[:=]\\s*)("[^"]*"|'[^']*'|[^\\s,;&}]+)`, 'gi');
  return cut.replace(pairs, `$1$2${REDACTED}`).replace(bearer, `$1 ${REDACTED}`);
}

/** A copy of `value` fit for a log line: secrets masked, errors as name, code and message. */
export function redact(value: unknown, keys: RegExp = secretKeys, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, keys);
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? '[function]' : value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Error) {
    const { name, message } = value;
    const code = (value as { code?: unknown }).code;
    return { name, ...(typeof code === 'string' ? { code } : {}), message: redactText(message, keys) };
  }
  if (Array.isArray(value)) return value.slice(0, MAX_KEYS).map((item) => redact(item, keys, depth + 1));
  const copy: Record<string, unknown> = {};
  let taken = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++taken > MAX_KEYS) break;
    copy[key] = keys.test(key) ? REDACTED : redact((value as Record<string, unknown>)[key], keys, depth + 1);
  }
  return copy;
}
