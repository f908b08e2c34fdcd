/**
 * TAXII 2.1 discovery (sections 4.1 and 5.1): from a server's discovery URL
 * (`https://host/taxii2/`) to its API roots and their collections, so that an
 * operator can find the collection URL a feed config needs. Read-only, with
 * the same limits and error codes as the page client.
 */
import { getTaxiiJson, TaxiiError, type TaxiiRequestOptions } from './taxii-client.js';

/** API roots asked about per server: a discovery reply listing more is not one an operator reads. */
const MAX_API_ROOTS = 20;
/** Collections listed per API root. */
const MAX_COLLECTIONS = 500;
const MAX_TEXT_CHARS = 200;

export interface TaxiiCollectionInfo {
  readonly id: string;
  readonly title: string;
  /** The URL a feed's `url` takes. */
  readonly url: string;
  readonly canRead: boolean;
}

export interface TaxiiApiRootInfo {
  readonly url: string;
  readonly collections: readonly TaxiiCollectionInfo[];
  /** Why this root's collections could not be listed (one root failing does not hide the others). */
  readonly error?: string;
}

export interface TaxiiDiscovery {
  readonly title?: string;
  readonly apiRoots: readonly TaxiiApiRootInfo[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_TEXT_CHARS) : undefined);

function httpUrl(value: string, base?: URL): URL | undefined {
  try {
    const url = new URL(value, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    return url;
  } catch {
    return undefined;
  }
}

/** Lists the API roots of a TAXII server and their collections. Throws TaxiiError when the discovery URL itself fails. */
export async function discoverTaxii(discoveryUrl: string, options: TaxiiRequestOptions): Promise<TaxiiDiscovery> {
  const base = httpUrl(discoveryUrl);
  if (base === undefined || base.username !== '' || base.password !== '') throw new TaxiiError('FEED_URL_INVALID', 'the discovery URL must be http or https, without credentials (https://host/taxii2/)');
  const { json } = await getTaxiiJson(base, options);
  if (!isRecord(json)) throw new TaxiiError('FEED_GARBAGE', `${base.href}: not a TAXII discovery resource`);
  const listed = Array.isArray(json['api_roots']) ? json['api_roots'] : [];
  const roots = listed.flatMap((r) => (typeof r === 'string' ? [httpUrl(r, base)] : [])).filter((u): u is URL => u !== undefined).slice(0, MAX_API_ROOTS);
  const apiRoots: TaxiiApiRootInfo[] = [];
  for (const root of roots) {
    try {
      const reply = await getTaxiiJson(new URL('collections/', root), options);
      const collections = isRecord(reply.json) && Array.isArray(reply.json['collections']) ? reply.json['collections'] : [];
      apiRoots.push({
        url: root.href,
        collections: collections
          .slice(0, MAX_COLLECTIONS)
          .filter(isRecord)
          .flatMap((c) => {
            const id = text(c['id']);
            // An id is one path segment of the collection URL: anything else is not a collection we can name.
            if (id === undefined || id === '' || /[/?#]/u.test(id)) return [];
            return [{ id, title: text(c['title']) ?? '', url: new URL(`collections/${encodeURIComponent(id)}/`, root).href, canRead: c['can_read'] === true }];
          }),
      });
    } catch (error) {
      apiRoots.push({ url: root.href, collections: [], error: error instanceof TaxiiError ? `${error.code}: ${error.message}` : String(error) });
    }
  }
  const title = text(json['title']);
  return { ...(title === undefined ? {} : { title }), apiRoots };
}
