/** In-process validation of inline YAML, summarised as `line:col severity rule` strings. */
import { createValidator } from '../../src/spec/validate.js';
import type { Diagnostic } from '../../src/spec/diagnostics.js';

export async function diagnose(yaml: string, strict = false): Promise<Diagnostic[]> {
  const result = await createValidator({ strict }).validateText('inline.yaml', yaml);
  return [...result.diagnostics];
}

export const brief = (d: Diagnostic): string => `${d.line}:${d.column} ${d.severity} ${d.rule}`;

/** `line:col severity rule` of every diagnostic, in the order reported. */
export async function briefs(yaml: string, strict = false): Promise<string[]> {
  return (await diagnose(yaml, strict)).map(brief);
}

/** Removes the common indentation of a template literal so fixtures read naturally. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce(
    (acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''),
    '',
  );
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(
    ...lines
      .filter((l) => l.trim() !== '')
      .map((l) => (/^ */.exec(l) as RegExpExecArray)[0].length),
  );
  return lines.map((l) => l.slice(indent)).join('\n');
}
