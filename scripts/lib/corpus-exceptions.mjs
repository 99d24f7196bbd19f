// The known exceptions of the corpus run (issue 10): engine-valid corpus files that cannot boot,
// or whose operations cannot answer non-4xx, because of the file itself (or of the flattened
// corpus layout), never because of the engine or the request plan. Each has a one-line reason.
// `node scripts/corpus-run.mjs` marks the failures these explain; anything else is "unexplained".

/**
 * `when`: 'boot' (the file fails to start) or an HTTP status class its operations answer
 * ('4xx' or '5xx'); `code`: the engine's error code (startup error or problem+json `code`);
 * `match`: the corpus file (relative to the corpus folder).
 */
export const KNOWN_EXCEPTIONS = Object.freeze([
  {
    when: 'boot',
    code: 'USAGE_INVALID',
    match: /__shared__[^/]*\.yaml$/,
    reason:
      'a shared consumes file (root `consumes`, or no `exposes`): nothing to serve; it is ' +
      'imported by other capabilities (`naftiko run` refuses it with USAGE_INVALID)',
  },
  {
    when: 'boot',
    code: 'BINDING_UNRESOLVED',
    match:
      /naftiko__framework\/[0-9a-f]+__(src__main__resources__tutorial__step-[34]-shipyard-[a-z-]+|\.agents__skills__naftiko-capability__assets__capability-example)\.yaml$/,
    reason:
      'binds secrets from a file:// location (./shared/secrets.yaml, ./secrets.yaml) that the ' +
      'flattened corpus does not have: BINDING_UNRESOLVED names the binding',
  },
  {
    when: 'boot',
    code: 'SPEC_INVALID',
    match:
      /naftiko__framework\/[0-9a-f]+__src__main__resources__schemas__examples__script-step\.yaml$/,
    reason:
      'its script steps read source files from file:///app/capabilities/scripts, which does ' +
      'not exist here: SPEC_INVALID at load names the script file',
  },
  {
    when: '5xx',
    code: 'SPEC_INVALID',
    match:
      /naftiko__framework\/[0-9a-f]+__src__test__resources__formats__(avro|proto)-capability\.yaml$/,
    reason:
      'outputRawFormat avro/protobuf with no outputSchema: there is no schema to decode the ' +
      'binary body with, so every call is a 500 SPEC_INVALID (validate warns: output-schema-missing)',
  },
]);

/**
 * The reason a known exception gives for a failure: `status` is an HTTP status or 'boot', `code`
 * the engine's error code.
 */
export function knownException(file, status, code) {
  const when =
    status === 'boot' ? 'boot' : status >= 500 ? '5xx' : status >= 400 ? '4xx' : undefined;
  return KNOWN_EXCEPTIONS.find((e) => e.when === when && e.code === code && e.match.test(file))
    ?.reason;
}
