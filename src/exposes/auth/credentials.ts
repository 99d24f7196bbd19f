/**
 * The expected credentials of an inbound scheme: templates over the bound variables (contract §3),
 * rendered once at start-up (a bare bound-variable name counts as `{{name}}`). Fail closed: a placeholder without a value, or a credential that
 * renders empty, stops the adapter with an error naming the field and the variables, never a
 * value.
 */
import { NaftikoError } from '../../errors.js';
import {
  bareVariableAsTemplate,
  compileTemplate,
  looksLikeVariableName,
} from '../../spec/template.js';
import type { InboundAuthContext } from './inbound-auth.js';

export function expectedCredential(
  source: string | undefined,
  field: string,
  ctx: InboundAuthContext,
): string {
  if (source === undefined) {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: authentication declares no ${field}; refusing to serve the adapter open`,
      { details: { field } },
    );
  }
  const template = compileTemplate(
    bareVariableAsTemplate(source, (name) => ctx.variables(name) !== undefined),
  );
  if (template.isStatic && looksLikeVariableName(source)) {
    // Most likely a misspelt or unbound variable: serving it would make its name the secret.
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: authentication ${field} "${source.trim()}" reads like a variable name, but no bound variable has it; write "{{${source.trim()}}}" and bind it, refusing to serve the adapter with its name as the secret`,
      { details: { field } },
    );
  }
  const { text, missing } = template.render(ctx.variables);
  const names = template.names.map((n) => `{{${n}}}`).join(', ');
  if (missing.length > 0) {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: authentication ${field} uses ${missing.map((n) => `{{${n}}}`).join(', ')}, which has no value; refusing to serve the adapter open`,
      { details: { field, missing: [...missing] } },
    );
  }
  if (text.trim() === '') {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: authentication ${field}${names ? ` (${names})` : ''} is empty; refusing to serve the adapter open`,
      { details: { field } },
    );
  }
  if (/[\r\n\0]/.test(text)) {
    throw new NaftikoError(
      'AUTH_UNENFORCEABLE',
      `${ctx.label}: authentication ${field}${names ? ` (${names})` : ''} contains a line break`,
      { details: { field } },
    );
  }
  return text;
}
