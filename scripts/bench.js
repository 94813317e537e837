// npm run bench -- <name> [args]: builds if needed, then runs dist/bench/<name>.js.
const { ensureBuild } = require('./ensure-build');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

ensureBuild();
const dir = join(__dirname, '..', 'dist', 'bench');
const available = readdirSync(dir).filter((f) => f.endsWith('.bench.js')).map((f) => f.replace('.bench.js', ''));
const [name, ...args] = process.argv.slice(2);
const names = name ? [name] : available;
for (const each of names) {
  const file = join(dir, `${each}.bench.js`);
  if (!existsSync(file)) {
    console.error(`Unknown benchmark "${each}". Available: ${available.join(', ')}`);
    process.exit(2);
  }
}
(async () => {
  for (const each of names) {
    process.argv = [process.argv[0], join(dir, `${each}.bench.js`), ...args];
    await require(join(dir, `${each}.bench.js`)).main(args);
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
