// npm run projections:rebuild: builds if needed, then rebuilds the read models (apps/bistand/src/rebuild.ts).
const { ensureBuild } = require('./ensure-build');

ensureBuild();
require('../dist/apps/bistand/src/rebuild.js');
