/**
 * The browser `Origin` check of `serveWebSocket`. Browsers let a page on any site open a
 * WebSocket to any address (no same-origin policy, no CORS preflight), and send the page's origin
 * with it; other clients send none. So a server that never checks lets every site its users visit
 * call it with their cookies and from inside their network (127.0.0.1 included).
 */

/** Exact origins, or `'*'` for every origin (the `accept` hook decides). */
export type AllowOrigins = readonly string[] | '*';

/**
 * Checks and normalises an allow-list once, at start. Entries must be exact serialised origins
 * (`scheme://host[:port]`, lower case, no default port, no path): a pattern or a typo fails
 * loudly here rather than refusing, or worse admitting, at run time.
 */
export function originCheck(allow: AllowOrigins = []): (headers: Record<string, string | string[] | undefined>) => boolean {
  if (allow === '*') return () => true;
  const allowed = new Set<string>();
  for (const entry of allow) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (typeof entry !== 'string') throw new TypeError(`allowOrigins: ${String(entry)} is not a string`);
    if (entry === 'null') {
      throw new TypeError('allowOrigins: "null" is the origin of any sandboxed iframe or file: page, so allowing it allows every site');
    }
    if (entry !== origin || entry.includes('*')) {
      throw new TypeError(
        `allowOrigins: ${JSON.stringify(entry)} is not an exact origin such as "https://app.example" or "http://127.0.0.1:8080"` +
          `${origin && origin !== 'null' ? ` (did you mean ${JSON.stringify(origin)}?)` : ''}; patterns are not supported`,
      );
    }
    allowed.add(entry);
  }
  return (headers) => {
    // `Sec-WebSocket-Origin` is what browsers of protocol version 8 sent; `ws` still accepts that version.
    const origin = headers.origin ?? headers['sec-websocket-origin'];
    if (origin === undefined) return true; // not a browser
    return typeof origin === 'string' && allowed.has(origin);
  };
}
