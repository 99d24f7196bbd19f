/**
 * The OpenAPI 3.1 security of a REST adapter that declares `authentication` (issue 9): one
 * security scheme and a document-wide requirement, so that generated clients send the credential.
 * OAuth 2.0 is described as what a caller presents, a JWT bearer token, with the declared scopes
 * in the requirement (OpenAPI 3.1 allows scopes on any scheme) and the authorization server named
 * in the description; its endpoints are discovered at run time, not known here.
 */
import { defaultApiKeyName } from '../../consumes/http/auth.js';
import { compileTemplate } from '../../spec/template.js';
import type { Lookup } from '../../spec/template.js';
import type { Authentication } from '../../spec/types.js';

type Json = Record<string, unknown>;

export interface OpenApiSecurity {
  readonly schemes: Record<string, Json>;
  readonly requirement: Record<string, string[]>;
}

export function openApiSecurity(auth: Authentication, variables: Lookup): OpenApiSecurity {
  switch (auth.type) {
    case 'bearer':
      return one('bearerAuth', { type: 'http', scheme: 'bearer' });
    case 'basic':
      return one('basicAuth', { type: 'http', scheme: 'basic' });
    case 'digest':
      return one('digestAuth', { type: 'http', scheme: 'digest' });
    case 'apikey': {
      const inQuery = auth.placement === 'query';
      const name =
        auth.key === undefined
          ? defaultApiKeyName(auth.placement)
          : compileTemplate(auth.key).render(variables).text;
      return one('apiKeyAuth', { type: 'apiKey', in: inQuery ? 'query' : 'header', name });
    }
    case 'oauth2':
      return one(
        'oauth2',
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `An OAuth 2.0 access token (JWT) issued by ${auth.authorizationServerUri} for ${auth.audience ?? auth.resource}${auth.scopes?.length ? `, with the scopes ${auth.scopes.join(', ')}` : ''}.`,
        },
        auth.scopes ?? [],
      );
  }
}

function one(name: string, scheme: Json, scopes: string[] = []): OpenApiSecurity {
  return { schemes: { [name]: scheme }, requirement: { [name]: scopes } };
}
