/**
 * Script steps the engine will refuse at load (contract §9: JavaScript only): a step whose
 * language (its own, else `management.scripting.defaultLanguage`) is Python or Groovy, or is
 * not among `management.scripting.allowedLanguages`. Valid alpha2, hence a warning: the
 * reference engine runs these, this one does not.
 */
import type { Path } from '../diagnostic-sink.js';
import { exposes, invocables, isObj } from '../walk.js';
import type { RuleContext, SemanticRule } from './rule.js';

function scripting(ctx: RuleContext): { language?: string; allowed?: string[] } {
  for (const [control] of exposes(ctx.doc, 'control')) {
    const spec = isObj(control.management) ? control.management.scripting : undefined;
    if (!isObj(spec)) continue;
    return {
      ...(typeof spec.defaultLanguage === 'string' ? { language: spec.defaultLanguage } : {}),
      ...(Array.isArray(spec.allowedLanguages) && spec.allowedLanguages.length > 0
        ? { allowed: spec.allowedLanguages.filter((l): l is string => typeof l === 'string') }
        : {}),
    };
  }
  return {};
}

export const scriptLanguage: SemanticRule = {
  id: 'script-language',
  severity: 'warning',
  summary:
    'A script step is in JavaScript, a language `management.scripting.allowedLanguages` allows: the engine refuses Python and Groovy steps at load.',
  check(ctx, report) {
    const defaults = scripting(ctx);
    for (const [invocable, path] of invocables(ctx.doc)) {
      if (!Array.isArray(invocable.steps)) continue;
      for (const [i, step] of (invocable.steps as unknown[]).entries()) {
        if (!isObj(step) || step.type !== 'script') continue;
        const own = typeof step.language === 'string';
        const language = own ? (step.language as string) : defaults.language;
        if (language === undefined) continue; // script-defaults reports it
        const at: Path = own ? [...path, 'steps', i, 'language'] : [...path, 'steps', i];
        const name = String(step.name);
        if (language !== 'javascript') {
          report(
            `script step "${name}" is in ${language}: this engine runs JavaScript script steps only and refuses it at load`,
            at,
            own ? 'value' : undefined,
          );
        } else if (defaults.allowed && !defaults.allowed.includes(language)) {
          report(
            `script step "${name}" is in ${language}, which management.scripting.allowedLanguages does not allow: it is refused at load`,
            at,
            own ? 'value' : undefined,
          );
        }
      }
    }
  },
};
