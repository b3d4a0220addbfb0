// The self-check form: collects answers, talks to the engine in a Web Worker, shows results.
//
// Thin glue by design: the questions are generated at build time from policy_data/facts.yaml,
// every eligibility decision, amount, validation message and sentence comes from the engine
// (calculators/, the same Python code the tests run), and every wording of the interface comes
// from the page (data-pp-strings). Answers stay in this page, the worker, and — only when the
// enterprise asks for a share link — the URL fragment, which browsers never send to a server.

const SLOW_AFTER_MS = 20000;

// ---------------------------------------------------------------- the worker (one per page)

let worker = null;
let workerState = "idle"; // idle | loading | ready | failed
let rulesVersion = null;
const listeners = new Set();
const pending = new Map();
let nextId = 1;

function broadcast(event) {
  for (const listener of listeners) listener(event);
}

function startWorker(form) {
  if (workerState !== "idle") return;
  workerState = "loading";
  const assetRoot = form.dataset.assetRoot || "";
  const runtime = JSON.parse(form.dataset.runtime || "null");
  const absolute = (path) => new URL(assetRoot + path, document.baseURI).href;
  // The self-check page starts its worker early (calculator-early.js): take it over.
  const early = window.__ppEarlyWorker || null;
  window.__ppEarlyWorker = null;
  if (early) {
    worker = early.worker;
  } else {
    if (typeof WebAssembly !== "object" || !runtime) {
      workerState = "failed";
      broadcast({ type: "failed", reason: "no_wasm" });
      return;
    }
    try {
      worker = new Worker(absolute("assets/calculator/worker.js"), { type: "module" });
    } catch (error) {
      workerState = "failed";
      broadcast({ type: "failed", reason: "failed", message: String(error) });
      return;
    }
  }
  const slowTimer = setTimeout(() => {
    if (workerState === "loading") broadcast({ type: "slow" });
  }, SLOW_AFTER_MS);
  const onMessage = (message) => {
    if (message.type === "progress") {
      broadcast(message);
    } else if (message.type === "ready") {
      clearTimeout(slowTimer);
      workerState = "ready";
      rulesVersion = message.rulesVersion;
      broadcast(message);
    } else if (message.type === "result") {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      if (resolve) resolve(message.result);
    } else if (message.type === "failed") {
      clearTimeout(slowTimer);
      workerState = "failed";
      broadcast({ type: "failed", reason: "failed", message: message.message });
    }
  };
  const onError = (event) => {
    clearTimeout(slowTimer);
    workerState = "failed";
    broadcast({ type: "failed", reason: "failed", message: event.message || "worker error" });
  };
  worker.onmessage = (event) => onMessage(event.data);
  worker.onerror = onError;
  if (early) {
    // What the worker said before this script ran, in order.
    for (const message of early.messages) onMessage(message);
    for (const event of early.errors) onError(event);
  } else {
    worker.postMessage({
      type: "init",
      pyodide: absolute(runtime.pyodide),
      wheel: absolute(runtime.wheel),
      rules: absolute(runtime.rules),
    });
  }
}

function evaluate(request) {
  return new Promise((resolve) => {
    const id = nextId++;
    pending.set(id, resolve);
    worker.postMessage({ type: "evaluate", id, request });
  });
}

// ---------------------------------------------------------------- small DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : `{${key}}`));
}

// ---------------------------------------------------------------- relevance (relevant_when)

// The facts vocabulary's conditions, three-valued: true, false, or null when unknown.
function holds(cond, answers) {
  if (cond.all) {
    const values = cond.all.map((c) => holds(c, answers));
    if (values.includes(false)) return false;
    return values.includes(null) ? null : true;
  }
  if (cond.any) {
    const values = cond.any.map((c) => holds(c, answers));
    if (values.includes(true)) return true;
    return values.includes(null) ? null : false;
  }
  if (cond.not) {
    const value = holds(cond.not, answers);
    return value === null ? null : !value;
  }
  const value = answers[cond.fact];
  if (value === undefined || value === null) return null;
  if ("eq" in cond) return value === cond.eq;
  if ("ne" in cond) return value !== cond.ne;
  if ("in" in cond) return cond.in.includes(value);
  if ("contains" in cond) return Array.isArray(value) ? value.includes(cond.contains) : null;
  if (typeof value !== "number") return null;
  if ("gte" in cond) return value >= cond.gte;
  if ("gt" in cond) return value > cond.gt;
  if ("lte" in cond) return value <= cond.lte;
  if ("lt" in cond) return value < cond.lt;
  return null;
}

// ---------------------------------------------------------------- one form

class Calculator {
  constructor(form) {
    this.form = form;
    this.prefix = form.dataset.prefix;
    this.lang = form.dataset.lang;
    this.root = form.dataset.root || "";
    this.policies = form.dataset.policies ? JSON.parse(form.dataset.policies) : null;
    this.results = form.nextElementSibling;
    this.strings = JSON.parse(form.parentElement.querySelector("[data-pp-strings]").textContent);
    this.status = form.querySelector("[data-pp-status]");
    this.failure = form.querySelector("[data-pp-failure]");
    this.fields = [...form.querySelectorAll(".pp-field[data-fact]")].filter((f) => f.dataset.fact !== "as_of");
    this.waiting = null;
    listeners.add((event) => this.onWorker(event));
    form.addEventListener("input", () => this.refresh());
    form.addEventListener("change", (event) => {
      const box = event.target;
      if (box.type !== "checkbox" || !box.checked) return;
      // "None of these" and the other choices exclude each other.
      for (const other of this.form.querySelectorAll(`input[name="${box.name}"]`)) {
        if (other !== box && ("ppNone" in box.dataset || "ppNone" in other.dataset)) other.checked = false;
      }
    });
    form.addEventListener("change", () => this.refresh());
    form.addEventListener("reset", () => setTimeout(() => { this.clearErrors(); this.refresh(); this.results.hidden = true; }, 0));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.submit(); });
    form.querySelector("[data-pp-share]").addEventListener("click", () => this.share());
    form.querySelector("[data-pp-print]").addEventListener("click", () => this.print());
    this.restore();
    this.refresh();
  }

  input(fact) {
    return this.form.querySelectorAll(`[name="${this.prefix}${fact}"]`);
  }

  // Field state as text, exactly as typed (for the share link and for restoring it).
  state() {
    const state = new URLSearchParams();
    const asOf = this.form.querySelector(`[name="${this.prefix}as_of"]`).value;
    if (asOf) state.set("as_of", asOf);
    for (const field of this.fields) {
      if (field.hidden) continue;
      const fact = field.dataset.fact;
      const type = field.dataset.type;
      const inputs = [...this.input(fact)];
      if (type === "bool") {
        const checked = inputs.find((i) => i.checked);
        if (checked && checked.value) state.set(fact, checked.value);
      } else if (type === "set") {
        // Nothing ticked: not answered. "None of these" ticked: answered, none apply.
        const values = inputs.filter((i) => i.checked).map((i) => i.value);
        if (values.includes("none")) state.set(fact, "none");
        else if (values.length) state.set(fact, values.join(","));
      } else if (type === "money") {
        const text = inputs[0].value.trim();
        if (text) {
          const unit = this.form.querySelector(`[name="${this.prefix}${fact}__unit"]`).value;
          const number = Number(text.replace(/[,，\s]/g, ""));
          // Money goes into the link in yuan when it is a number, else as typed.
          state.set(fact, Number.isFinite(number) && text !== "" ? String(Math.round(number * Number(unit))) : text);
        }
      } else {
        const text = inputs[0].value.trim();
        if (text) state.set(fact, text);
      }
    }
    return state;
  }

  restore(state) {
    state = state || new URLSearchParams(location.hash.slice(1));
    const asOf = state.get("as_of");
    if (asOf) this.form.querySelector(`[name="${this.prefix}as_of"]`).value = asOf;
    for (const field of this.fields) {
      const fact = field.dataset.fact;
      if (!state.has(fact)) continue;
      const value = state.get(fact);
      const type = field.dataset.type;
      const inputs = [...this.input(fact)];
      if (type === "bool") {
        for (const i of inputs) i.checked = i.value === value;
      } else if (type === "set") {
        const values = value.split(",");
        for (const i of inputs) i.checked = values.includes(i.value);
      } else if (type === "money") {
        const number = Number(value);
        const unit = this.form.querySelector(`[name="${this.prefix}${fact}__unit"]`);
        if (Number.isFinite(number) && number % 100 === 0) {
          unit.value = "10000";
          inputs[0].value = String(number / 10000);
        } else {
          unit.value = "1";
          inputs[0].value = value;
        }
      } else {
        inputs[0].value = value;
      }
    }
    this.restored = [...state.keys()].some((key) => key !== "city");
  }

  // The profile the engine gets: money in yuan, numbers as numbers, text it cannot read as
  // typed, so that the engine's own validation explains what is wrong with it.
  profile() {
    const profile = {};
    for (const [fact, text] of this.state()) {
      if (fact === "as_of") continue;
      const field = this.fields.find((f) => f.dataset.fact === fact);
      const type = field.dataset.type;
      if (type === "bool") profile[fact] = text === "true";
      else if (type === "set") profile[fact] = text === "none" ? [] : text.split(",");
      else if (type === "enum") profile[fact] = text;
      else {
        const number = Number(text.replace(/[,，\s]/g, ""));
        profile[fact] = Number.isFinite(number) ? number : text;
      }
    }
    return profile;
  }

  refresh() {
    // Show only the questions that matter given the answers so far.
    for (let pass = 0; pass < 3; pass++) {
      const answers = this.profile();
      for (const field of this.fields) {
        if (field.dataset.fact === "city") continue;
        // Questions only other cities' policies ask are hidden once the city is known.
        const askedFor = (field.dataset.askedFor || "").split(" ");
        const otherCity = answers.city !== undefined && !askedFor.includes("*") && !askedFor.includes(answers.city);
        // A follow-up question appears once the answer it follows makes it matter.
        const irrelevant = field.dataset.relevant && holds(JSON.parse(field.dataset.relevant), answers) !== true;
        const hidden = Boolean(otherCity || irrelevant);
        if (field.hidden !== hidden) {
          field.hidden = hidden;
          for (const control of field.querySelectorAll("input, select")) control.disabled = hidden;
        }
      }
    }
    for (const group of this.form.querySelectorAll("fieldset.pp-group")) {
      group.hidden = ![...group.querySelectorAll(".pp-field")].some((f) => !f.hidden);
    }
    const full = this.form.querySelector("[data-pp-open-full]");
    if (full) full.href = `${this.root}calculator/#${this.state().toString()}`;
  }

  clearErrors() {
    for (const node of this.form.querySelectorAll(".pp-field-error")) {
      node.hidden = true;
      node.textContent = "";
    }
    for (const node of this.form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  showErrors(errors) {
    let first = null;
    for (const error of errors) {
      const fieldName = error.field;
      let node = fieldName ? this.form.querySelector(`#err-${this.prefix}${fieldName}`) : null;
      if (!node) node = this.form.querySelector("[data-pp-form-error]");
      node.hidden = false;
      node.textContent = node.textContent ? `${node.textContent} ${error.message[this.lang]}` : error.message[this.lang];
      const control = fieldName ? this.form.querySelector(`[name="${this.prefix}${fieldName}"]`) : null;
      if (control) {
        control.setAttribute("aria-invalid", "true");
        first = first || control;
      }
    }
    const summary = this.form.querySelector("[data-pp-form-error]");
    if (summary.hidden) {
      summary.hidden = false;
      summary.textContent = this.strings.fix_errors;
    }
    if (first) first.focus();
  }

  onWorker(event) {
    const s = this.strings;
    if (event.type === "progress") {
      this.status.textContent = event.step === "runtime" ? s.loading_runtime : s.loading_engine;
    } else if (event.type === "ready") {
      this.status.textContent = s.ready;
      this.form.dataset.ready = "true";
      if (this.waiting || this.restored) {
        this.waiting = null;
        this.restored = false;
        this.submit();
      }
    } else if (event.type === "slow") {
      this.showFailure(s.slow);
    } else if (event.type === "failed") {
      this.status.textContent = "";
      this.showFailure(event.reason === "no_wasm" ? s.no_wasm : s.failed);
      this.form.dataset.failed = "true";
    }
  }

  showFailure(text) {
    this.failure.hidden = false;
    this.failure.replaceChildren(text, " ", el("a", { href: `${this.root}policies/` }, this.strings.policies_link));
  }

  async submit() {
    this.clearErrors();
    if (workerState === "failed") return;
    if (workerState !== "ready") {
      this.waiting = true;
      this.status.textContent = this.strings.waiting;
      startWorker(this.form);
      return;
    }
    const asOf = this.form.querySelector(`[name="${this.prefix}as_of"]`).value || null;
    const request = { profile: this.profile(), as_of: asOf, policies: this.policies, lang: this.lang };
    const result = await evaluate(request);
    if (!result.ok) {
      this.showErrors(result.errors || []);
      return;
    }
    this.render(result);
    await this.renderNationalLayer(result, request);
  }

  share() {
    const link = `${location.origin}${location.pathname}#${this.state().toString()}`;
    history.replaceState(null, "", link);
    const status = this.form.querySelector("[data-pp-share-status]");
    const done = () => { status.textContent = this.strings.share_done; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(done, () => { status.textContent = this.strings.share_manual; });
    } else {
      status.textContent = this.strings.share_manual;
    }
  }

  print() {
    document.body.classList.add("pp-printing");
    window.print();
    document.body.classList.remove("pp-printing");
  }

  // ------------------------------------------------------------ results

  policyLink(entry) {
    return `${this.root}policies/${entry.policy_id}/#clause-${entry.clause_id}`;
  }

  label(fact) {
    const field = this.fields.find((f) => f.dataset.fact === fact);
    const label = field && (field.querySelector("legend") || field.querySelector("label"));
    return label ? label.textContent.trim() : fact;
  }

  frequency(entry) {
    const type = entry.frequency && entry.frequency.type;
    const text = this.strings[`frequency_${type}`] || "";
    return fill(text, { years: entry.frequency && entry.frequency.years });
  }

  incentiveItem(entry, { showReasons, showHint }) {
    const t = (bi) => (bi ? bi[this.lang] : "");
    const s = this.strings;
    const amount = entry.support === "in_kind" && entry.in_kind
      ? el("span", {}, `${s.in_kind}: ${t(entry.in_kind)}`)
      : el("span", { class: "pp-money" }, t(entry.amount_text));
    const head = el("p", { class: "pp-result__head" },
      el("strong", {}, t(entry.title)), " — ", amount,
      ` · ${this.frequency(entry)} · ${s[`payer_${entry.payer}`] || entry.payer} · `,
      el("a", { href: this.policyLink(entry) }, fill(s.clause, { number: entry.clause })));
    const item = el("li", { class: `pp-result pp-result--${entry.status}`, "data-incentive": `${entry.policy_id}/${entry.incentive_id}`, "data-status": entry.status }, head);
    if (showHint && entry.hint) item.append(el("p", { class: "pp-hint" }, el("strong", {}, `${s.hint}: `), t(entry.hint)));
    if (entry.status === "needs_info" && entry.missing_facts && entry.missing_facts.length) {
      item.append(el("p", { class: "pp-muted" }, `${s.needs_info}: `, entry.missing_facts.map((f) => this.label(f)).join(this.lang === "zh" ? "、" : "; ")));
    }
    if (showReasons && entry.reasons.length) {
      const reasons = el("ul", { class: "pp-reasons" }, entry.reasons.map((r) =>
        el("li", { class: r.held === true ? "pp-held" : r.held === false ? "pp-failed" : "pp-unknown" }, t(r.text))));
      item.append(el("details", {}, el("summary", {}, s.why), reasons));
    }
    return item;
  }

  render(result) {
    const s = this.strings;
    const t = (bi) => (bi ? bi[this.lang] : "");
    // Policies of other cities are left out (one line says how many).
    const elsewhere = (e) => e.reasons.some((r) => r.role === "region" && r.held === false);
    const shown = result.incentives.filter((i) => !elsewhere(i));
    const otherPolicies = new Set(result.incentives.filter(elsewhere).map((i) => i.policy_id));
    const byStatus = (status) => shown.filter((i) => i.status === status);
    const titles = Object.fromEntries(result.policies.map((p) => [p.policy_id, p]));
    const grouped = (entries, options) => {
      const policies = [...new Set(entries.map((e) => e.policy_id))];
      return policies.map((pid) => el("div", { class: "pp-result-policy" },
        el("h4", {}, el("a", { href: `${this.root}policies/${pid}/` }, t(titles[pid].title))),
        titles[pid].validity && titles[pid].validity.note ? el("p", { class: "pp-muted" }, t(titles[pid].validity.note)) : null,
        el("ul", {}, entries.filter((e) => e.policy_id === pid).map((e) => this.incentiveItem(e, options)))));
    };

    const answers = el("dl", { class: "pp-answers" });
    const state = this.state();
    for (const [fact, value] of state) {
      if (fact === "as_of") continue;
      answers.append(el("dt", {}, this.label(fact)), el("dd", {}, value));
    }

    const eligible = byStatus("eligible");
    const totals = result.totals;
    const totalRows = [];
    for (const [key, label] of [["one_off", s.one_off], ["per_year", s.per_year]]) {
      if (totals[key] && totals[key].count > totals[key].in_kind) {
        totalRows.push(el("tr", {}, el("th", { scope: "row" }, label), el("td", { class: "pp-money" }, t(totals[key].text)),
          el("td", {}, totals[key].note ? t(totals[key].note) : "")));
      }
    }
    for (const [payer, buckets] of Object.entries(totals.by_payer || {})) {
      for (const [key, label] of [["one_off", s.one_off], ["per_year", s.per_year]]) {
        if (buckets[key] && buckets[key].count > buckets[key].in_kind) {
          totalRows.push(el("tr", {}, el("th", { scope: "row" }, `${s[`payer_${payer}`] || payer} · ${label}`),
            el("td", { class: "pp-money" }, t(buckets[key].text)), el("td", {}, buckets[key].note ? t(buckets[key].note) : "")));
        }
      }
    }
    const stacking = result.policies.filter((p) => p.stacking && p.stacking.text && p.stacking.rule !== "not_stated"
      && result.incentives.some((i) => i.policy_id === p.policy_id && i.status === "eligible"));

    const sections = [
      el("h2", {}, s.results),
      el("p", { class: "pp-muted" }, fill(s.results_for, { date: result.as_of, version: result.rules_version || rulesVersion })),
      el("h3", { class: "pp-print-only" }, s.answers), answers,
      el("h3", {}, s.qualify),
      eligible.length ? grouped(eligible, { showReasons: true }) : el("p", {}, s.qualify_none),
    ];
    if (totalRows.length) {
      sections.push(el("h3", {}, s.totals), el("table", { class: "pp-totals" }, el("tbody", {}, totalRows)));
    }
    for (const policy of stacking) {
      sections.push(el("p", { class: "pp-muted" }, el("strong", {}, `${s.stacking} (${t(policy.title)}): `), t(policy.stacking.text)));
    }
    const needs = byStatus("needs_info");
    if (needs.length) {
      // The questions that would settle them, most useful first (the engine's order).
      const questions = (result.missing_facts || []).map((f) => this.label(f));
      sections.push(el("h3", {}, `${s.needs_info} (${needs.length})`),
        questions.length ? el("p", {}, `${s.answer_these}:`) : null,
        questions.length ? el("ul", { class: "pp-questions" }, questions.map((q) => el("li", {}, q))) : null,
        el("details", { class: "pp-needs-info" }, el("summary", {}, s.show_list), grouped(needs, { showReasons: true })));
    }
    const not = byStatus("not_eligible");
    if (not.length) {
      sections.push(el("details", { class: "pp-not-eligible", open: not.some((e) => e.hint) ? true : null },
        el("summary", {}, `${s.not_qualify} (${not.length})`), grouped(not, { showReasons: true, showHint: true })));
    }
    const expired = byStatus("expired").concat(byStatus("not_yet_in_force"));
    if (expired.length) {
      sections.push(el("details", { class: "pp-expired" }, el("summary", {}, `${s.expired} (${expired.length})`),
        grouped(expired, { showReasons: true })));
    }
    if (otherPolicies.size) sections.push(el("p", { class: "pp-muted" }, fill(s.other_cities, { n: otherPolicies.size })));
    this.results.replaceChildren(...sections.flat());
    this.results.hidden = false;
    this.results.dataset.rulesVersion = result.rules_version || "";
    this.results.focus();
  }

  // The national layer, at the top of the results when national policies were evaluated:
  // "could you be recognised?" criterion by criterion (the reason for each one not met), the
  // national scores with their parts, and — for an enterprise not yet an HNTE in a city the
  // portal covers — what its city and province would pay once recognised: a second
  // evaluation of the same answers with hnte_status "newly_first".
  async renderNationalLayer(result, request) {
    const national = new Set(result.policies.filter((p) => p.level === "national").map((p) => p.policy_id));
    if (!national.size) return;
    const s = this.strings;
    const t = (bi) => (bi ? bi[this.lang] : "");
    const sep = this.lang === "zh" ? "、" : "; ";
    const heading = this.results.querySelector("h2");
    const block = el("section", { class: "pp-national", "data-pp-national": "" });
    const state = (held) => (held === true ? "met" : held === false ? "not_met" : "unknown");
    const css = { met: "pp-held", not_met: "pp-failed", unknown: "pp-unknown" };
    for (const policy of result.policies.filter((p) => national.has(p.policy_id))) {
      const entries = result.incentives.filter((i) => i.policy_id === policy.policy_id && i.criteria && i.criteria.length);
      for (const entry of entries) {
        const failed = entry.criteria.filter((c) => c.held === false).length;
        const verdict = entry.status === "eligible" ? s.national_yes
          : entry.status === "not_eligible" ? fill(s.national_no, { n: failed })
            : entry.status === "needs_info" ? s.national_open : s[`status_${entry.status}`];
        const criteria = entry.criteria.map((c) => {
          const item = el("li", { class: css[state(c.held)], "data-criterion": state(c.held) },
            el("strong", {}, t(c.label)), " — ", s[`criterion_${state(c.held)}`]);
          if (c.held === false) {
            item.append(el("ul", {}, c.reasons.filter((r) => r.held === false).map((r) => el("li", {}, t(r.text)))));
          } else if (c.held === null) {
            // The questions to answer (a score has no question of its own: its sentence instead).
            const asks = c.reasons.filter((r) => r.held === null).map((r) =>
              (this.fields.some((f) => f.dataset.fact === r.fact) ? this.label(r.fact) : t(r.text)));
            item.append(el("p", { class: "pp-muted" }, `${s.needs_info}: ${[...new Set(asks)].join(sep)}`));
          }
          return item;
        });
        block.append(el("h3", {}, s[`national_q_${entry.kind}`] || t(entry.title)),
          el("p", { "data-pp-verdict": entry.status }, verdict, " ",
            el("a", { href: this.policyLink(entry) }, fill(s.clause, { number: entry.clause }))),
          el("ul", { class: "pp-reasons pp-criteria", "data-criteria": `${entry.policy_id}/${entry.incentive_id}` }, criteria));
      }
      for (const score of policy.scores || []) {
        const parts = score.parts.map((p) => `${t(p.label)} ${p.points === null ? "?" : p.points}`).join(" + ");
        const values = { label: t(score.label), value: score.value, max: score.max, parts };
        block.append(el("p", { class: "pp-score-line", "data-score": `${policy.policy_id}/${score.id}` },
          el("strong", {}, fill(score.value === null ? s.score_open : s.score_line, values))),
        el("details", {}, el("summary", {}, s.why), el("ul", { class: "pp-reasons" }, score.parts.map((p) =>
          el("li", { class: p.points === null ? "pp-unknown" : "pp-held" }, `${t(p.label)}: ${t(p.reason)}`)))));
      }
    }
    const profile = request.profile || {};
    if ((profile.hnte_status === undefined || profile.hnte_status === "none") && profile.city && profile.city !== "other") {
      const whatIf = await evaluate({ ...request, profile: { ...profile, hnte_status: "newly_first" }, policies: null });
      if (whatIf.ok) {
        const here = (e) => !e.reasons.some((r) => r.role === "region" && r.held === false);
        const rewards = whatIf.incentives.filter((e) => e.kind === "hnte_recognition" && e.support === "cash" && here(e));
        const gains = rewards.filter((e) => e.status === "eligible")
          .sort((a, b) => (a.payer === "national") - (b.payer === "national"));
        const open = rewards.filter((e) => e.status === "needs_info").length;
        block.append(el("h3", {}, s.if_recognised), el("p", { class: "pp-muted" }, s.if_recognised_note),
          gains.length ? el("ul", { class: "pp-if-recognised" }, gains.map((e) =>
            el("li", { "data-if-recognised": `${e.policy_id}/${e.incentive_id}` }, el("strong", {}, t(e.title)), " — ",
              el("span", { class: "pp-money" }, t(e.amount_text)), ` · ${this.frequency(e)} · ${s[`payer_${e.payer}`] || e.payer} · `,
              el("a", { href: this.policyLink(e) }, fill(s.clause, { number: e.clause })))))
            : el("p", {}, s.if_recognised_none));
        if (open) block.append(el("p", { class: "pp-muted" }, fill(s.if_recognised_more, { n: open })));
      }
    }
    // A newer result may have replaced this one while the second evaluation ran.
    if (!heading || !heading.isConnected || !block.childElementCount) return;
    heading.nextElementSibling.after(block);
  }
}

// ---------------------------------------------------------------- start

// The full self-check page: its form is in the page.
for (const form of document.querySelectorAll("form[data-pp-calculator]")) {
  new Calculator(form);
  startWorker(form);
}

// A policy page's "check this policy" panel loads nothing until it is opened: then its form
// (a small HTML file of this site, made at build time from the same templates) and the engine.
async function openPanel(panel) {
  const status = panel.querySelector("[data-pp-panel-status]");
  const failure = panel.querySelector("[data-pp-panel-failure]");
  status.textContent = panel.dataset.ppLoading || "";
  try {
    const response = await fetch(new URL(panel.dataset.ppPanelSrc, document.baseURI));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const body = doc.querySelector("[data-pp-panel-body]");
    const form = body && body.querySelector("form[data-pp-calculator]");
    if (!form) throw new Error("no form in the panel file");
    panel.querySelector("[data-pp-panel-slot]").replaceWith(document.adoptNode(body));
    status.remove();
    new Calculator(form);
    startWorker(form);
  } catch (error) {
    status.textContent = "";
    failure.hidden = false;
  }
}

for (const panel of document.querySelectorAll("details[data-pp-panel]")) {
  let opened = null;
  panel.addEventListener("toggle", () => { if (panel.open && !opened) opened = openPanel(panel); });
  // A share link with answers opens the panel and fills it in (Calculator.restore).
  const state = new URLSearchParams(location.hash.slice(1));
  if ([...state.keys()].some((key) => key !== "city")) panel.open = true;
}
