// Run the engine's wheel inside Pyodide under Node, as the browser's Web Worker will.
//
//   node tests/pyodide_runner.mjs JOB.json
//
// JOB.json = {
//   "pyodide": "<absolute path to node_modules/pyodide>",
//   "wheel":   "<path to policy_portal_calculators-*.whl>",
//   "rules":   "<path to rules.json>",
//   "requests": ["<request JSON>", ...],     // each passed to calculators.api_call as text
//   "repeat":  0,                            // >0: then time every call, that many rounds (benchmark)
//   "keep_responses": true,                  // false: do not collect the answers (benchmark)
//   "out":     "<path of the result file>"
// }
//
// The result file is JSON: {"python": "3.14.x", "responses": ["<response JSON>", ...],
// "timings_us": [...]} (one per timed call, JS -> Python -> JS, in microseconds).
// No network: Pyodide is loaded from the npm package's folder, the wheel from disk.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const indexURL = path.resolve(job.pyodide) + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);

// Python's own prints go to stderr so that nothing mixes with our result.
const pyodide = await loadPyodide({
  indexURL,
  stdout: (line) => process.stderr.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
pyodide.unpackArchive(new Uint8Array(readFileSync(job.wheel)), "wheel", { extractDir: sitePackages });

const calculators = pyodide.pyimport("calculators");
const apiCall = calculators.api_call;
const python = pyodide.runPython("import sys; '.'.join(map(str, sys.version_info[:3]))");
const rulesText = readFileSync(job.rules, "utf8");

// A long str that Pyodide hands back is a JS string that can hold ~5 MB of heap (a
// rope) until flattened; kept by the hundred it exhausts Node's heap. Copying it through
// a Buffer flattens it. ("keep_responses": false, the benchmark, keeps none.)
const flat = (text) => Buffer.from(text, "utf8").toString("utf8");
const responses = job.keep_responses === false ? [] : job.requests.map((request) => flat(apiCall(rulesText, request)));

const timings = [];
const repeat = job.repeat || 0;
if (repeat > 0) {
  for (let round = 0; round < repeat; round++) {
    for (const request of job.requests) {
      const started = performance.now();
      apiCall(rulesText, request);
      timings.push((performance.now() - started) * 1000);
    }
  }
}

writeFileSync(job.out, JSON.stringify({ python, responses, timings_us: timings }));
apiCall.destroy();
calculators.destroy();
