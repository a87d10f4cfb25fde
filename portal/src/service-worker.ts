/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * Field work (issue 18.4): the pasport editor opens without a connection. Registered by the editor
 * page only (not for every visitor of the map). It keeps the app's files and the editor's page; every
 * other request (the API, tiles, other pages) goes to the network untouched. The editor keeps its
 * waiting changes itself (IndexedDB, $lib/editor/outbox.ts).
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `geoportal-editor-${version}`;
const EDITOR = '/editor';
const APP = new Set([...build, ...files.filter((f) => /\.(css|svg|png|woff2?)$/.test(f))]);

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll([...APP]);
      // the editor's page itself: a client-rendered shell (ssr = false), the same for every feature
      await cache.add(EDITOR);
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE && key.startsWith('geoportal-editor-')) await caches.delete(key);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (req.mode === 'navigate' && url.pathname === EDITOR) {
    // the network first (a new version, a signed-out user); the kept page when there is none
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        try {
          const res = await fetch(req);
          if (res.ok) await cache.put(EDITOR, res.clone());
          return res;
        } catch (err) {
          const kept = await cache.match(EDITOR);
          if (kept) return kept;
          throw err;
        }
      })(),
    );
    return;
  }
  if (APP.has(url.pathname)) {
    // hashed file names: a kept copy is always the right one
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        return (await cache.match(url.pathname)) ?? fetch(req);
      })(),
    );
  }
});
