import type { LayerSchema } from '../types.ts';
import { conditionAttribute, INSTALLED_YEAR, inventoryNumber, MATERIAL_CODES, NOTE } from './_common.ts';

/** Street furniture: benches, litter bins, bike stands… (Brno's `mobiliar_nabytek_a_vybaveni` has the same shape). */
export const mobiliar: LayerSchema = {
  id: 'mobiliar',
  title: { cs: 'Městský mobiliář', en: 'Street furniture' },
  description: {
    cs: 'Pasport mobiliáře: lavičky, odpadkové koše, stojany na kola, informační tabule; materiál, správce a stav.',
    en: 'Street furniture pasport: benches, litter bins, bicycle stands, information boards; material, keeper and condition.',
  },
  theme: 'public-information',
  keywords: { cs: ['mobiliář', 'lavičky', 'odpadkové koše', 'stojany na kola'], en: ['street furniture', 'benches', 'litter bins'] },
  geometryType: 'Point',
  perMunicipality: true,
  attributes: [
    inventoryNumber(),
    {
      name: 'typ',
      type: 'code',
      label: { cs: 'Typ prvku', en: 'Type' },
      required: true,
      inTiles: true,
      codeList: [
        { code: 'lavicka', label: { cs: 'lavička', en: 'bench' }, color: '#8c510a' },
        { code: 'kos', label: { cs: 'odpadkový koš', en: 'litter bin' }, color: '#636363' },
        { code: 'kos-psi', label: { cs: 'koš na psí exkrementy', en: 'dog waste bin' }, color: '#bf812d' },
        { code: 'stojan-kola', label: { cs: 'stojan na kola', en: 'bicycle stand' }, color: '#2166ac' },
        { code: 'stul', label: { cs: 'stůl', en: 'table' }, color: '#dfc27d' },
        { code: 'info-tabule', label: { cs: 'informační tabule', en: 'information board' }, color: '#35978f' },
        { code: 'pitko', label: { cs: 'pítko', en: 'drinking fountain' }, color: '#4393c3' },
        { code: 'jiny', label: { cs: 'jiný prvek', en: 'other' }, color: '#bababa' },
      ],
    },
    { name: 'material', type: 'code', label: { cs: 'Materiál', en: 'Material' }, codeList: MATERIAL_CODES },
    { name: 'spravce', type: 'text', label: { cs: 'Správce', en: 'Keeper' }, maxLength: 120 },
    { name: 'bezbarierovy', type: 'boolean', label: { cs: 'Bezbariérový (opěrky, výška sedáku)', en: 'Accessible design' } },
    conditionAttribute(),
    INSTALLED_YEAR,
    NOTE,
  ],
  minZoom: 16,
  maxZoom: 22,
  style: { color: '#8c510a', categorizeBy: 'typ', radius: 3 },
};
