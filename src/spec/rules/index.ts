/** Every semantic rule, in the order they run. */
import type { SemanticRule } from './rule.js';

export const SEMANTIC_RULES: readonly SemanticRule[] = [];
