/**
 * An address point of RÚIAN as both of its exchange formats (VFR XML, address CSV)
 * describe it, in the attribute names of the `adresni-mista` layer.
 */
export interface RuianAddress {
  kod: number;
  /** the municipality's code is not an attribute: the API gives every feature's municipality as `obec_kod` */
  obec: string | null;
  cast_obce_kod: number | null;
  cast_obce: string | null;
  ulice_kod: number | null;
  ulice: string | null;
  /** `cp` číslo popisné, `ce` číslo evidenční */
  typ_so: 'cp' | 'ce';
  cislo_domovni: number;
  cislo_orientacni: number | null;
  znak_cisla_orientacniho: string | null;
  psc: string | null;
  stavebni_objekt_kod: number | null;
  plati_od: string | null;
  /** the address as one line, e.g. "Husova 1234/12a, Chomutov" */
  adresa: string;
  /** the house number as shown on the map: "1234/12a", "č. ev. 5" */
  cislo: string;
}

/** "1234/12a" (č. p. / č. o. with its letter), "č. ev. 5" for buildings with a registration number. */
export function houseNumber(a: Pick<RuianAddress, 'typ_so' | 'cislo_domovni' | 'cislo_orientacni' | 'znak_cisla_orientacniho'>): string {
  const co = a.cislo_orientacni !== null ? `/${a.cislo_orientacni}${a.znak_cisla_orientacniho ?? ''}` : '';
  return a.typ_so === 'ce' ? `č. ev. ${a.cislo_domovni}${co}` : `${a.cislo_domovni}${co}`;
}

/**
 * The one-line address the way Czech addresses are written (and RÚIAN/Mapy.com show them):
 * street and number, or — where the village has no streets — the part of the municipality and
 * number; then the municipality (and the part, when it differs from the municipality and
 * the street does not already say where).
 */
export function formatAddress(a: Omit<RuianAddress, 'adresa' | 'cislo'>): string {
  const num = houseNumber(a);
  const obec = a.obec ?? '';
  if (a.ulice) {
    const part = a.cast_obce && a.cast_obce !== obec ? `, ${a.cast_obce}` : '';
    return `${a.ulice} ${num}${part}${obec ? `, ${obec}` : ''}`;
  }
  const place = a.cast_obce ?? obec;
  return `${place} ${num}${obec && obec !== place ? `, ${obec}` : ''}`;
}

/** Completes a parsed address with its derived texts. */
export function withTexts(a: Omit<RuianAddress, 'adresa' | 'cislo'>): RuianAddress {
  return { ...a, adresa: formatAddress(a), cislo: houseNumber(a) };
}

export function intOrNull(v: string | undefined | null): number | null {
  if (v === undefined || v === null || v.trim() === '') return null;
  const n = Number(v.trim());
  return Number.isInteger(n) ? n : null;
}

export function textOrNull(v: string | undefined | null): string | null {
  const t = v?.trim();
  return t ? t : null;
}
