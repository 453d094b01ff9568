/**
 * The JSON-RPC demo's service: a saltline API over JSON-RPC 2.0 HTTP at `${path}rpc`, mounted by
 * `npm start` (demos/serve.mjs) and by `main.mjs` when run alone. Nothing here is a WebSocket.
 */
import { RpcError } from 'saltline';
import { jsonRpcNodeListener } from 'saltline/jsonrpc';

function notesApi() {
  const notes = [];
  return {
    add: (a, b) => a + b,
    notes: {
      add(params) {
        const text = typeof params === 'object' && params ? params.text : params;
        if (typeof text !== 'string' || text.length === 0 || text.length > 200) {
          throw new RpcError('INVALID_ARGUMENT', 'a note is 1 to 200 characters');
        }
        notes.push({ id: notes.length + 1, text });
        if (notes.length > 50) notes.shift();
        return notes.at(-1);
      },
      list: () => notes,
    },
  };
}

/** Serves JSON-RPC at `${path}rpc`: `handle` answers that path and returns false for any other. */
export async function attach({ path }) {
  const rpc = jsonRpcNodeListener(notesApi());
  const url = `${path}rpc`;
  return {
    url,
    handle(request, response) {
      if (request.url !== url) return false;
      rpc(request, response);
      return true;
    },
    close: async () => {},
  };
}
