/** The MCP adapter (contract §8): re-exports only. */
export { callTool } from './call-tool.js';
export { compileUnits, createDispatcher } from './dispatch.js';
export type { Dispatcher, McpUnits } from './dispatch.js';
export { inputSchemaOf } from './input-schema.js';
export type { ToolInputSchema } from './input-schema.js';
export { MCP_PATHS, startMcpHttpAdapter } from './mcp-http.js';
export type { McpHttpOptions } from './mcp-http.js';
export { compilePrompts } from './prompts.js';
export type { CompiledPrompts } from './prompts.js';
export { compileResources, guessMimeType, isTextMimeType, locationPath } from './resources.js';
export type { CompiledResources } from './resources.js';
export { serveMcpStdio } from './mcp-stdio.js';
export type { McpStdioOptions } from './mcp-stdio.js';
export { annotationsOf, compileTools } from './tool-definitions.js';
export type { CompiledTool } from './tool-definitions.js';
