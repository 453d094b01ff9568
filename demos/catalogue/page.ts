/**
 * The catalogue page: a caching client (`createCache` with an IndexedDB store) of the catalogue
 * service. Results show where they came from; after a reload with the service down they come
 * from IndexedDB, flagged stale; a price change anywhere re-renders every open page.
 */
import { type CacheInfo, createPeer, RpcError } from 'saltline';
import { createCache, indexedDbStore } from 'saltline/cache';
import { connectWebSocket } from 'saltline/websocket';

interface Product {
  readonly id: string;
  readonly name: string;
  readonly price: number;
}
interface CatalogueApi {
  list(): Promise<Product[]>;
  setPrice(id: string, price: number): Promise<void>;
  outage(seconds: number): Promise<void>;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const cache = createCache({
  store: indexedDbStore({ name: 'saltline-catalogue-demo' }),
  scope: 'catalogue-demo',
  onInvalidate: () => void render(),
});
const dialer = connectWebSocket(`ws://${location.host}${location.pathname}ws`, {
  reconnect: { initialDelay: 500, maxDelay: 3_000, whileDown: 'fail' },
});
const peer = createPeer(dialer, { cache, timeout: 5_000 });
peer.onStateChange(({ state }) => {
  $('state').textContent = state;
  if (state === 'open') void render();
});
addEventListener('pagehide', () => peer.close());

async function render(): Promise<void> {
  let info: CacheInfo | undefined;
  try {
    const list = await peer.remote<CatalogueApi>({ cache: { onInfo: (i) => (info = i) } }).list();
    $('list').replaceChildren(
      ...list.map((p) => {
        const row = document.createElement('li');
        row.textContent = `${p.name}: ${p.price.toFixed(2)} €`;
        const raise = document.createElement('button');
        raise.textContent = '+1 €';
        raise.onclick = () =>
          void peer
            .remote<CatalogueApi>()
            .setPrice(p.id, p.price + 1)
            .catch(show);
        row.append(' ', raise);
        return row;
      }),
    );
    $('source').textContent = info ? `${info.source}, ${Math.round(info.age / 1000)} s old${info.stale ? ', stale' : ''}` : '';
    $('source').className = info?.stale ? 'out busy' : 'out ok';
  } catch (error) {
    show(error);
  }
  $('stats').textContent = JSON.stringify(cache.stats());
}

function show(error: unknown): void {
  $('source').textContent = error instanceof RpcError ? `${error.code}: ${error.message}` : String(error);
  $('source').className = 'out err';
}

$('refresh').onclick = () => void render();
$('outage').onclick = () => void peer.remote<CatalogueApi>().outage(30).catch(show);
void render();
