// Preloaded with NODE_OPTIONS=--require (which refuses --cpu-prof): profiles the process with V8's
// sampling profiler and writes <pid>.cpuprofile into BENCH_CPU_PROF when it exits.
const inspector = require('node:inspector');
const { writeFileSync, mkdirSync } = require('node:fs');
const path = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  // An in-process session answers synchronously, so this completes before the process ends.
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    mkdirSync(process.env.BENCH_CPU_PROF, { recursive: true });
    writeFileSync(path.join(process.env.BENCH_CPU_PROF, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
