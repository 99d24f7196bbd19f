/**
 * The questions `naftiko create capability` asks on a terminal for what its flags left out
 * (node:readline/promises). Each answer is checked as the flag would be; a wrong one is asked
 * again, an empty one takes the default when there is one.
 */
import { createInterface } from 'node:readline/promises';
import { checkBaseUri, checkName } from './scaffold.js';

export interface Answers {
  name?: string;
  baseUri?: string;
  port?: string;
  mcpPort?: string;
}

interface Question {
  readonly key: keyof Answers;
  readonly text: string;
  readonly fallback?: string;
  readonly check: (answer: string) => string | undefined;
}

const PORT = (answer: string) =>
  /^\d+$/.test(answer) && Number(answer) >= 1 && Number(answer) <= 65535
    ? undefined
    : 'a port number from 1 to 65535';

const QUESTIONS: readonly Question[] = [
  { key: 'name', text: 'Capability name (kebab-case)', check: checkName },
  { key: 'baseUri', text: "Upstream API's base URI", check: checkBaseUri },
  { key: 'port', text: 'REST adapter port', fallback: '8080', check: PORT },
  {
    key: 'mcpPort',
    text: 'MCP adapter port (empty: no MCP adapter)',
    fallback: '',
    check: (a) => (a === '' ? undefined : PORT(a)),
  },
];

/** Asks for each answer not given yet; resolves with all of them. */
export async function askMissing(
  given: Answers,
  streams: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<Answers> {
  const rl = createInterface({ input: streams.input, output: streams.output, terminal: false });
  const answers: Answers = { ...given };
  try {
    for (const q of QUESTIONS) {
      if (answers[q.key] !== undefined) continue;
      for (;;) {
        const suffix = q.fallback ? ` [${q.fallback}]` : '';
        const raw = (await rl.question(`${q.text}${suffix}: `)).trim();
        const answer = raw === '' && q.fallback !== undefined ? q.fallback : raw;
        const problem =
          answer === '' && q.fallback === undefined ? 'an answer is needed' : q.check(answer);
        if (problem === undefined) {
          if (answer !== '') answers[q.key] = answer;
          break;
        }
        streams.output.write(`  ${problem}\n`);
      }
    }
  } finally {
    rl.close();
  }
  return answers;
}
