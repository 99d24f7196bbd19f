/**
 * The prompts of an MCP adapter (contract §8): `prompts/list` gives each prompt's name, title
 * (= `label`), description and arguments (required unless `required: false`); `prompts/get`
 * refuses missing required arguments, then renders the inline `template` messages — or the
 * `location` file, as one user message — with `{{arg}}` substitution (unknown names render
 * empty). A relative `location` (`file:///./x`) is read from the capability file's folder.
 * A `location` that is an image or audio file (by its extension) is one user message with an
 * `image`/`audio` content: the file's bytes in base64 and its MIME type (no substitution).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { GetPromptResult, Prompt } from '@modelcontextprotocol/sdk/types.js';
import type { Runtime } from '../../engine/runtime.js';
import { compileTemplate } from '../../spec/template.js';
import type { Template } from '../../spec/template.js';
import type { ExposesMcp, McpPrompt } from '../../spec/types.js';
import { guessMimeType, locationPath } from './resources.js';
import { RPC_INTERNAL_ERROR, RPC_INVALID_PARAMS, RpcError } from './rpc-error.js';

interface CompiledPrompt {
  readonly spec: McpPrompt;
  readonly definition: Prompt;
  readonly required: readonly string[];
  /** Inline messages, compiled once; undefined for a `location` prompt. */
  readonly messages?: readonly { role: 'user' | 'assistant'; template: Template }[];
  readonly file?: string;
  /** For a `location` that is an image or audio file: its content kind and MIME type. */
  readonly media?: { readonly kind: 'image' | 'audio'; readonly mimeType: string };
}

export interface CompiledPrompts {
  readonly present: boolean;
  readonly definitions: readonly Prompt[];
  get(name: string, args: Readonly<Record<string, string>>): Promise<GetPromptResult>;
}

export function compilePrompts(adapter: ExposesMcp, runtime: Runtime): CompiledPrompts {
  const baseDir = path.dirname(path.resolve(runtime.capability.source.file));
  const prompts = (adapter.prompts ?? []).map((spec) => compilePrompt(spec, baseDir));
  const byName = new Map(prompts.map((p) => [p.spec.name, p]));
  return {
    present: prompts.length > 0,
    definitions: prompts.map((p) => p.definition),
    async get(name, args) {
      const prompt = byName.get(name);
      if (prompt === undefined) {
        throw new RpcError(RPC_INVALID_PARAMS, `unknown prompt: ${name}`);
      }
      const missing = prompt.required.filter((a) => args[a] === undefined);
      if (missing.length > 0) {
        throw new RpcError(
          RPC_INVALID_PARAMS,
          `prompt ${name}: missing required argument${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`,
        );
      }
      if (prompt.media !== undefined) {
        const { kind, mimeType } = prompt.media;
        const data = (await readPromptFile(prompt, null)).toString('base64');
        return {
          description: prompt.spec.description,
          messages: [{ role: 'user', content: { type: kind, data, mimeType } }],
        };
      }
      const lookup = (key: string): unknown => (Object.hasOwn(args, key) ? args[key] : undefined);
      const messages = prompt.messages ?? [
        { role: 'user' as const, template: compileTemplate(await readPromptFile(prompt, 'utf8')) },
      ];
      return {
        description: prompt.spec.description,
        messages: messages.map((m) => ({
          role: m.role,
          content: { type: 'text' as const, text: m.template.render(lookup).text },
        })),
      };
    },
  };
}

function compilePrompt(spec: McpPrompt, baseDir: string): CompiledPrompt {
  const args = spec.arguments ?? [];
  const definition: Prompt = {
    name: spec.name,
    title: spec.label,
    description: spec.description,
    ...(args.length > 0
      ? {
          arguments: args.map((a) => ({
            name: a.name,
            description: a.description,
            required: a.required ?? true,
          })),
        }
      : {}),
  };
  const required = args.filter((a) => a.required ?? true).map((a) => a.name);
  if (spec.template !== undefined) {
    const messages = spec.template.map((m) => ({
      role: m.role,
      template: compileTemplate(m.content),
    }));
    return { spec, definition, required, messages };
  }
  if (spec.location !== undefined) {
    const file = locationPath(spec.location, baseDir);
    const mimeType = guessMimeType(file);
    const kind = mimeType.startsWith('image/')
      ? 'image'
      : mimeType.startsWith('audio/')
        ? 'audio'
        : undefined;
    return kind === undefined
      ? { spec, definition, required, file }
      : { spec, definition, required, file, media: { kind, mimeType } };
  }
  return { spec, definition, required, messages: [] };
}

async function readPromptFile(prompt: CompiledPrompt, encoding: 'utf8'): Promise<string>;
async function readPromptFile(prompt: CompiledPrompt, encoding: null): Promise<Buffer>;
async function readPromptFile(
  prompt: CompiledPrompt,
  encoding: 'utf8' | null,
): Promise<string | Buffer> {
  try {
    return await fs.readFile(prompt.file as string, encoding === null ? {} : { encoding });
  } catch {
    throw new RpcError(
      RPC_INTERNAL_ERROR,
      `prompt ${prompt.spec.name}: its location cannot be read`,
    );
  }
}
