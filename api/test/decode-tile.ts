import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import type { Response } from 'supertest';

export interface DecodedFeature {
  id: number | undefined;
  type: number;
  properties: Record<string, unknown>;
  /** tile-space rings/points */
  geometry: { x: number; y: number }[][];
}

/** Decodes an MVT into plain objects per layer, the way a map client reads it. */
export function decodeTile(buf: Uint8Array): Record<string, DecodedFeature[]> {
  const tile = new VectorTile(new PbfReader(buf));
  const out: Record<string, DecodedFeature[]> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const list: DecodedFeature[] = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      list.push({ id: f.id, type: f.type, properties: { ...f.properties }, geometry: f.loadGeometry().map((r) => r.map((p) => ({ x: p.x, y: p.y }))) });
    }
    out[name] = list.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  }
  return out;
}

/** Tile containing a lon/lat at zoom z (slippy-map numbering). */
export function tileFor(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x, y };
}

/** supertest body parser that keeps a binary response (a tile) as one Buffer. */
export function binary(res: Response, cb: (err: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
}
