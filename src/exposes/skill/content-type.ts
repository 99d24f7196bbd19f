/**
 * The content type a skill file is served with, from its extension. Skill folders hold
 * instructions (Markdown), data and small scripts: the textual ones say UTF-8 so a browser or an
 * agent reads them as written; anything not in the table is `application/octet-stream`.
 */
import path from 'node:path';

const TEXT = '; charset=utf-8';

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.md': `text/markdown${TEXT}`,
  '.markdown': `text/markdown${TEXT}`,
  '.txt': `text/plain${TEXT}`,
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.csv': `text/csv${TEXT}`,
  '.xml': 'application/xml',
  '.py': `text/x-python${TEXT}`,
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  '.sh': `text/x-shellscript${TEXT}`,
  '.html': `text/html${TEXT}`,
  '.htm': `text/html${TEXT}`,
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentTypeOf(file: string): string {
  return BY_EXTENSION[path.extname(file).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}
