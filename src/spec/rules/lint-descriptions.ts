/**
 * Quality and safety of descriptions (intent of the official Spectral rules
 * naftiko-consumes-description, naftiko-rest-resource-description,
 * naftiko-aggregate-function-description, naftiko-no-script-tags-in-markdown and
 * naftiko-no-eval-in-markdown, with their severities). Descriptions reach people and agents
 * (MCP `instructions`, tool descriptions), so active content in them is refused.
 */
import type { Path } from '../diagnostic-sink.js';
import { aggregateFunctions, inlineConsumes, isObj, restResources } from '../walk.js';
import type { SemanticRule } from './rule.js';

const blank = (value: unknown): boolean => typeof value !== 'string' || value.trim() === '';

export const consumesDescription: SemanticRule = {
  id: 'consumes-description',
  severity: 'warning',
  summary: 'A consumes block has a description.',
  check(ctx, report) {
    for (const [consumes, path] of inlineConsumes(ctx.doc)) {
      if (blank(consumes.description)) {
        report(`consumes "${String(consumes.namespace)}" has no description`, [
          ...path,
          'namespace',
        ]);
      }
    }
  },
};

export const restResourceDescription: SemanticRule = {
  id: 'rest-resource-description',
  severity: 'warning',
  summary: 'A REST resource has a description.',
  check(ctx, report) {
    for (const [resource, path] of restResources(ctx.doc)) {
      if (blank(resource.description)) {
        report(`REST resource ${String(resource.path)} has no description`, [...path, 'path']);
      }
    }
  },
};

export const aggregateFunctionDescription: SemanticRule = {
  id: 'aggregate-function-description',
  severity: 'warning',
  summary: 'An aggregate function has a non-empty description.',
  check(ctx, report) {
    for (const [fn, path] of aggregateFunctions(ctx.doc)) {
      if (blank(fn.description)) {
        report(`aggregate function "${String(fn.name)}" has an empty description`, [
          ...path,
          'description',
        ]);
      }
    }
  },
};

const ACTIVE_CONTENT = [
  { pattern: /<script/i, what: 'a <script> tag' },
  { pattern: /\beval\s*\(/, what: 'eval(' },
];

/** Subtrees that hold data sent upstream or returned, not text shown to people and agents. */
const DATA_KEYS = new Set(['body', 'const', 'with', 'value', 'data']);

/** Every `description` and `label` string of the document's own structure, with its path. */
function* describedText(value: unknown, path: Path): Generator<[string, Path]> {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* describedText(v, [...path, i]);
  } else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'description' || k === 'label') && typeof v === 'string') yield [v, [...path, k]];
      else if (!DATA_KEYS.has(k)) yield* describedText(v, [...path, k]);
    }
  }
}

export const descriptionActiveContent: SemanticRule = {
  id: 'description-active-content',
  severity: 'error',
  summary: 'No `<script` or `eval(` in descriptions and labels.',
  check(ctx, report) {
    for (const [text, path] of describedText(ctx.doc, [])) {
      for (const { pattern, what } of ACTIVE_CONTENT) {
        if (pattern.test(text)) report(`${String(path.at(-1))} contains ${what}`, path);
      }
    }
  },
};
