// kobo-shelf's service worker: pages you visited stay readable without a network.
//
// Hand-written rather than Workbox: four strategies in one file, no build step, nothing added
// to the WASM or the binary but these lines. `offline.js` registers it, only for a reader who
// may see the library (signed in, or login off), with the cache's bounds in its address.
//
// - The bundle (`/pkg/`, named by the hash of its content): cache first.
// - Pages: the network first, the copy last seen if it takes longer than NETWORK_TIMEOUT_MS
//   or fails; a page never seen, the offline page (the books that are kept).
// - Covers and markups: the kept copy at once, refreshed in the background.
// - Never kept: the APIs, server functions, exports, cards, the login and anything not a GET.
// Pages are kept least recently used first out, within the bounds. A page that answers with
// the login page (a session that ended) empties every cache.

const PAGES = 'kobo-shelf-pages';
const ASSETS = 'kobo-shelf-assets';
const IMAGES = 'kobo-shelf-images';
const NETWORK_TIMEOUT_MS = 3000;
const settings = new URL(self.location).searchParams;
const MAX_PAGES = Number(settings.get('pages')) || 200;
const MAX_BYTES = (Number(settings.get('mb')) || 50) * 1024 * 1024;
/** Headers a kept page carries: its title, its size, when it was kept. */
const TITLE = 'x-kobo-shelf-title';
const BYTES = 'x-kobo-shelf-bytes';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || neverKept(url)) return;
  if (url.pathname.startsWith('/pkg/')) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === '/cover' || url.pathname.startsWith('/markup/')) {
    event.respondWith(staleWhileRevalidate(request, event));
  } else if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, event));
  }
});

/** What is private and changing, or a door: always asked of the server, never kept. */
function neverKept(url) {
  return ['/api/', '/export/', '/login', '/logout', '/card.png', '/review/feed', '/sw.js', '/offline.js']
    .some((prefix) => url.pathname.startsWith(prefix));
}

async function cacheFirst(request) {
  const cache = await caches.open(ASSETS);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function staleWhileRevalidate(request, event) {
  const cache = await caches.open(IMAGES);
  const kept = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  });
  if (kept) {
    event.waitUntil(fresh.catch(() => undefined));
    return kept;
  }
  return fresh;
}

async function networkFirst(request, event) {
  const network = fetch(request);
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS));
  try {
    const response = await Promise.race([network, timeout]);
    if (response) return keepPage(request, response, event);
  } catch (error) {
    // No network: the copy below.
  }
  const kept = await (await caches.open(PAGES)).match(request);
  if (kept) return asKeptCopy(kept);
  try {
    return keepPage(request, await network, event);
  } catch (error) {
    return offlinePage();
  }
}

/** A kept page, marked so (`<html data-kept-copy>`): its sync badge says offline. */
async function asKeptCopy(response) {
  const html = (await response.text()).replace('<html ', '<html data-kept-copy="" ');
  return new Response(html, { status: response.status, headers: response.headers });
}

/** Answers with the page as it streams in, and keeps a copy behind it (`event` waits). */
function keepPage(request, response, event) {
  event.waitUntil(keep(request, response.clone()));
  return response;
}

/** Keeps a page the reader may see again offline; a login page instead empties every cache. */
async function keep(request, response) {
  if (new URL(response.url || request.url).pathname.startsWith('/login')) {
    await forgetEverything();
    return;
  }
  if (!response.ok || response.redirected || response.headers.get('content-type')?.startsWith('text/html') !== true) {
    return;
  }
  const body = await response.arrayBuffer();
  const headers = new Headers(response.headers);
  headers.set(TITLE, encodeURIComponent(titleOf(new TextDecoder().decode(body))));
  headers.set(BYTES, String(body.byteLength));
  const cache = await caches.open(PAGES);
  await cache.delete(request); // put again: the most recently used is the last key
  await cache.put(request, new Response(body, { status: response.status, headers }));
  await trim(cache);
}

/** Drops the least recently used pages past MAX_PAGES or MAX_BYTES. */
async function trim(cache) {
  const keys = await cache.keys();
  const sizes = await Promise.all(keys.map(async (key) => Number((await cache.match(key))?.headers.get(BYTES)) || 0));
  let total = sizes.reduce((sum, size) => sum + size, 0);
  for (let index = 0; index < keys.length && (keys.length - index > MAX_PAGES || total > MAX_BYTES); index++) {
    await cache.delete(keys[index]);
    total -= sizes[index];
  }
}

function titleOf(html) {
  const match = /<title>([^<]*)<\/title>/.exec(html);
  return match ? match[1].replace(/ · kobo-shelf$/, '') : '';
}

async function forgetEverything() {
  await Promise.all((await caches.keys()).map((name) => caches.delete(name)));
}

/** The page for an address never kept: the books that are, as links. */
async function offlinePage() {
  const keys = await (await caches.open(PAGES)).keys();
  const cache = await caches.open(PAGES);
  const items = [];
  for (const key of keys) {
    const url = new URL(key.url);
    if (url.pathname !== '/book') continue;
    const title = decodeURIComponent((await cache.match(key))?.headers.get(TITLE) || '') || url.searchParams.get('id');
    items.push(`<li><a href="${escapeHtml(url.pathname + url.search)}">${escapeHtml(title)}</a></li>`);
  }
  const list = items.length ? `<ul>${items.join('')}</ul>` : '<p>No book is kept for offline reading yet.</p>';
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · kobo-shelf</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#2b2620;background:#fbfaf7}a{color:#8a4b1f}</style>
</head><body><h1>You are offline</h1><p>This page was not kept. These books are, and open without a network:</p>
${list}<p><a href="/">The library</a> (if it was kept)</p></body></html>`;
  return new Response(html, {
    status: 503,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    },
  });
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// "Save for offline" (offline.js): keeps the pages and images asked for, telling the page how
// far it got.
self.addEventListener('message', (event) => {
  const { save } = event.data || {};
  if (Array.isArray(save)) event.waitUntil(saveAll(save, event.source));
});

async function saveAll(addresses, client) {
  let done = 0;
  for (const address of addresses) {
    const url = new URL(address, self.location.origin);
    if (url.origin !== self.location.origin || neverKept(url)) continue;
    try {
      const request = new Request(url, { credentials: 'same-origin' });
      const response = await fetch(request);
      if (url.pathname === '/cover' || url.pathname.startsWith('/markup/')) {
        if (response.ok) await (await caches.open(IMAGES)).put(request, response);
      } else {
        await keep(request, response);
      }
    } catch (error) {
      // Offline again: what is saved stays saved.
    }
    done += 1;
    client?.postMessage({ saved: done, of: addresses.length });
  }
}
