// Runs a TypeScript entry point in a process of its own without a build (node test/support/run-typescript.js <file.ts>):
// for tests that need the product's commands as an operator runs them, e.g. `npm run projections:rebuild`
// beside a running app. Each file is transpiled alone (no type check: the test run's ts-jest and
// `tsc --noEmit` do that), and `@bistand/<lib>` resolves to libs/<lib>/src as in tsconfig.json.
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const ts = require('typescript');

const root = join(__dirname, '..', '..');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  resolveJsonModule: true,
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@bistand\/([a-z-]+)(?:\/(.*))?$/.exec(request);
  return resolveFilename.call(this, alias ? join(root, 'libs', alias[1], 'src', alias[2] ?? '') : request, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

require(resolve(process.argv[2]));
