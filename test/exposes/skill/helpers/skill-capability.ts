/**
 * The capability the skill adapter tests serve: an upstream, REST and MCP siblings, and a skill
 * adapter whose skills cover every field, both kinds of tool, a folder, no folder, an empty
 * folder (its `file:///EMPTY` is replaced by an absolute location) and a missing one.
 */
import { yaml } from '../../../helpers/validate.js';

/** The capability; `authentication` (a YAML flow mapping) locks the skill adapter. */
export function skillCapability(authentication?: string): string {
  const lock = authentication === undefined ? '' : `\n          authentication: ${authentication}`;
  return yaml`
    naftiko: 1.0.0-alpha2
    info:
      label: Skills
      description: A skill catalogue over a REST and an MCP adapter.
    capability:
      consumes:
        - type: http
          namespace: up
          description: The upstream.
          baseUri: http://up.invalid
          resources:
            - name: items
              path: /items
              operations:
                - name: list-items
                  method: GET
      exposes:
        - type: rest
          namespace: items-rest
          address: 127.0.0.1
          port: 8080
          resources:
            - path: /items
              name: items
              description: Items.
              operations:
                - method: GET
                  name: get-items
                  call: up.list-items
        - type: mcp
          namespace: items-mcp
          port: 9090
          description: Item tools.
          tools:
            - name: list-items
              description: Lists items.
              call: up.list-items
        - type: skill
          namespace: item-skills
          address: 127.0.0.1
          port: 7070
          description: Item skills.${lock}
          skills:
            - name: fleet-ops
              description: Fleet operations.
              license: Apache-2.0
              compatibility: Any agent with HTTP.
              argument-hint: "[ship name]"
              allowed-tools: list-items get-items
              user-invocable: true
              disable-model-invocation: false
              metadata:
                owner: fleet-team
              location: file:///./skills/fleet-ops
              tools:
                - name: list-items
                  description: Lists items over MCP.
                  from:
                    sourceNamespace: items-mcp
                    action: list-items
                - name: get-items
                  description: Gets items over REST.
                  from:
                    sourceNamespace: items-rest
                    action: get-items
                - name: read-guide
                  description: How to run the fleet.
                  instruction: SKILL.md
            - name: bare
              description: No location, no tools.
            - name: empty
              description: An empty folder.
              location: file:///EMPTY
            - name: gone
              description: A folder that does not exist.
              location: file:///./skills/gone
  `;
}
