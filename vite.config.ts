import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // `npm run dev`: the portal from Vite, the API from a running `npm start` on 3000
    proxy: { '/api': 'http://localhost:3000' },
  },
});
