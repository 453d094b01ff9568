#!/usr/bin/env node
/**
 * The Node side of the idl-notes demo: `implement(Notes, handlers)` from the code generated out of
 * notes.saltline, one peer per WebSocket connection. Every call's arguments are validated before a
 * handler runs; a bad one is INVALID_ARGUMENT listing each issue's path and message.
 *
 * - `npm start` mounts it on the demo server at /demos/idl-notes/ws (demos/serve.mjs calls `attach`).
 * - `node demos/idl-notes/server.mjs` runs it alone on ws://127.0.0.1:8082/ (PORT to change).
 *
 * The generated module is TypeScript (erasable syntax only); tsx loads it here without the repo's
 * tsconfig paths, so its `saltline/schema` is the built package, like this file's imports.
 */
import { fileURLToPath } from 'node:url';
import { implement, versions } from 'saltline/schema';
import { serveWebSocket } from 'saltline/websocket';
import { tsImport } from 'tsx/esm/api';

const { Notes, NoteNotFound } = await tsImport('./gen/notes.ts', { parentURL: import.meta.url, tsconfig: false });

/** At most this many notes are kept (oldest dropped): the demo is open to any page of the server. */
const MAX_NOTES = 100;

export async function attach({ server, path = '/', port, origins = [] } = {}) {
  const notes = new Map();
  let next = 1;
  const find = (id) => {
    const note = notes.get(id);
    if (!note) throw NoteNotFound.create({ id }, `no note ${id}`);
    return note;
  };
  const handlers = {
    list: () => [...notes.values()],
    get: (id) => find(id),
    add: (title, body = '') => {
      const note = { id: `n${next++}`, title, body, revision: 1n, createdAt: new Date() };
      notes.set(note.id, note);
      if (notes.size > MAX_NOTES) notes.delete(notes.keys().next().value);
      return note;
    },
    remove: (id) => notes.delete(id),
  };
  const peer = { expose: implement(Notes, handlers), plugins: [versions({ provides: [Notes] })] };
  return serveWebSocket({ server, port, path: `${path}ws`, allowOrigins: origins, maxMessageSize: 64 * 1024, peer }, () => {});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const service = await attach({ port: Number(process.env.PORT ?? 8082), path: '/' });
  console.log(`idl-notes service: ${service.url}  (Ctrl+C to stop)`);
  process.once('SIGINT', async () => {
    await service.close();
    process.exit(0);
  });
}
