/**
 * Secret redaction: bound values (API keys, tokens, passwords) never appear in logs, errors or
 * responses the engine writes (contract §3). Short values are skipped: redacting "1" or "on"
 * everywhere would garble messages without protecting anything.
 */
const MIN_SECRET_LENGTH = 4;

export function createRedactor(secrets: readonly string[]): (text: string) => string {
  // Each secret also as it appears JSON-escaped and URL-encoded (an upstream may echo either).
  const forms = secrets
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)]);
  const values = [...new Set(forms)].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  const pattern = new RegExp(values.map(escape).join('|'), 'g');
  return (text) => text.replace(pattern, '[redacted]');
}

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
