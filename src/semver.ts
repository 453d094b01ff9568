/**
 * The part of semver that `requires: { saltline }` needs, and nothing more: `^x.y.z`, `~x.y.z`,
 * `>=x.y.z` and `x.y.z` (missing minor and patch are 0), alone or joined by `||`. Prereleases
 * and other forms throw, so a typo fails at `createPeer` rather than passing.
 */
export const VERSION = '0.1.0';

export function satisfies(version: string, range: string): boolean {
  const [a = 0, b = 0, c = 0] = version.split('.').map(Number);
  return range.split('||').some((part) => {
    const match = /^\s*(\^|~|>=)?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(part);
    if (!match) throw new TypeError(`"${range}" is not a range this check reads (^, ~, >= or x.y.z)`);
    const [x, y, z] = [2, 3, 4].map((i) => Number(match[i] ?? 0)) as [number, number, number];
    const order = a - x || b - y || c - z;
    if (order < 0) return false;
    // ^ keeps the leftmost non-zero part (^0.2.3 takes 0.2.x); ~ keeps the minor.
    if (match[1] === '^') return x ? a === x : y ? a === 0 && b === y : order === 0;
    if (match[1] === '~') return a === x && b === y;
    return match[1] === '>=' || order === 0;
  });
}
