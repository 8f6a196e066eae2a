import { createHash } from 'node:crypto';
import type { GeneratedResource } from './generators/generator.js';

/** Version of one resource: a digest of its encoded bytes, so equal config means equal version. */
export function resourceVersion(r: GeneratedResource): string {
  return createHash('sha256').update(r.resource.type_url).update(r.resource.value).digest('hex').slice(0, 16);
}

/** Version of a whole response (SotW `version_info`): a digest of every name and version. */
export function setVersion(entries: ReadonlyArray<{ name: string; version: string }>): string {
  const h = createHash('sha256');
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) h.update(`${e.name}\0${e.version}\n`);
  return h.digest('hex').slice(0, 16);
}
