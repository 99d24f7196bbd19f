// Shared bits of the hand-written baselines: argument parsing and the "listening" line run.mjs waits for.
export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
export function flag(name) {
  return process.argv.includes(`--${name}`);
}
export function announce(type, url) {
  console.log(JSON.stringify({ event: 'adapter.listening', type, url }));
  console.log(JSON.stringify({ event: 'capability.ready' }));
}
