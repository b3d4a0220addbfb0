// Starts the calculator's Web Worker (Pyodide, the engine, the rules) as soon as the top of
// the self-check page is parsed, instead of after the whole page and calculator.js have
// loaded: booting Pyodide takes seconds, and this way it overlaps with the rest of the page.
// A classic script on purpose (it runs where it stands); it only starts the worker and keeps
// what the worker says until calculator.js takes it over (startWorker in calculator.js).
// Where it cannot start the worker, it does nothing and calculator.js says why.
(() => {
  const script = document.currentScript;
  let runtime = null;
  try {
    runtime = JSON.parse(script.dataset.runtime || "null");
  } catch (error) {
    return;
  }
  if (!runtime || typeof WebAssembly !== "object" || typeof Worker !== "function") return;
  const absolute = (path) => new URL((script.dataset.assetRoot || "") + path, document.baseURI).href;
  try {
    const worker = new Worker(absolute("assets/calculator/worker.js"), { type: "module" });
    const early = { worker, messages: [], errors: [] };
    worker.onmessage = (event) => early.messages.push(event.data);
    worker.onerror = (event) => early.errors.push({ message: event.message });
    worker.postMessage({
      type: "init",
      pyodide: absolute(runtime.pyodide),
      wheel: absolute(runtime.wheel),
      rules: absolute(runtime.rules),
    });
    window.__ppEarlyWorker = early;
  } catch (error) {
    // calculator.js tries again and reports the failure next to the form.
  }
})();
