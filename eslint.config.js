// ESLint flat config: typescript-eslint recommended rules, plus the layering rule of DESIGN.md.
// Dependencies point one way: cli → exposes → engine → consumes → spec. A layer may import from
// layers to its right (and from the leaves errors.ts, logger.ts), never from one to its left.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LAYERS = ['cli', 'exposes', 'engine', 'consumes', 'spec'];

/** For the layer at index i, forbid imports of every layer to its left. */
function layerRule(layer, index) {
  const forbidden = LAYERS.slice(0, index);
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((other) => ({
            regex: `(^|/)(\\.\\./)+(${other})(/|$)`,
            message: `layering: src/${layer} must not import from src/${other} (cli → exposes → engine → consumes → spec)`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...LAYERS.map(layerRule).filter((c) => c.rules['no-restricted-imports'][1].patterns.length > 0),
  {
    // Leaves (errors, logger, package-info) are importable from anywhere and import no layer.
    files: ['src/errors.ts', 'src/logger.ts', 'src/package-info.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: LAYERS.map((other) => ({
            regex: `^\\./(${other})(/|$)`,
            message: 'leaf modules must not import from a layer',
          })),
        },
      ],
    },
  },
  {
    // observability/ is a leaf folder too: importable from every layer, importing none.
    files: ['src/observability/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: LAYERS.map((other) => ({
            regex: `^\\.\\./(${other})(/|$)`,
            message: 'observability/ is a leaf: it must not import from a layer',
          })),
        },
      ],
    },
  },
);
