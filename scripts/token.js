// npm run token -- --role ...: builds if needed, then prints a development token (see scripts/token.ts).
const { ensureBuild } = require('./ensure-build');

ensureBuild({ quiet: true });
require('../dist/scripts/token.js');
