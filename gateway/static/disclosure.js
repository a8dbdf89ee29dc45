/* The public disclosure page: reads GET /api/v1/public/disclosures (no token), newest first. */
"use strict";

(function () {
  const I18N = window.I18N;
  const $ = (id) => document.getElementById(id);
  const state = { kind: "all", items: [], next: null };

  function yuan(fen) {
    return (fen / 100).toLocaleString(I18N.lang === "zh" ? "zh-CN" : "en-GB", { maximumFractionDigits: 2 });
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function facts(pairs) {
    const dl = el("dl");
    for (const [label, value] of pairs) {
      dl.append(el("dt", I18N.t(label)), el("dd", value));
    }
    return dl;
  }

  function penaltiesText(p) {
    const parts = [];
    if (p.warning) parts.push(I18N.kind("warning"));
    if (p.fine_fen) parts.push(I18N.kind("fine") + " " + yuan(p.fine_fen) + (I18N.lang === "zh" ? "元" : " yuan"));
    if (p.confiscated_gains_fen) parts.push(I18N.kind("confiscate_gains") + " " + yuan(p.confiscated_gains_fen) + (I18N.lang === "zh" ? "元" : " yuan"));
    for (const g of p.confiscated_goods) parts.push(I18N.kind("confiscate_goods") + " " + g.description + " " + g.quantity + g.unit);
    for (const m of p.measures) parts.push(I18N.kind(m.kind) + (m.detail ? " " + m.detail : ""));
    return parts.join(I18N.lang === "zh" ? "；" : "; ");
  }

  function renderPenalty(item) {
    const card = el("article", null, "card item");
    card.id = item.id;
    const title = el("h3");
    title.append(el("span", I18N.t("d_penalties"), "tag penalty"), document.createTextNode(item.agency + " · " + item.case_no));
    card.append(title, facts([
      ["d_party", item.party + (item.uscc ? "（" + item.uscc + "）" : "")],
      ["d_violation", item.violation],
      ["d_basis", item.legal_basis],
      ["d_penalty", penaltiesText(item.penalties)],
      ["d_procedure", I18N.kind(item.procedure)],
      ["d_decided_on", item.decided_on],
    ]));
    return card;
  }

  function renderDraw(item) {
    const card = el("article", null, "card item");
    card.id = item.id;
    const title = el("h3");
    title.append(el("span", I18N.kind(item.plan_kind), "tag"), document.createTextNode(item.agency + " · " + item.plan_title + " · " + I18N.t("d_draw_no", { n: item.draw_no })));
    card.append(title, facts([
      ["d_plan", item.plan_no],
      // The district's own clock, as recorded (the ISO text carries its +08:00 offset).
      ["d_drawn_at", item.drawn_at.slice(0, 16).replace("T", " ")],
      ["d_method", item.method + " · " + item.seed],
      ["d_size", I18N.t("d_candidates", { n: item.entities_to_draw, e: item.candidate_entities, k: item.officers_per_entity, o: item.candidate_officers })],
    ]));
    if (item.results.length) {
      const table = el("table", null, "list");
      const head = el("tr");
      for (const label of ["d_entity", "d_uscc", "d_result", "d_date"]) head.append(el("th", I18N.t(label)));
      table.append(el("thead"));
      table.tHead.append(head);
      const body = el("tbody");
      for (const r of item.results) {
        const tr = el("tr");
        tr.append(el("td", r.entity_name), el("td", r.uscc), el("td", I18N.kind(r.outcome || r.result)), el("td", r.on || "–"));
        body.append(tr);
      }
      table.append(body);
      card.append(table);
    }
    if (item.pending) card.append(el("p", I18N.t("d_pending", { n: item.pending }), "note"));
    return card;
  }

  function render() {
    $("items").replaceChildren(...state.items.map((i) => (i.type === "penalty_decision" ? renderPenalty(i) : renderDraw(i))));
    $("empty").hidden = state.items.length > 0;
    $("more").hidden = state.next === null;
    $("atom").href = "/api/v1/public/disclosures.atom?kind=" + state.kind + "&lang=" + I18N.lang;
    document.body.dataset.ready = "true";
  }

  async function load(more) {
    const params = new URLSearchParams({ kind: state.kind, limit: "20" });
    if (more && state.next !== null) params.set("before", String(state.next));
    try {
      const response = await fetch("/api/v1/public/disclosures?" + params, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      state.items = more ? state.items.concat(page.items) : page.items;
      state.next = page.next_before;
      $("error").textContent = "";
      render();
    } catch (error) {
      $("error").textContent = I18N.t("error") + error.message;
    }
  }

  function start() {
    I18N.apply();
    $("lang").textContent = I18N.t("switch_to");
    I18N.onChange(() => { $("lang").textContent = I18N.t("switch_to"); render(); });
    $("lang").addEventListener("click", () => I18N.toggle());
    $("more").addEventListener("click", () => load(true));
    document.querySelectorAll("[data-tab]").forEach((button) => button.addEventListener("click", () => {
      state.kind = button.dataset.tab;
      document.querySelectorAll("[data-tab]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      load(false);
    }));
    load(false);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
