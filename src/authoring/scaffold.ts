/**
 * The capability `naftiko create capability` writes: info, one consumes namespace at the given
 * base URI with one example operation (GET /items/{{id}}), a REST adapter exposing it with `with`
 * wiring, optionally an MCP tool over the same operation, and comments that say what to do next.
 * It passes `naftiko validate --strict` with no warning and runs as written.
 *
 * Written as text rather than through a YAML library, so that the comments are where they help;
 * every value that comes from the user is checked here (kebab-case name, http(s) URI, ports) and
 * written as a JSON string, which YAML reads as the same string.
 */
import { NaftikoError } from '../errors.js';

export interface ScaffoldOptions {
  /** kebab-case: lowercase letters and digits, words joined by `-`. */
  readonly name: string;
  readonly baseUri: string;
  readonly port: number;
  /** Adds an MCP adapter on this port. */
  readonly mcpPort?: number;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function checkName(name: string): string | undefined {
  return KEBAB.test(name) && name.length <= 60
    ? undefined
    : `--name must be kebab-case (lowercase letters and digits, words joined by "-"), got ${JSON.stringify(name)}`;
}

export function checkBaseUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `--base-uri must be an absolute http(s) URI, got ${JSON.stringify(uri)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `--base-uri must be an http or https URI, got ${JSON.stringify(uri)}`;
  if (url.search !== '' || url.hash !== '')
    return `--base-uri cannot have a query or a fragment, got ${JSON.stringify(uri)}`;
  return undefined;
}

/** A port from its text: an integer from 1 to 65535. */
export function parsePort(option: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new NaftikoError(
      'USAGE_INVALID',
      `${option} must be a port number from 1 to 65535, got ${JSON.stringify(text)}`,
    );
  }
  return port;
}

/** `crm-sync` → `Crm Sync`. */
function titleOf(name: string): string {
  return name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

const quote = (text: string) => JSON.stringify(text);

export function scaffoldCapability(options: ScaffoldOptions): string {
  const problem = checkName(options.name) ?? checkBaseUri(options.baseUri);
  if (problem !== undefined) throw new NaftikoError('USAGE_INVALID', problem);
  if (options.mcpPort !== undefined && options.mcpPort === options.port) {
    throw new NaftikoError(
      'USAGE_INVALID',
      `--mcp-port must differ from --port (both ${options.port})`,
    );
  }
  const { name, port, mcpPort } = options;
  // A trailing slash would double the one every resource path starts with.
  const baseUri = options.baseUri.replace(/\/+$/, '');
  const upstream = `${name}-api`;
  const title = titleOf(name);
  const mcp =
    mcpPort === undefined
      ? ''
      : `    # An MCP server for AI agents (Streamable HTTP at http://127.0.0.1:${mcpPort}/mcp).
    - type: mcp
      namespace: ${name}-mcp
      address: 127.0.0.1
      port: ${mcpPort}
      description: ${title} tools for AI agents.
      tools:
        - name: get-item
          description: Reads one item by its identifier.
          hints:
            readOnly: true
            destructive: false
            idempotent: true
          inputParameters:
            - name: id
              type: string
              description: The item's identifier.
              required: true
          call: ${upstream}.get-item
          with:
            id: ${name}-mcp.id
`;
  return `# ${title}: a Naftiko capability, scaffolded by \`naftiko create capability\`.
#
# Next steps:
#   1. Describe the upstream API under \`consumes\`: replace the example resource with its real
#      resources, operations and parameters (or start from its OpenAPI description:
#      \`naftiko import openapi <file>\`).
#   2. Expose what callers need under \`exposes\`: REST resources${mcpPort === undefined ? ' (and MCP tools for AI agents:\n#      add an adapter of `type: mcp`, or scaffold again with --mcp-port)' : ' and MCP tools'}.
#   3. Check it:  naftiko validate --strict <this file>
#      See it:    naftiko inspect <this file>
#      Run it:    naftiko run <this file>
naftiko: 1.0.0-alpha2
info:
  label: ${title}
  description: ${quote(`${title}, in front of the API at ${baseUri}.`)}
# Secrets (API keys, tokens) are bound variables, read from the environment at run time, e.g.:
# binds:
#   - namespace: env
#     keys:
#       API_TOKEN: ${name.toUpperCase().replace(/-/g, '_')}_API_TOKEN
capability:
  consumes:
    # The upstream API: where it is, and the operations this capability calls.
    - type: http
      namespace: ${upstream}
      description: The upstream API of ${title}.
      baseUri: ${quote(baseUri)}
      # When the upstream API needs a credential (with API_TOKEN bound above):
      # authentication:
      #   type: bearer
      #   token: '{{API_TOKEN}}'
      resources:
        # An example: GET {baseUri}/items/{id}. Replace it with the API's own resources.
        - name: items
          path: /items/{{id}}
          operations:
            - name: get-item
              method: GET
              inputParameters:
                - name: id
                  in: path
  exposes:
    # A REST API for callers, at http://127.0.0.1:${port}. To serve beyond this machine, change
    # the address (0.0.0.0) and add \`authentication\` (bearer, apikey, basic, digest, oauth2).
    - type: rest
      namespace: ${name}-rest
      address: 127.0.0.1
      port: ${port}
      resources:
        - path: /items/{{id}}
          name: item
          description: One item, read from the upstream API.
          operations:
            - method: GET
              name: get-item
              description: Reads one item by its identifier.
              inputParameters:
                - name: id
                  in: path
                  type: string
                  description: The item's identifier.
              call: ${upstream}.get-item
              # \`with\` wires the caller's inputs (<adapter namespace>.<input>) to the consumed
              # parameters; this form also works in the reference engine.
              with:
                id: ${name}-rest.id
${mcp}`;
}
