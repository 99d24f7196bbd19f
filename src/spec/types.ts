/**
 * Typed view of a capability document, one interface per definition of our JSON Schema
 * (schemas/naftiko-1.0.0-alpha2.schema.json). Values of these types have passed engine-level
 * schema validation, so optional fields are the only uncertainty left. Dialect fields the engine
 * accepts (contract §2) are marked "dialect".
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ParameterType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';
export type OutputType = 'string' | 'number' | 'boolean' | 'object' | 'array';
export type ScriptLanguage = 'javascript' | 'python' | 'groovy';

export interface CapabilityDocument {
  naftiko: string;
  info?: Info;
  binds?: Binding[];
  /** Present in a shared consumes file (a document without `capability`). */
  consumes?: ConsumesEntry[];
  capability?: Capability;
}

export interface Info {
  label: string;
  description: string;
  tags?: string[];
  created?: string;
  modified?: string;
  stakeholders?: Person[];
}

export interface Person {
  role: string;
  fullName: string;
  email?: string;
}

export interface Binding {
  namespace: string;
  description?: string;
  location?: string;
  /** VARIABLE_NAME → key in the provider. */
  keys: Record<string, string>;
}

export interface Capability {
  binds?: Binding[];
  consumes?: ConsumesEntry[];
  exposes?: ExposesAdapter[];
  aggregates?: Aggregate[];
}

export type ConsumesEntry = ConsumesHttp | ImportedConsumesHttp;

export interface ImportedConsumesHttp {
  location: string;
  import: string;
  as?: string;
}

export interface ConsumesHttp {
  namespace: string;
  type: 'http';
  description?: string;
  baseUri: string;
  inputParameters?: ConsumedInputParameter[];
  authentication?: Authentication;
  resources?: ConsumedHttpResource[];
}

export interface ConsumedHttpResource {
  name: string;
  label?: string;
  description?: string;
  path: string;
  inputParameters?: ConsumedInputParameter[];
  operations: ConsumedHttpOperation[];
}

export type OutputRawFormat =
  'json' | 'xml' | 'avro' | 'protobuf' | 'csv' | 'tsv' | 'psv' | 'yaml' | 'html' | 'markdown';

export interface ConsumedHttpOperation {
  name: string;
  label?: string;
  description?: string;
  method: HttpMethod;
  inputParameters?: ConsumedInputParameter[];
  outputRawFormat?: OutputRawFormat;
  outputSchema?: string;
  outputParameters?: ConsumedOutputParameter[];
  body?: RequestBody;
}

export type ParameterLocation = 'query' | 'header' | 'path' | 'cookie' | 'body' | 'environment';

export interface ConsumedInputParameter {
  name: string;
  in: ParameterLocation;
  value?: string;
  /** dialect */
  type?: ParameterType;
  /** dialect */
  description?: string;
  /** dialect */
  required?: boolean;
}

export interface ConsumedOutputParameter {
  name: string;
  type: OutputType;
  value: string;
}

export type RequestBody =
  string | RequestBodyJson | RequestBodyText | RequestBodyFormUrlEncoded | RequestBodyMultipartForm;

export interface RequestBodyJson {
  type: 'json';
  data: string | Record<string, unknown> | unknown[];
}

export interface RequestBodyText {
  type: 'text' | 'xml' | 'sparql';
  data: string;
}

export interface RequestBodyFormUrlEncoded {
  type: 'formUrlEncoded';
  data: string | Record<string, string>;
}

export interface RequestBodyMultipartForm {
  type: 'multipartForm';
  data: RequestBodyMultipartFormPart[];
}

export interface RequestBodyMultipartFormPart {
  name: string;
  value: string;
  filename?: string;
  contentType?: string;
}

export type Authentication = AuthBasic | AuthDigest | AuthApiKey | AuthBearer | AuthOAuth2;

export interface AuthBasic {
  type: 'basic';
  username?: string;
  password?: string;
}

export interface AuthDigest {
  type: 'digest';
  username?: string;
  password?: string;
}

export interface AuthApiKey {
  type: 'apikey';
  key?: string;
  value?: string;
  placement?: 'header' | 'query';
}

export interface AuthBearer {
  type: 'bearer';
  token?: string;
}

export interface AuthOAuth2 {
  type: 'oauth2';
  authorizationServerUri: string;
  resource: string;
  scopes?: string[];
  audience?: string;
  tokenEndpoint?: string;
  tokenValidation?: 'jwks' | 'introspection';
}

export type ExposesAdapter = ExposesRest | ExposesMcp | ExposesSkill | ExposesControl;

export interface ExposesRest {
  type: 'rest';
  address?: string;
  port: number;
  namespace: string;
  /** dialect */
  description?: string;
  authentication?: Authentication;
  resources?: ExposedResource[];
}

export interface ExposedResource {
  name?: string;
  label?: string;
  description?: string;
  path: string;
  inputParameters?: ExposedInputParameter[];
  operations?: ExposedOperation[];
  forward?: ForwardConfig;
}

export interface ForwardConfig {
  targetNamespace: string;
  trustedHeaders?: string[];
}

export interface ExposedInputParameter {
  name: string;
  in: Exclude<ParameterLocation, 'environment'>;
  type: ParameterType;
  description: string;
  pattern?: string;
  value?: string;
}

/** Fields shared by everything that runs: REST operations, MCP tools and resources, functions. */
export interface Invocable {
  call?: string;
  with?: WithInjector;
  steps?: OperationStep[];
  mappings?: StepOutputMapping[];
  outputParameters?: OutputParameter[];
}

export interface ExposedOperation extends Invocable {
  name?: string;
  label?: string;
  description?: string;
  method: HttpMethod;
  inputParameters?: ExposedInputParameter[];
  ref?: string;
}

export type WithInjector = Record<string, string | number>;

export interface ExposesMcp {
  type: 'mcp';
  transport?: 'http' | 'stdio';
  address?: string;
  port?: number;
  namespace: string;
  description?: string;
  authentication?: Authentication;
  tools: McpTool[];
  resources?: McpResource[];
  prompts?: McpPrompt[];
}

export interface McpTool extends Invocable {
  name?: string;
  label?: string;
  description?: string;
  inputParameters?: McpToolInputParameter[];
  ref?: string;
  hints?: McpToolHints;
}

export interface McpToolHints {
  readOnly?: boolean;
  destructive?: boolean;
  idempotent?: boolean;
  openWorld?: boolean;
}

export interface McpToolInputParameter {
  name: string;
  type: ParameterType;
  description: string;
  required?: boolean;
}

export interface McpResource extends Invocable {
  name: string;
  label: string;
  uri: string;
  description: string;
  mimeType?: string;
  location?: string;
}

export interface McpPrompt {
  name: string;
  label: string;
  description: string;
  arguments?: McpPromptArgument[];
  template?: McpPromptMessage[];
  location?: string;
}

export interface McpPromptArgument {
  name: string;
  label?: string;
  description: string;
  required?: boolean;
}

export interface McpPromptMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ExposesSkill {
  type: 'skill';
  address?: string;
  port: number;
  namespace: string;
  description?: string;
  authentication?: Authentication;
  skills: ExposedSkill[];
}

export interface ExposedSkill {
  name: string;
  description: string;
  license?: string;
  compatibility?: string;
  metadata?: Record<string, string>;
  'allowed-tools'?: string;
  'argument-hint'?: string;
  'user-invocable'?: boolean;
  'disable-model-invocation'?: boolean;
  location?: string;
  tools?: SkillTool[];
}

export interface SkillTool {
  name: string;
  description: string;
  from?: { sourceNamespace: string; action: string };
  instruction?: string;
}

export interface ExposesControl {
  type: 'control';
  address?: string;
  port: number;
  authentication?: Authentication;
  management?: ControlManagementSpec;
  observability?: ObservabilitySpec;
}

export interface ControlManagementSpec {
  health?: boolean;
  info?: boolean;
  reload?: boolean;
  validate?: boolean;
  logs?: boolean | { 'level-control'?: boolean; stream?: boolean; 'max-subscribers'?: number };
  scripting?: ScriptingManagementSpec;
}

export interface ScriptingManagementSpec {
  enabled?: boolean;
  defaultLocation?: string;
  defaultLanguage?: ScriptLanguage;
  timeout?: number;
  statementLimit?: number;
  allowedLanguages?: ScriptLanguage[];
}

export interface ObservabilitySpec {
  enabled?: boolean;
  metrics?: { local?: { enabled?: boolean } };
  traces?: {
    sampling?: number;
    propagation?: 'w3c' | 'b3';
    local?: { enabled?: boolean; 'buffer-size'?: number };
  };
  exporters?: { otlp?: { endpoint: string } };
}

export interface Aggregate {
  label: string;
  namespace: string;
  functions: AggregateFunction[];
}

export interface AggregateFunction extends Invocable {
  name: string;
  description: string;
  semantics?: Semantics;
  inputParameters?: McpToolInputParameter[];
}

export interface Semantics {
  safe?: boolean;
  idempotent?: boolean;
  cacheable?: boolean;
}

export type OperationStep = OperationStepCall | OperationStepLookup | OperationStepScript;

export interface OperationStepCall {
  type: 'call';
  name: string;
  call: string;
  with?: WithInjector;
}

export interface OperationStepLookup {
  type: 'lookup';
  name: string;
  index: string;
  match: string;
  lookupValue: string;
  outputParameters: string[];
}

export interface OperationStepScript {
  type: 'script';
  name: string;
  language?: ScriptLanguage;
  location?: string;
  file: string;
  dependencies?: string[];
  with?: WithInjector;
}

export interface StepOutputMapping {
  targetName: string;
  value: string;
}

/** Engine dialect: what an MCP tool output parameter gives as a content block. */
export type McpContentKind = 'text' | 'image' | 'audio' | 'resource' | 'resource_link';

/**
 * Engine dialect keys of a top-level MCP tool output parameter (`dialect-mcp-content`): the
 * output becomes a content block of that kind instead of a field of the JSON text.
 */
export interface McpContentFields {
  content?: McpContentKind;
  mimeType?: string;
  uri?: string;
}

/** Any of the three output forms; which one applies depends on the invocable's mode. */
export type OutputParameter =
  MappedOutputParameter | OrchestratedOutputParameter | MockOutputParameter;

export interface MappedOutputParameter extends McpContentFields {
  type: OutputType;
  mapping?: string;
  const?: unknown;
  value?: string;
  properties?: Record<string, MappedOutputParameter>;
  items?: MappedOutputParameter;
}

export interface OrchestratedOutputParameter extends McpContentFields {
  name: string;
  type: OutputType;
  properties?: Record<string, OrchestratedOutputParameter>;
  items?: OrchestratedOutputParameter[];
}

export interface MockOutputParameter extends McpContentFields {
  name: string;
  type: 'string' | 'number' | 'boolean';
  value: string;
}

export function isImportedConsumes(entry: ConsumesEntry): entry is ImportedConsumesHttp {
  return 'location' in entry;
}
