/** Character codes the scan reacts to. */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * A pass over JSON text that builds nothing, before `JSON.parse` builds everything: 32 MiB of
 * `{},` is 11 million objects, which no later check could stop. It counts the values and keys the
 * text holds (one, plus one per comma, colon and non-empty array or object: exact for valid JSON)
 * and its nesting, and throws past `maxValues` or `maxDepth`. Malformed text is left to the parser.
 * UTF-8 bytes are scanned as they are, before decoding (every byte of a multi-byte character is
 * over 0x7f, so none looks like a bracket or a quote). Given `ends`, it also records where each
 * element of the outermost array ends (after its comma; the last at the text's length).
 */
export function scanJson(text: string | Uint8Array, maxValues: number, maxDepth: number, ends?: number[]): void {
  const code = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let values = 1;
  let depth = 0;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = code(i);
    switch (unit) {
      case QUOTE:
        for (i++; i < text.length; i++) {
          const inner = code(i);
          if (inner === BACKSLASH) i++;
          else if (inner === QUOTE) break;
        }
        break;
      case OPEN_ARRAY:
      case OPEN_OBJECT:
        if (++depth > maxDepth) throw new RangeError(`JSON nested more than ${maxDepth} deep`);
        values++;
        break;
      case CLOSE_ARRAY:
      case CLOSE_OBJECT:
        if (--depth === 0 && last !== OPEN_ARRAY) ends?.push(text.length);
        // An empty array or object holds no value: take back what its opening counted.
        if (last === OPEN_ARRAY || last === OPEN_OBJECT) values--;
        break;
      case COMMA:
        if (depth === 1) ends?.push(i + 1);
        values++;
        break;
      case COLON:
        values++;
        break;
      case 0x20:
      case 0x09:
      case 0x0a:
      case 0x0d:
        continue;
    }
    if (values > maxValues) throw new RangeError(`JSON of more than ${maxValues} values`);
    last = unit;
  }
}
