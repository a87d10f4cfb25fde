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
  },
};
