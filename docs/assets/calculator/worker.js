// The calculator's Web Worker (a module worker): boots Pyodide from this site, installs the
// engine wheel, loads rules.json, and answers evaluation requests. Nothing leaves the browser:
// every URL it fetches is on this site, and the answers only travel between page and worker.
//
// Messages in:  {type: "init", pyodide, wheel, rules}   (absolute URLs on this site)
//               {type: "evaluate", id, request}          (request: the engine's api_call JSON)
// Messages out: {type: "progress", step: "runtime" | "engine"}
//               {type: "ready", rulesVersion}
//               {type: "result", id, result}             (the engine's result, parsed)
//               {type: "failed", stage, message}

let pyodide = null;
let handle = null;

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function init({ pyodide: base, wheel, rules }) {
  let stage = "runtime";
  try {
    if (typeof WebAssembly !== "object") throw new Error("WebAssembly is not available");
    postMessage({ type: "progress", step: "runtime" });
    const { loadPyodide } = await import(`${base}pyodide.mjs`);
    pyodide = await loadPyodide({ indexURL: base, fullStdLib: false });

    stage = "engine";
    postMessage({ type: "progress", step: "engine" });
    const [wheelBytes, rulesText] = await Promise.all([
      fetchOk(wheel).then((r) => r.arrayBuffer()),
      fetchOk(rules).then((r) => r.text()),
    ]);
    const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
    pyodide.unpackArchive(new Uint8Array(wheelBytes), "wheel", { extractDir: sitePackages });
    pyodide.globals.set("_RULES_JSON", rulesText);
    // One Python function, the engine's own JSON-in/JSON-out entry point.
    handle = pyodide.runPython(`
import json
import calculators
json.loads(_RULES_JSON)  # fail here, at load, if the rules are corrupt

def _handle(request_json):
    return calculators.api_call(_RULES_JSON, request_json)
_handle
`);
    const version = JSON.parse(rulesText).version;
    postMessage({ type: "ready", rulesVersion: version });
  } catch (error) {
    postMessage({ type: "failed", stage, message: String(error && error.message ? error.message : error) });
  }
}

self.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type === "init") {
    await init(message);
  } else if (message.type === "evaluate") {
    if (!handle) {
      postMessage({ type: "failed", stage: "evaluate", message: "engine not ready" });
      return;
    }
    try {
      const text = handle(JSON.stringify(message.request));
      postMessage({ type: "result", id: message.id, result: JSON.parse(text) });
    } catch (error) {
      postMessage({ type: "failed", stage: "evaluate", message: String(error) });
    }
  }
};
