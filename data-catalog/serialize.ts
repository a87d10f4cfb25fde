import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonld from 'jsonld';
import { Writer, type Store } from 'n3';
import { NS } from './vocab.ts';
import { fromRoot } from '../schemas/paths.ts';

/** The official JSON-LD context of DCAT-AP-CZ 2024-05-28 that our documents reference. */
export const OFN_CONTEXT_IRI =
  'https://ofn.gov.cz/dcat-ap-cz-rozhraní-katalogů-otevřených-dat/2024-05-28/kontexty/rozhraní-katalogů-otevřených-dat.jsonld';

const here = fromRoot('data-catalog');
/**
 * The same term definitions as the official context (checked by digest in the catalogue test against the file
 * at datagov-cz/otevrene-formalni-normy commit 4899626b): NKOD expands our documents with the official file, so
 * any term of ours that it lacks would silently drop triples there. Properties the OFN context has no term for
 * (dct:modified, dcat:byteSize, spdx:*) come out as prefixed IRIs, which every JSON-LD processor expands.
 */
export const LOCAL_CONTEXT = JSON.parse(readFileSync(join(here, 'context.jsonld'), 'utf8')) as { '@context': Record<string, unknown> };

export function toTurtle(store: Store): Promise<string> {
  const w = new Writer({ prefixes: { ...NS } });
  w.addQuads(store.getQuads(null, null, null, null));
  return new Promise((resolve, reject) => w.end((err, out) => (err ? reject(err) : resolve(out))));
}

export function toNQuads(store: Store): Promise<string> {
  const w = new Writer({ format: 'N-Quads' });
  w.addQuads(store.getQuads(null, null, null, null));
  return new Promise((resolve, reject) => w.end((err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * JSON-LD compacted with the DCAT-AP-CZ terms; `@context` is the official IRI.
 * The node with `mainIri` comes first so a reader sees the record before its parts.
 */
export async function toJsonLd(store: Store, mainIri: string): Promise<Record<string, unknown>> {
  const expanded = await jsonld.fromRDF(await toNQuads(store), { format: 'application/n-quads' });
  const compacted = (await jsonld.compact(expanded, LOCAL_CONTEXT['@context'] as jsonld.ContextDefinition)) as Record<string, unknown>;
  delete compacted['@context'];
  const nodes = (Array.isArray(compacted['@graph']) ? compacted['@graph'] : [compacted]) as Record<string, unknown>[];
  const cleaned = nodes.map((n) => {
    const { '@context': _, ...rest } = n;
    return rest;
  });
  cleaned.sort((a, b) => (a.iri === mainIri ? -1 : b.iri === mainIri ? 1 : String(a.iri).localeCompare(String(b.iri))));
  return { '@context': OFN_CONTEXT_IRI, '@graph': cleaned };
}

/** Offline loader for tests and tools: the official context IRI resolves to the local transcription. */
export const localDocumentLoader = async (url: string) => {
  if (url === OFN_CONTEXT_IRI) return { contextUrl: undefined, documentUrl: url, document: LOCAL_CONTEXT };
  throw new Error(`no network: refusing to load ${url}`);
};
