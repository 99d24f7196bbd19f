/** Every semantic rule, in the order they run. docs/rules.md lists them (kept in sync by a test). */
import { controlPort, portConflict } from './ports.js';
import { mcpToolName, restRouteDuplicate } from './exposed-names.js';
import { namespaceDuplicate } from './namespaces.js';
import {
  aggregateFunctionDuplicate,
  callUnresolved,
  forwardUnresolved,
  outputSchemaMissing,
  refUnresolved,
  stepReference,
} from './references.js';
import { templateReference, withParameter, withReference } from './bindings.js';
import {
  aggregateFunctionDescription,
  consumesDescription,
  descriptionActiveContent,
  restResourceDescription,
} from './lint-descriptions.js';
import {
  addressExample,
  controlAddress,
  mcpStdioAuthentication,
  oauth2Https,
  oauth2Resource,
  pathQuery,
  restPathTrailingSlash,
} from './lint-adapters.js';
import { aggregateSemantics, scriptDefaults } from './lint-orchestration.js';
import type { SemanticRule } from './rule.js';

export const SEMANTIC_RULES: readonly SemanticRule[] = [
  callUnresolved,
  refUnresolved,
  forwardUnresolved,
  stepReference,
  aggregateFunctionDuplicate,
  outputSchemaMissing,
  namespaceDuplicate,
  portConflict,
  controlPort,
  restRouteDuplicate,
  mcpToolName,
  templateReference,
  withReference,
  withParameter,
  descriptionActiveContent,
  consumesDescription,
  restResourceDescription,
  aggregateFunctionDescription,
  pathQuery,
  restPathTrailingSlash,
  addressExample,
  controlAddress,
  mcpStdioAuthentication,
  oauth2Https,
  oauth2Resource,
  aggregateSemantics,
  scriptDefaults,
];
