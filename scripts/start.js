// npm start: builds if needed, then runs the app (API, and in later issues projector and deadline watcher).
const { ensureBuild } = require('./ensure-build');

ensureBuild();
require('../dist/apps/bistand/src/main.js');
