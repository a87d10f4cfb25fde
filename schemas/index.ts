import type { Attribute, LayerSchema } from './types.ts';
import { obce } from './layers/obce.ts';
import { stanovisteTridenehoOdpadu } from './layers/stanoviste-trideneho-odpadu.ts';
import { upZastaveneUzemi } from './layers/up-zastavene-uzemi.ts';
import { upPlochyRzv } from './layers/up-plochy-rzv.ts';
import { upPlochyZmen } from './layers/up-plochy-zmen.ts';
import { upKoridory } from './layers/up-koridory.ts';
import { upVpsVpo } from './layers/up-vps-vpo.ts';
import { upVpsVpoLinie } from './layers/up-vps-vpo-linie.ts';
import { zelenePlochy } from './layers/zelene-plochy.ts';
import { komunikace } from './layers/komunikace.ts';
import { parkoviste } from './layers/parkoviste.ts';
import { hrobovaMista } from './layers/hrobova-mista.ts';
import { destovaKanalizace } from './layers/destova-kanalizace.ts';
import { kabeloveVedeniVo } from './layers/kabelove-vedeni-vo.ts';
import { stromy } from './layers/stromy.ts';
import { detskaHriste } from './layers/detska-hriste.ts';
import { mobiliar } from './layers/mobiliar.ts';
import { dopravniZnacky } from './layers/dopravni-znacky.ts';
import { svetelneBody } from './layers/svetelne-body.ts';
import { kamery } from './layers/kamery.ts';
import { senzory } from './layers/senzory.ts';
import { verejneInformace } from './layers/verejne-informace.ts';
import { verejneInformaceUseky } from './layers/verejne-informace-useky.ts';
import { verejneInformacePlochy } from './layers/verejne-informace-plochy.ts';
import { optickaSitTrasy } from './layers/opticka-sit-trasy.ts';
import { optickaSitKomory } from './layers/opticka-sit-komory.ts';
import { stavebniObjekty } from './layers/stavebni-objekty.ts';
import { ulice } from './layers/ulice.ts';
import { castiObci } from './layers/casti-obci.ts';
import { adresniMista } from './layers/adresni-mista.ts';
import { pozemkyMesta } from './layers/pozemky-mesta.ts';
import { uapLayers } from './layers/uap.ts';

export type * from './types.ts';
export { derivedAttributes, readableAttributes } from './derived.ts';

/** Every layer type of the geoportal, in map drawing order (bottom first). */
export const layers: readonly LayerSchema[] = [
  obce,
  // RÚIAN basemap: buildings, streets, names and house numbers under everything of ours
  stavebniObjekty, ulice, castiObci, adresniMista,
  // land-use plan (JSÚPD), pasport areas, lines, then points
  upZastaveneUzemi, upPlochyRzv, upPlochyZmen, upKoridory, upVpsVpo, upVpsVpoLinie,
  // ÚAP phenomena delivered by providers (areas, lines, points; public, then not public)
  ...uapLayers,
  pozemkyMesta, zelenePlochy, komunikace, parkoviste, hrobovaMista, destovaKanalizace, kabeloveVedeniVo, optickaSitTrasy,
  stromy, detskaHriste, mobiliar, dopravniZnacky, svetelneBody, kamery, optickaSitKomory,
  // closures and events: areas under sections under places
  verejneInformacePlochy, verejneInformaceUseky,
  stanovisteTridenehoOdpadu, verejneInformace, senzory];

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
