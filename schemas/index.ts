import type { Attribute, LayerSchema } from './types.ts';
import { obce } from './layers/obce.ts';
import { stanovisteTridenehoOdpadu } from './layers/stanoviste-trideneho-odpadu.ts';
import { senzory } from './layers/senzory.ts';
import { verejneInformace } from './layers/verejne-informace.ts';

export type * from './types.ts';

/** Every layer type of the geoportal, in map drawing order (bottom first). */
export const layers: readonly LayerSchema[] = [obce, stanovisteTridenehoOdpadu, verejneInformace, senzory];

const byId = new Map(layers.map((l) => [l.id, l]));

export function getLayer(id: string): LayerSchema | undefined {
  return byId.get(id);
}

export const MUNICIPALITY_LAYER_ID = obce.id;

/** Table that stores a layer's features; ids are validated against the registry, never user text. */
export function tableName(layer: LayerSchema): string {
  return `layer_${layer.id.replace(/-/g, '_')}`;
}

export function titleAttribute(layer: LayerSchema): Attribute | undefined {
  return layer.attributes.find((a) => a.isTitle);
}

export function tileAttributes(layer: LayerSchema): Attribute[] {
  return layer.attributes.filter((a) => a.inTiles);
}
