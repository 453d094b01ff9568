/**
 * The API reference: TypeDoc over every public entry point, its modules named as users import
 * them (`saltline/webrtc`, not `adapters/webrtc`). TypeDoc because it reads TSDoc from the same
 * TypeScript program the package compiles with, is maintained, and renders a static, searchable
 * site with no server; the pages link each option to its type and show each field's default as
 * its doc comment says it.
 */
import { relative } from 'node:path';
import { Application, type DeclarationReflection, LogLevel, ReflectionKind, Renderer } from 'typedoc';
import { entries, root } from './entries.js';

/** One searchable name of the reference. */
export interface ApiSymbol {
  /** `createPeer`, `PeerOptions.timeout`. */
  readonly name: string;
  /** The entry point that exports it: `saltline/websocket`. */
  readonly entry: string;
  /** TypeDoc's kind, in words: `Function`, `Interface`, `Property`. */
  readonly kind: string;
  /** Its page (and anchor) under the reference's folder. */
  readonly url: string;
  /** The first sentence of its comment, for the search results. */
  readonly summary: string;
}

/** TypeDoc's default module name for a source file: its path from the root, without `.ts` or `/index`. */
const typedocName = (source: string): string =>
  relative(root, source)
    .split('\\')
    .join('/')
    .replace(/\.ts$/, '')
    .replace(/\/index$/, '');

const summaryOf = (reflection: DeclarationReflection): string => {
  const comment = reflection.comment ?? reflection.signatures?.[0]?.comment;
  const text = (comment?.summary ?? []).map((part) => part.text).join('');
  return (
    text
      .split(/(?<=\.)\s/)[0]
      ?.replace(/\s+/g, ' ')
      .trim() ?? ''
  );
};

/** Renders the reference into `out`; returns every module, export and member for the search index. */
export async function buildApi(out: string): Promise<ApiSymbol[]> {
  const list = entries();
  const app = await Application.bootstrapWithPlugins({
    entryPoints: list.map((entry) => entry.source),
    tsconfig: `${root}/tsconfig.json`,
    out,
    name: 'saltline API reference',
    readme: 'none',
    disableSources: true,
    favicon: `${import.meta.dirname}/assets/favicon.svg`,
    excludePrivate: true,
    excludeInternal: true,
    logLevel: LogLevel.Error,
    validation: { notExported: false, invalidLink: true, notDocumented: false },
    skipErrorChecking: true,
  });
  const project = await app.convert();
  if (project === undefined) throw new Error('TypeDoc could not convert the entry points');
  const names = new Map(list.map((entry) => [typedocName(entry.source), entry.name]));
  for (const module of project.children ?? []) module.name = names.get(module.name) ?? module.name;
  const symbols: ApiSymbol[] = [];
  // The router knows each page's URL only while rendering.
  app.renderer.on(Renderer.EVENT_BEGIN, () => {
    const router = app.renderer.router!;
    const add = (reflection: DeclarationReflection, entry: string, prefix: string): void => {
      if (!router.hasUrl(reflection)) return;
      const name = `${prefix}${reflection.name}`;
      const kind = ReflectionKind.singularString(reflection.kind);
      symbols.push({ name, entry, kind, url: router.getFullUrl(reflection), summary: summaryOf(reflection) });
      if (prefix === '') for (const child of reflection.children ?? []) add(child, entry, `${name}.`);
    };
    for (const module of project.children ?? []) {
      symbols.push({ name: module.name, entry: module.name, kind: 'Module', url: router.getFullUrl(module), summary: summaryOf(module) });
      for (const child of module.children ?? []) add(child, module.name, '');
    }
  });
  await app.generateDocs(project, out);
  return symbols;
}
