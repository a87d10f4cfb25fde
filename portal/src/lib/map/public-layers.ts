import { layers, type LayerSchema } from '$schemas/index.ts';

/**
 * The layers the public pages (map, planner, municipality pages) offer: only those a visitor
 * may read. A non-public layer (cameras) listed there would only produce 404s for its tiles
 * and features; staff work with non-public layers in the editor.
 */
export const publicLayers: readonly LayerSchema[] = layers.filter((l) => l.public !== false);
