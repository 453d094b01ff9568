/**
 * The files a tutorial tells its reader to write, taken from its code blocks, so a test can run
 * the tutorial as written: a block whose first line names a file (`// server.ts`,
 * `<!-- public/index.html -->`) is that file.
 */
import { snippetsOf } from './snippets.js';

const FENCE = /^```(html|js|mjs)\s*$/;
const HTML_NAME = /^<!--\s*([\w./-]+)\s*-->$/;
const JS_NAME = /^\/\/\s*([\w./-]+\.m?js)\b/;

/** Path (relative to the tutorial's folder) → content, for every named block of `markdown`. */
export function tutorialFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const snippet of snippetsOf('tutorial.md', markdown)) {
    if (!snippet.file.startsWith('snippet-')) files.set(snippet.file, snippet.code);
  }
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i]!)) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    const first = lines[i + 1] ?? '';
    const name = HTML_NAME.exec(first)?.[1] ?? JS_NAME.exec(first)?.[1];
    if (name) files.set(name, `${lines.slice(i + 1, end).join('\n')}\n`);
    i = end;
  }
  return files;
}
