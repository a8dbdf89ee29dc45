/* The live supervision dashboard.
 *
 * Data: the views API (indicators, acts per day, overdue, collaboration) and the dashboard API
 * (acts by agency, years), with the bearer token from sessionStorage. Live: a one-minute ticket
 * (POST /api/v1/live/tickets) opens GET /api/v1/live as an EventSource; a "views" event means the
 * projections wrote something, so the figures are read again (at most one read in flight, the
 * next one right after it); "log" events feed the list of recent events. */
"use strict";

(function () {
  const I18N = window.I18N;
  const TOKEN = "ledger.token";
  const ENFORCEMENT = ["inspection", "penalty", "patrol", "on_site_correction", "education_correction"];
  const COLORS = {
    inspection: "#1f6feb", penalty: "#cf222e", patrol: "#2da44e",
    on_site_correction: "#bf8700", education_correction: "#8250df",
  };
  const PALETTE = ["#1f6feb", "#2da44e", "#bf8700", "#cf222e", "#8250df", "#0a7f86", "#6e7781"];
  const FEED_SIZE = 30;

  const $ = (id) => document.getElementById(id);
  const state = {
    token: null, year: null, current: null, data: null, charts: {}, source: null,
    reading: false, again: false, feed: [], renew: null,
  };

  class AuthError extends Error {}
  class NotReady extends Error {}

  // The token -----------------------------------------------------------------------------------

  function takeToken() {
    const url = new URL(window.location.href);
    const given = url.searchParams.get("token");
    if (given) {
      sessionStorage.setItem(TOKEN, given);
      url.searchParams.delete("token");
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
    return sessionStorage.getItem(TOKEN);
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ cache: "no-store" }, options, {
      headers: { Authorization: "Bearer " + state.token, Accept: "application/json" },
    }));
    if (response.status === 401) throw new AuthError("bad_token");
    if (response.status === 403) throw new AuthError("forbidden");
    if (response.status === 503) throw new NotReady();
    if (!response.ok) throw new Error(path + " → " + response.status);
    return response.json();
  }

  function showLogin(reason) {
    stopLive();
    $("board").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = reason ? I18N.t(reason) : "";
    $("token").focus();
  }

  // Reading the figures -------------------------------------------------------------------------

  function yearQuery() {
    return "year=" + state.year;
  }

  /* Overdue as of the selected year's last day; the current year's as of today. */
  function overdueQuery() {
    return state.current && state.year < state.current ? "?on=" + state.year + "-12-31" : "";
  }

  async function readAll() {
    const y = state.year;
    const [years, indicators, acts, agencies, overdue, collaboration] = await Promise.all([
      api("/api/v1/dashboard/years"),
      api("/api/v1/views/indicators?" + yearQuery()),
      api("/api/v1/views/acts?first=" + y + "-01-01&last=" + y + "-12-31"),
      api("/api/v1/dashboard/agencies?" + yearQuery()),
      api("/api/v1/views/overdue" + overdueQuery()),
      api("/api/v1/views/collaboration?" + yearQuery()),
    ]);
    return { years, indicators, acts, agencies, overdue, collaboration };
  }

  /* Read everything again; a call while a read is in flight asks for one more read after it. */
  async function refresh() {
    if (state.reading) { state.again = true; return; }
    state.reading = true;
    try {
      do {
        state.again = false;
        try {
          state.data = await readAll();
          render();
        } catch (error) {
          if (error instanceof AuthError) { showLogin(error.message); return; }
          if (error instanceof NotReady) {
            $("scope").textContent = I18N.t("views_not_ready");
            setTimeout(refresh, 3000);
            return;
          }
          $("scope").textContent = I18N.t("error") + error.message;
        }
      } while (state.again);
    } finally {
      state.reading = false;
    }
  }

  // Rendering -------------------------------------------------------------------------------------

  function setText(id, text) {
    const el = $(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  function render() {
    const d = state.data;
    if (!d) return;
    fillYears(d.years);
    const row = d.indicators.rows[0] || {};
    setText("figure-per-capita", I18N.number(row.per_capita_actions || 0, 1));
    setText("figure-participation", I18N.number(row.participation_rate || 0, 1) + "%");
    setText("figure-performance", I18N.number(row.performance_rate || 0, 1) + "%");
    setText("figure-certified", I18N.number(row.certified_officers || 0));
    setText("note-participation", I18N.t("officers_of", { a: I18N.number(row.participating_officers || 0), b: I18N.number(row.certified_officers || 0) }));
    setText("note-performance", I18N.t("agencies_of", { a: I18N.number(row.performing_agencies || 0), b: I18N.number(row.agencies || 0) }));
    for (const kind of ENFORCEMENT) {
      setText("figure-" + kind, I18N.number(d.acts.totals[kind] || 0));
    }
    setText("scope", (d.acts.agency_id ? I18N.t("scope_agency") : I18N.t("scope_district")) + " · " + state.year);
    renderDays(d.acts);
    renderAgencies(d.agencies);
    renderKinds(d.acts.totals);
    renderOverdue(d.overdue, d.agencies);
    renderCollaboration(d.collaboration);
    setText("updated", new Date().toLocaleTimeString(I18N.lang === "zh" ? "zh-CN" : "en-GB"));
    document.body.dataset.ready = "true";
  }

  function fillYears(years) {
    const select = $("year");
    const wanted = years.years.map(String);
    const have = Array.from(select.options).map((o) => o.value);
    if (wanted.join() !== have.join()) {
      select.replaceChildren(...wanted.map((y) => new Option(y, y)));
    }
    select.value = String(state.year);
  }

  function chart(id, config) {
    const existing = state.charts[id];
    if (existing && existing.config.type === config.type) {
      existing.data.labels = config.data.labels;
      existing.data.datasets = config.data.datasets;
      existing.options = config.options;
      existing.update("none");
      return;
    }
    if (existing) existing.destroy();
    if (!window.Chart) return;
    state.charts[id] = new window.Chart($(id), config);
  }

  function daysOf(year) {
    const days = [];
    const date = new Date(Date.UTC(year, 0, 1));
    while (date.getUTCFullYear() === year) {
      days.push(date.toISOString().slice(0, 10));
      date.setUTCDate(date.getUTCDate() + 1);
    }
    return days;
  }

  function renderDays(acts) {
    const days = daysOf(Number(state.year));
    const index = new Map(days.map((day, i) => [day, i]));
    const series = Object.fromEntries(ENFORCEMENT.map((k) => [k, new Array(days.length).fill(0)]));
    for (const { day, kind, n } of acts.days) {
      if (series[kind] && index.has(day)) series[kind][index.get(day)] += n;
    }
    chart("chart-days", {
      type: "bar",
      data: {
        labels: days.map((d) => d.slice(5)),
        datasets: ENFORCEMENT.map((k) => ({
          label: I18N.kind(k), data: series[k], backgroundColor: COLORS[k],
          barPercentage: 1, categoryPercentage: 1,
        })),
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { x: { stacked: true, ticks: { maxTicksLimit: 12 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function shortName(name) {
    return name.replace(/^(天津市)?滨海新区/, "");
  }

  function renderAgencies(view) {
    const top = view.agencies.slice(0, 15);
    chart("chart-agencies", {
      type: "bar",
      data: {
        labels: top.map((a) => (I18N.lang === "zh" ? shortName(a.name) : a.code)),
        datasets: ENFORCEMENT.map((k) => ({
          label: I18N.kind(k), data: top.map((a) => a.acts[k] || 0), backgroundColor: COLORS[k],
        })),
      },
      options: {
        indexAxis: "y", animation: false, maintainAspectRatio: false,
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  function renderKinds(totals) {
    chart("chart-kinds", {
      type: "doughnut",
      data: {
        labels: ENFORCEMENT.map((k) => I18N.kind(k)),
        datasets: [{ data: ENFORCEMENT.map((k) => totals[k] || 0), backgroundColor: ENFORCEMENT.map((k) => COLORS[k]) }],
      },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "right" } } },
    });
  }

  function cell(text) {
    const td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function rows(tbody, items, toCells) {
    const body = $(tbody);
    if (!items.length) {
      const tr = document.createElement("tr");
      const td = cell(I18N.t("none"));
      td.colSpan = 7;
      td.className = "empty";
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(...items.slice(0, 10).map((item) => {
      const tr = document.createElement("tr");
      tr.append(...toCells(item).map(cell));
      return tr;
    }));
  }

  function renderOverdue(overdue, agencies) {
    const names = new Map(agencies.agencies.map((a) => [a.agency_id, I18N.lang === "zh" ? shortName(a.name) : a.code]));
    const count = (list) => (list.length >= 500 ? "500+" : I18N.number(list.length));
    setText("figure-overdue-cases", count(overdue.overdue_cases));
    setText("figure-overdue-tickets", count(overdue.overdue_tickets));
    setText("figure-legal-review", count(overdue.awaiting_legal_review));
    rows("overdue-cases", overdue.overdue_cases, (c) => [c.case_no, names.get(c.agency_id) || "–", c.decision_due_on || "–", I18N.kind(c.stage)]);
    rows("overdue-tickets", overdue.overdue_tickets, (t) => [t.ticket_no, I18N.kind(t.category), names.get(t.agency_id) || "–", t.deadline]);
  }

  function renderCollaboration(view) {
    const regions = view.regions;
    const measures = [["actions", "actions"], ["sites_checked", "sites"], ["problems_found", "found"], ["problems_rectified", "rectified"]];
    chart("chart-collaboration", {
      type: "bar",
      data: {
        labels: regions.map((r) => I18N.kind(r.region)),
        datasets: measures.map(([field, label], i) => ({
          label: I18N.t(label), data: regions.map((r) => r[field]), backgroundColor: PALETTE[i],
        })),
      },
      options: {
        animation: false, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    rows("collaboration", regions, (r) => [
      I18N.kind(r.region), r.actions, r.sites_checked, r.problems_found, r.problems_rectified,
      r.meetings, r.cross_regional_cases,
    ].map(String));
  }

  function renderFeed() {
    const items = state.feed.map((e) => {
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = e.recorded_at;
      time.textContent = new Date(e.recorded_at).toLocaleTimeString(I18N.lang === "zh" ? "zh-CN" : "en-GB");
      const what = document.createElement("span");
      what.textContent = e.more ? I18N.t("events_n", { n: e.more }) : I18N.topic(e.topic);
      li.dataset.position = e.position;
      li.append(time, what);
      return li;
    });
    $("feed").replaceChildren(...items);
  }

  // Live ----------------------------------------------------------------------------------------

  function liveState(name) {
    const el = $("live");
    el.dataset.state = name;
    el.className = "live " + name;
    $("live-text").dataset.i18n = name === "on" ? "live_on" : name === "connecting" ? "live_connecting" : "live_off";
    $("live-text").textContent = I18N.t($("live-text").dataset.i18n);
  }

  function stopLive() {
    if (state.source) state.source.close();
    state.source = null;
    clearTimeout(state.renew);
    liveState("off");
  }

  async function connectLive() {
    stopLive();
    liveState("connecting");
    let ticket;
    try {
      ticket = await api("/api/v1/live/tickets", { method: "POST" });
    } catch (error) {
      if (error instanceof AuthError) { showLogin(error.message); return; }
      state.renew = setTimeout(connectLive, 5000);
      return;
    }
    const source = new EventSource(ticket.url);
    state.source = source;
    source.onopen = () => liveState("on");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // The stream ended and its ticket is spent or expired: ask for a new one.
        liveState("off");
        state.renew = setTimeout(connectLive, 2000);
      } else {
        liveState("connecting");
      }
    };
    source.addEventListener("hello", () => { liveState("on"); refresh(); });
    source.addEventListener("resync", () => refresh());
    source.addEventListener("views", (message) => {
      const news = JSON.parse(message.data);
      setText("views-position", I18N.number(news.position));
      setText("views-lag", I18N.number(news.lag_events));
      refresh();
    });
    source.addEventListener("log", (message) => {
      const news = JSON.parse(message.data);
      const shown = news.events.slice().reverse();
      if (news.count > news.events.length) {
        shown.push({ position: news.position, recorded_at: shown.length ? shown[0].recorded_at : new Date().toISOString(), more: news.count - news.events.length });
      }
      state.feed = shown.concat(state.feed).slice(0, FEED_SIZE);
      renderFeed();
    });
  }

  // Start ---------------------------------------------------------------------------------------

  async function boot() {
    $("login").hidden = true;
    $("logout").hidden = false;
    let years;
    try {
      years = await api("/api/v1/dashboard/years");
    } catch (error) {
      if (error instanceof AuthError) { showLogin(error.message); return; }
      if (error instanceof NotReady) { setTimeout(boot, 3000); $("board").hidden = false; $("scope").textContent = I18N.t("views_not_ready"); return; }
      throw error;
    }
    const asked = Number(new URL(window.location.href).searchParams.get("year"));
    state.year = years.years.includes(asked) ? asked : (years.latest_with_acts || years.current);
    state.current = years.current;
    $("board").hidden = false;
    await refresh();
    connectLive();
  }

  function start() {
    I18N.apply();
    $("lang").textContent = I18N.t("switch_to");
    I18N.onChange(() => { $("lang").textContent = I18N.t("switch_to"); render(); renderFeed(); });
    $("lang").addEventListener("click", () => I18N.toggle());
    $("year").addEventListener("change", (event) => { state.year = Number(event.target.value); refresh(); });
    $("logout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN); state.token = null; showLogin(""); });
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.token = $("token").value.trim();
      $("token").value = "";
      sessionStorage.setItem(TOKEN, state.token);
      boot();
    });
    state.token = takeToken();
    if (state.token) boot(); else showLogin("");
  }

  document.addEventListener("DOMContentLoaded", start);
})();
