/**
 * Load-time checks of skill adapters, through the validator: a tool has exactly one of `from` and
 * `instruction` (the schema's oneOf), `from` resolves to a sibling REST or MCP adapter and one of
 * its operations or tools (skill-source-unresolved), an instruction tool's skill has a
 * `location` (skill-instruction-location).
 */
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../src/engine/runtime.js';
import { buildSkillApp } from '../../../src/exposes/skill/skill-adapter.js';
import { createValidator } from '../../../src/spec/validate.js';
import type { Diagnostic } from '../../../src/spec/diagnostics.js';
import type { ExposesSkill } from '../../../src/spec/types.js';

/** A capability whose skill adapter has the given tools (YAML lines under `tools:`). */
function capability(tools: string, skillExtra = ''): string {
  const indent = (text: string, n: number) =>
    text
      .trim()
      .split('\n')
      .map((l) => ' '.repeat(n) + l)
      .join('\n');
  return `naftiko: 1.0.0-alpha2
info:
  label: Rules
  description: Skill rules.
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
  aggregates:
    - label: Items
      namespace: items
      functions:
        - name: count-items
          description: Counts items.
          call: up.list-items
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
        - ref: items.count-items
    - type: skill
      namespace: other-skills
      address: 127.0.0.1
      port: 7071
      skills:
        - name: other
          description: Another skill adapter.
    - type: skill
      namespace: item-skills
      address: 127.0.0.1
      port: 7070
      skills:
        - name: fleet-ops
          description: Fleet operations.
${indent(skillExtra, 10)}
          tools:
${indent(tools, 12)}
`;
}

async function diagnose(text: string): Promise<Diagnostic[]> {
  const result = await createValidator().validateText('/tmp/skill-rules.yaml', text);
  return [...result.diagnostics].filter((d) => d.severity === 'error');
}

const brief = (d: Diagnostic) => `${d.rule} ${d.pointer}: ${d.message}`;
const TOOL = '/capability/exposes/3/skills/0/tools';

describe('skill rules', () => {
  it('accepts tools that point at REST operations, MCP tools (named or by ref) and files', async () => {
    const text = capability(
      `
- name: a
  description: MCP tool.
  from: {sourceNamespace: items-mcp, action: list-items}
- name: b
  description: REST operation.
  from: {sourceNamespace: items-rest, action: get-items}
- name: c
  description: MCP tool named by its ref.
  from: {sourceNamespace: items-mcp, action: count-items}
- name: d
  description: A file.
  instruction: SKILL.md
`,
      'location: file:///./skills/fleet-ops',
    );
    expect((await diagnose(text)).map(brief)).toEqual([]);
  });

  it('a tool with both or neither of from and instruction is a schema error, once', async () => {
    const both = await diagnose(
      capability(
        `
- name: a
  description: Both.
  instruction: SKILL.md
  from: {sourceNamespace: items-mcp, action: list-items}
`,
        'location: file:///./skills/fleet-ops',
      ),
    );
    expect(both.map((d) => `${d.rule} ${d.pointer}`)).toEqual([`schema ${TOOL}/0`]);
    expect(both[0]?.message).toContain('matches several forms where exactly one is allowed');
    const neither = await diagnose(capability(`- {name: a, description: Neither.}`));
    expect(neither.map((d) => `${d.rule} ${d.pointer}`)).toEqual([`schema ${TOOL}/0`]);
    expect(neither[0]?.message).toContain('must be one of these forms: from; instruction');
  });

  it('skill-source-unresolved: a namespace that is not a REST or MCP sibling', async () => {
    const text = capability(`
- name: a
  description: Unknown namespace.
  from: {sourceNamespace: nowhere, action: list-items}
- name: b
  description: A consumes namespace.
  from: {sourceNamespace: up, action: list-items}
- name: c
  description: Another skill adapter.
  from: {sourceNamespace: other-skills, action: other}
`);
    const errors = await diagnose(text);
    expect(errors.map(brief)).toEqual([
      `skill-source-unresolved ${TOOL}/0/from/sourceNamespace: skill tool "a": "nowhere" is no exposed adapter, not a REST or MCP adapter of this capability (known: "items-rest", "items-mcp")`,
      `skill-source-unresolved ${TOOL}/1/from/sourceNamespace: skill tool "b": "up" is no exposed adapter, not a REST or MCP adapter of this capability (known: "items-rest", "items-mcp")`,
      `skill-source-unresolved ${TOOL}/2/from/sourceNamespace: skill tool "c": "other-skills" is a skill adapter, not a REST or MCP adapter of this capability (known: "items-rest", "items-mcp")`,
    ]);
    // Positioned at the offending value.
    const line = text.split('\n').findIndex((l) => l.includes('nowhere')) + 1;
    expect(errors[0]?.line).toBe(line);
  });

  it('skill-source-unresolved: an action the sibling does not have', async () => {
    const errors = await diagnose(
      capability(`
- name: a
  description: Not a REST operation.
  from: {sourceNamespace: items-rest, action: list-items}
- name: b
  description: Not an MCP tool.
  from: {sourceNamespace: items-mcp, action: get-items}
`),
    );
    expect(errors.map(brief)).toEqual([
      `skill-source-unresolved ${TOOL}/0/from/action: skill tool "a": the REST adapter "items-rest" has no operation "list-items" (operations: "get-items")`,
      `skill-source-unresolved ${TOOL}/1/from/action: skill tool "b": the MCP adapter "items-mcp" has no tool "get-items" (tools: "list-items", "count-items")`,
    ]);
  });

  it('skill-instruction-location: an instruction tool in a skill without a location', async () => {
    const errors = await diagnose(
      capability(`
- name: a
  description: A file, but from where?
  instruction: SKILL.md
`),
    );
    expect(errors.map(brief)).toEqual([
      `skill-instruction-location ${TOOL}/0/instruction: skill tool "a" reads instruction "SKILL.md", but skill "fleet-ops" declares no location to read it from`,
    ]);
  });

  it('an adapter built from an unvalidated document refuses what the rule reports', async () => {
    const text = capability(`
- name: a
  description: MCP tool.
  from: {sourceNamespace: items-mcp, action: list-items}
`);
    const result = await createValidator().validateText('/tmp/skill-rules.yaml', text);
    if (result.capability === undefined) throw new Error('the capability should be valid');
    const runtime = createRuntime(result.capability, { env: {} });
    try {
      const adapters = result.capability.doc.capability?.exposes ?? [];
      const adapter = adapters.find(
        (a): a is ExposesSkill => a.type === 'skill' && a.namespace === 'item-skills',
      );
      if (adapter === undefined) throw new Error('no skill adapter');
      const broken: ExposesSkill = {
        ...adapter,
        skills: [
          {
            name: 'fleet-ops',
            description: 'Fleet operations.',
            tools: [
              { name: 'a', description: 'd', from: { sourceNamespace: 'nowhere', action: 'x' } },
            ],
          },
        ],
      };
      expect(() => buildSkillApp(broken, runtime)).toThrow(
        expect.objectContaining({
          code: 'SPEC_INVALID',
          message:
            'skill adapter "item-skills", skill "fleet-ops", tool "a": "nowhere" is not a REST or MCP adapter of this capability',
        }),
      );
      // The valid adapter builds.
      await buildSkillApp(adapter, runtime).close();
    } finally {
      await runtime.close();
    }
  });
});
