/**
 * The part of semver that `requires: { saltline }` needs, and nothing more: ranges `^x.y.z`,
 * `~x.y.z`, `>=x.y.z` and `x.y.z` (missing minor and patch are 0), alone or joined by `||`.
 * Prerelease tags are not supported; anything else throws, so a typo fails at `createPeer`.
 */
export const VERSION = '0.1.0';

type Triple = [number, number, number];

function parseVersion(text: string): Triple {
  const match = /^(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) throw new TypeError(`"${text}" is not a version this check reads (x.y.z)`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

const compare = (a: Triple, b: Triple): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether `version` lies in `range` (see the module comment for the forms read). */
export function satisfies(version: string, range: string): boolean {
  const have = parseVersion(version);
  return range.split('||').some((part) => {
    const text = part.trim();
    const operator = /^(\^|~|>=)?\s*/.exec(text)![1];
    const want = parseVersion(text.slice(operator?.length ?? 0));
    if (compare(have, want) < 0) return false;
    if (operator === '>=') return true;
    // ^ keeps the leftmost non-zero part: ^1.2.3 takes 1.x, ^0.2.3 takes 0.2.x, ^0.0.3 only itself.
    if (operator === '^')
      return want[0] > 0 ? have[0] === want[0] : want[1] > 0 ? have[0] === 0 && have[1] === want[1] : compare(have, want) === 0;
    // ~ keeps the minor: ~1.2.3 takes 1.2.x.
    if (operator === '~') return have[0] === want[0] && have[1] === want[1];
    return compare(have, want) === 0;
  });
}
