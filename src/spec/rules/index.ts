/** Every semantic rule, in the order they run. docs/rules.md lists them (kept in sync by a test). */
import { controlPort, portConflict } from './ports.js';
import { mcpToolName, restPathUnroutable, restRouteDuplicate } from './exposed-names.js';
import { skillInstructionLocation, skillSourceUnresolved } from './skills.js';
import { namespaceDuplicate } from './namespaces.js';
import {
  aggregateFunctionDuplicate,
  callUnresolved,
  forwardUnresolved,
  outputSchemaMissing,
  refUnresolved,
  stepReference,
} from './references.js';
import {
  bareVariableReference,
  credentialUnboundName,
  templateReference,
  withParameter,
  withReference,
} from './bindings.js';
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
  pathQuery,
  restPathTrailingSlash,
} from './lint-adapters.js';
import {
  adapterUnauthenticated,
  oauth2HttpLoopback,
  oauth2Https,
  oauth2Resource,
} from './authentication.js';
import { aggregateSemantics, scriptDefaults } from './lint-orchestration.js';
import { scriptLanguage } from './scripts.js';
import { unfedRequiredParameter } from './unfed-parameters.js';
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
  restPathUnroutable,
  mcpToolName,
  skillSourceUnresolved,
  skillInstructionLocation,
  templateReference,
  bareVariableReference,
  credentialUnboundName,
  withReference,
  withParameter,
  unfedRequiredParameter,
  descriptionActiveContent,
  consumesDescription,
  restResourceDescription,
  aggregateFunctionDescription,
  pathQuery,
  restPathTrailingSlash,
  addressExample,
  controlAddress,
  mcpStdioAuthentication,
  adapterUnauthenticated,
  oauth2Https,
  oauth2HttpLoopback,
  oauth2Resource,
  aggregateSemantics,
  scriptDefaults,
  scriptLanguage,
];
