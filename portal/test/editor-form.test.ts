import { describe, expect, it } from 'vitest';
import { getLayer } from '../../schemas/index.ts';
import { fromForm, toForm } from '../src/lib/editor/form.ts';

// Issue 18.1: Svelte's bind:value on a number input writes a number (or null) into the form state;
// fromForm called .trim() on it and the save died with a TypeError before any request was sent.
describe('editor form values', () => {
  const layer = getLayer('stanoviste-trideneho-odpadu')!;

  it('takes numbers and nulls from number inputs as well as strings', () => {
    const form = { ...toForm(layer, { nazev: 'U školy', pristup: 'volne', pocet_kontejneru: 3 }), pocet_kontejneru: 4, objem_nadoby: null };
    const out = fromForm(layer, form);
    expect(out.pocet_kontejneru).toBe(4);
    expect(out.objem_nadoby).toBeNull();
    expect(out.nazev).toBe('U školy');
    expect(out.pristup).toBe('volne');
  });

  it('reads typed text numbers with a decimal comma and keeps what is not a number for the server to refuse', () => {
    const form = { ...toForm(layer, {}), pocet_kontejneru: '4,0', objem_nadoby: 'hodně' };
    const out = fromForm(layer, form);
    expect(out.pocet_kontejneru).toBe(4);
    expect(out.objem_nadoby).toBe('hodně');
  });
});
