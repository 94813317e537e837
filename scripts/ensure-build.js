// Builds dist/ when it is missing or older than any TypeScript source, so `npm start` and
// `npm run bench` work straight after `npm ci`.
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, utimesSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const marker = join(root, 'dist', '.tsbuildinfo');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuild({ quiet = false } = {}) {
  const sources = ['apps', 'libs', 'bench', 'scripts'].map((dir) => join(root, dir)).filter(existsSync);
  const newest = Math.max(...sources.map(newestSource), statSync(join(root, 'tsconfig.json')).mtimeMs);
  if (existsSync(marker) && statSync(marker).mtimeMs >= newest) return;
  if (!quiet) process.stderr.write('Building (npm run build)...\n');
  execSync('npm run --silent build', { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit' });
  const now = new Date();
  utimesSync(marker, now, now); // tsc leaves the build info untouched when nothing changed
}

module.exports = { ensureBuild };
