/**
 * Outbound authentication of a consumes block (contract §5), templates compiled once (a bare
 * bound-variable name counts as `{{name}}`) and rendered per request with the bound variables only (credentials come from bindings, never from
 * a caller). A template naming a variable with no value is BINDING_UNRESOLVED (the names are
 * shown, never a value).
 *
 * - bearer: `Authorization: Bearer <token>`; basic: RFC 7617 (UTF-8 `user:password`).
 * - apikey: header named `key` (default placement), or query parameter `key` when
 *   `placement: query`; without `key`, `X-API-Key` / `api_key`.
 * - digest: nothing up front; the sender answers a 401 `Digest` challenge (digest-auth.ts).
 * - oauth2 protects inbound adapters; on a consumes block it adds nothing.
 */
import { NaftikoError } from '../../errors.js';
import {
  bareVariableAsTemplate,
  compileTemplate,
  type Lookup,
  type Template,
} from '../../spec/template.js';
import type { Authentication } from '../../spec/types.js';
import { encodeComponent } from './encode-component.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface OutboundAuth {
  /** Adds credentials to the lower-case headers and the encoded query pieces. */
  apply(headers: Record<string, string>, query: string[]): void;
  /** For digest: the user name and password to answer a challenge with. */
  readonly digest: (() => Credentials) | undefined;
}

const NO_AUTH: OutboundAuth = { apply: () => {}, digest: undefined };

/** The API key's name when `key` is absent: `X-API-Key` in a header, `api_key` in the query. */
export function defaultApiKeyName(placement: 'header' | 'query' | undefined): string {
  return placement === 'query' ? 'api_key' : 'X-API-Key';
}

export function compileAuth(
  auth: Authentication | undefined,
  variables: Lookup,
  label: string,
): OutboundAuth {
  if (auth === undefined) return NO_AUTH;
  // Bound variables do not change while the engine runs: each field is rendered once, on first
  // use (not at load, so a capability whose credentials are unbound can still serve the rest).
  const field = (source: string | undefined, fallback = '') => {
    const template = compileTemplate(
      bareVariableAsTemplate(source ?? fallback, (name) => variables(name) !== undefined),
    );
    let text: string | undefined;
    return () => (text ??= render(template, variables, label));
  };
  switch (auth.type) {
    case 'bearer': {
      const token = field(auth.token);
      return {
        apply: (headers) => void (headers.authorization = `Bearer ${token()}`),
        digest: undefined,
      };
    }
    case 'basic': {
      const username = field(auth.username);
      const password = field(auth.password);
      return {
        apply(headers) {
          const pair = Buffer.from(`${username()}:${password()}`, 'utf8').toString('base64');
          headers.authorization = `Basic ${pair}`;
        },
        digest: undefined,
      };
    }
    case 'apikey': {
      const inQuery = auth.placement === 'query';
      const key = field(auth.key, defaultApiKeyName(auth.placement));
      const value = field(auth.value);
      return {
        apply(headers, query) {
          if (inQuery) query.push(`${encodeComponent(key())}=${encodeComponent(value())}`);
          else headers[key().toLowerCase()] = value();
        },
        digest: undefined,
      };
    }
    case 'digest': {
      const username = field(auth.username);
      const password = field(auth.password);
      return { apply: () => {}, digest: () => ({ username: username(), password: password() }) };
    }
    default:
      return NO_AUTH;
  }
}

function render(template: Template, variables: Lookup, label: string): string {
  const { text, missing } = template.render(variables);
  if (missing.length > 0) {
    throw new NaftikoError(
      'BINDING_UNRESOLVED',
      `${label}: authentication uses ${missing.map((n) => `{{${n}}}`).join(', ')}, which has no value`,
      { details: { missing: [...missing] } },
    );
  }
  if (/[\r\n\0]/.test(text)) {
    throw new NaftikoError(
      'BINDING_UNRESOLVED',
      `${label}: an authentication value has a line break`,
    );
  }
  return text;
}
