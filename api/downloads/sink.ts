import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** A file written sequentially with back-pressure, so a slow disk never makes rows pile up in memory. */
export interface Sink {
  write(chunk: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export function fileSink(path: string): Sink {
  const ws = createWriteStream(path);
  let failed: Error | undefined;
  ws.on('error', (e) => (failed = e));
  return {
    async write(chunk) {
      if (failed) throw failed;
      if (!ws.write(chunk)) await once(ws, 'drain');
    },
    async close() {
      if (failed) throw failed;
      ws.end();
      await once(ws, 'finish');
    },
  };
}
