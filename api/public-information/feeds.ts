import ical, { ICalCalendarMethod } from 'ical-generator';
import { Feed } from 'feed';
import { getLayer } from '../../schemas/index.ts';
import type { InfoItem } from './items.ts';

/** Where the portal shows an item: the map with the item selected (the share-link form). */
export function itemUrl(site: string, i: InfoItem): string {
  return `${site}/?map=16/${i.point[1].toFixed(5)}/${i.point[0].toFixed(5)}&sel=${i.collection}:${i.id}`;
}

function kindLabel(i: InfoItem): string {
  const a = getLayer(i.collection)?.attributes.find((x) => x.name === 'druh');
  return (a?.type === 'code' ? a.codeList.find((c) => c.code === i.druh)?.label.cs : undefined) ?? i.druh ?? '';
}

const czDate = (d: string) => `${Number(d.slice(8, 10))}. ${Number(d.slice(5, 7))}. ${d.slice(0, 4)}`;

function validity(i: InfoItem): string {
  return i.platnostDo ? `platí od ${czDate(i.platnostOd)} do ${czDate(i.platnostDo)}` : `platí od ${czDate(i.platnostOd)} do odvolání`;
}

function summary(i: InfoItem): string {
  return [`${kindLabel(i)}, ${validity(i)}${i.obec ? `, ${i.obec}` : ''}.`, i.popis ?? ''].filter(Boolean).join('\n');
}

const utcDay = (d: string) => new Date(`${d}T00:00:00Z`);

/**
 * iCalendar (RFC 5545) of the items: each an all-day event over its validity (an open end
 * gives a one-day event on the first day, "do odvolání" in the text), with its map link,
 * location (municipality) and geo position. UIDs are stable, so calendar apps update items.
 */
export function calendar(items: InfoItem[], site: string, host: string): string {
  const cal = ical({ name: 'Uzavírky a události – Geoportál Chomutov', prodId: { company: 'Geoportál Chomutov', product: 'uzavirky', language: 'CS' }, method: ICalCalendarMethod.PUBLISH, url: `${site}/informace` });
  for (const i of items) {
    const end = i.platnostDo ?? i.platnostOd;
    cal.createEvent({
      id: `${i.collection}-${i.id}@${host}`,
      allDay: true,
      start: utcDay(i.platnostOd),
      // DTEND of an all-day event is exclusive: the day after the last valid day
      end: new Date(utcDay(end).getTime() + 86_400_000),
      summary: `${i.nazev} (${kindLabel(i)})`,
      description: `${summary(i)}\n${itemUrl(site, i)}`,
      location: i.obec ? { title: i.obec, geo: { lat: i.point[1], lon: i.point[0] } } : undefined,
      url: itemUrl(site, i),
      lastModified: new Date(i.updated),
      stamp: new Date(i.updated),
    });
  }
  return cal.toString();
}

/** RSS 2.0 and Atom 1.0 of the items (one feed object, two serialisations). */
export function feed(items: InfoItem[], site: string, self: { rss: string; atom: string }): Feed {
  const f = new Feed({
    title: 'Uzavírky a události – Geoportál Chomutov',
    description: 'Aktuální a plánované uzavírky, práce v ulicích, události a oznámení ve městě Chomutov a obcích ORP Chomutov.',
    id: `${site}/informace`,
    link: `${site}/informace`,
    language: 'cs',
    copyright: 'CC BY 4.0, Statutární město Chomutov',
    updated: items.reduce((m, i) => (i.updated > m.toISOString() ? new Date(i.updated) : m), new Date(0)),
    generator: 'Geoportál Chomutov',
    feedLinks: self,
  });
  for (const i of items) {
    f.addItem({
      title: `${i.nazev} (${kindLabel(i)}, ${validity(i)})`,
      id: itemUrl(site, i),
      link: itemUrl(site, i),
      description: summary(i),
      date: new Date(i.updated),
      published: utcDay(i.platnostOd),
      category: [{ name: kindLabel(i) }],
    });
  }
  return f;
}
