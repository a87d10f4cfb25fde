import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

// PORTAL_BUILD_DIR: build somewhere else (a compile check that does not race the shared portal/build)
const privateDir = process.env.PORTAL_BUILD_DIR;

/** The portal lives in portal/; the Koa server mounts the handler that adapter-node builds into portal/build. */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: privateDir ? `${privateDir}/build` : 'portal/build', precompress: true }),
    outDir: privateDir ? `${privateDir}/.svelte-kit` : 'portal/.svelte-kit',
    files: {
      src: 'portal/src',
      routes: 'portal/src/routes',
      lib: 'portal/src/lib',
      appTemplate: 'portal/src/app.html',
      errorTemplate: 'portal/src/error.html',
      assets: 'portal/static',
      hooks: { server: 'portal/src/hooks.server', client: 'portal/src/hooks.client', universal: 'portal/src/hooks' },
      params: 'portal/src/params',
      serviceWorker: 'portal/src/service-worker',
    },
    alias: { $schemas: 'schemas' },
    // portal/src/service-worker.ts lets the pasport editor open offline (issue 18.4); only the editor
    // registers it, so the map's visitors download nothing for it
    serviceWorker: { register: false },
    // Content-Security-Policy of every page (issue 14): scripts and styles only from our origin or
    // with SvelteKit's per-response nonce (its bootstrap script); nothing else inline. maplibre's
    // worker is a file of ours; blob: is allowed for workers and images explicitly because
    // maplibre/deck.gl decode images and may start workers from blobs. style-src-attr admits style
    // attributes only (legend swatch colours, the planner's swipe position): they cannot run code.
    // portal/src/hooks.server.ts adds the origins of configured online basemaps at run time.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self'],
        'style-src-attr': ['unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'font-src': ['self', 'data:'],
        'connect-src': ['self'],
        'worker-src': ['self', 'blob:'],
        'child-src': ['self', 'blob:'],
        'manifest-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};
