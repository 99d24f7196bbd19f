/**
 * The two parts of undici the engine uses, each loaded from its own module. `import 'undici'`
 * evaluates the whole package (fetch, WebSocket, cookies, caches, and through them Node's own
 * bundled undici): about 70 ms of every start and several MB of memory, for a Pool. undici has
 * no `exports` map, so these paths are its published files; the lock file pins the version and
 * the test suite sends through both.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;

let FormDataClass: typeof Undici.FormData | undefined;

/** A new undici FormData (the class undici recognises as a multipart body), loaded on first use. */
export function newFormData(): Undici.FormData {
  FormDataClass ??= (
    require('undici/lib/web/fetch/formdata.js') as { FormData: typeof Undici.FormData }
  ).FormData;
  return new FormDataClass();
}
