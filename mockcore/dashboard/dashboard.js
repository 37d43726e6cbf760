// The dashboard of a double: polls the control plane once a second and renders it.
// Everything shown is read from /_mock routes; every button calls one of them.
"use strict";

const kind = document.body.dataset.kind;
let snapshotBlob = null;
let chart = null;
const history = []; // [{t, values: {series: number}}], one sample per poll

async function call(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const reply = await fetch(path, options);
  if (!reply.ok) throw new Error(`${method} ${path}: ${reply.status} ${await reply.text()}`);
  const type = reply.headers.get("Content-Type") || "";
  return type.startsWith("application/json") ? reply.json() : reply.arrayBuffer();
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}

function fill(tbody, rows, columns, onClick) {
  tbody.replaceChildren();
  for (const item of rows) {
    const tr = document.createElement("tr");
    for (const [key, cls] of columns) cell(tr, item[key], cls ? cls(item) : "");
    if (onClick) {
      tr.style.cursor = "pointer";
      tr.addEventListener("click", () => onClick(item));
    }
    tbody.appendChild(tr);
  }
}

let selected = null; // the job or task whose page is open
const detail = document.createElement("section");
detail.className = "wide";
detail.id = "detail";
detail.hidden = true;

async function showDetail(query, draw) {
  const data = await call("GET", `/_mock/ui/data?${query}`);
  detail.replaceChildren();
  detail.hidden = false;
  draw(data);
}

function table(parent, id, headings) {
  const t = document.createElement("table");
  const head = document.createElement("tr");
  for (const h of headings) {
    const th = document.createElement("th");
    th.textContent = h;
    head.appendChild(th);
  }
  const thead = document.createElement("thead");
  thead.appendChild(head);
  const tbody = document.createElement("tbody");
  tbody.id = id;
  t.append(thead, tbody);
  parent.appendChild(t);
  return tbody;
}

function heading(parent, text) {
  const h = document.createElement("h2");
  h.textContent = text;
  parent.appendChild(h);
}

// --- the service panel ---------------------------------------------------------------

const service = document.getElementById("service");
const filters = {};

function filterInput(name, placeholder) {
  const input = document.createElement("input");
  input.placeholder = placeholder;
  input.id = `filter-${name}`;
  input.addEventListener("input", () => { filters[name] = input.value.trim(); });
  service.appendChild(input);
}

function matches(item) {
  return Object.entries(filters).every(([k, v]) => {
    if (!v) return true;
    if (k === "after") return String(item.submit_time ?? "") >= v; // ISO times sort as text
    return String(item[k] ?? "").includes(v);
  });
}

const stateClass = (key) => (item) => `state-${item[key]}`;
let render;

service.after(detail);

if (kind === "fts") {
  heading(service, "Links");
  const links = table(service, "links", ["VO", "source", "destination", "active", "submitted", "finished", "failed", "max active", "throughput MB/s"]);
  heading(service, "Jobs");
  filterInput("vo_name", "VO");
  filterInput("job_state", "state");
  filterInput("user_dn", "user");
  filterInput("after", "submitted after (ISO)");
  const jobs = table(service, "jobs", ["job", "VO", "user", "state", "files", "finished", "failed", "submitted"]);
  heading(service, "Optimizer decisions");
  const optimizer = table(service, "optimizer", ["source", "destination", "active", "ema", "streams", "at"]);
  heading(service, "Configuration (read-only)");
  const configLinks = table(service, "config-links", ["link", "source", "destination", "min active", "max active"]);
  const storages = table(service, "storages", ["storage", "inbound max active", "outbound max active"]);
  const shares = table(service, "shares", ["source", "destination", "VO", "share"]);
  const bans = table(service, "bans", ["banned", "VO", "status", "message"]);
  const jobPage = (job) => {
    selected = { query: `job=${encodeURIComponent(job.job_id)}`, draw: drawJob };
    showDetail(selected.query, drawJob);
  };
  function drawJob(data) {
    if (!data.job) return;
    heading(detail, `Job ${data.job.job_id}: ${data.job.job_state}`);
    const files = table(detail, "job-files", ["file", "state", "source", "destination", "reason", "retries", "started", "finished"]);
    fill(files, data.job.files.map((f) => ({ ...f, retries: f.retries.length })), [["file_id"], ["file_state", stateClass("file_state")], ["source_surl"], ["dest_surl"], ["reason"], ["retries"], ["start_time"], ["finish_time"]]);
    heading(detail, "Timeline");
    fill(table(detail, "job-timeline", ["at", "what"]), data.job.timeline, [["at"], ["what"]]);
  }
  render = (data) => {
    fill(links, data.links, [["vo_name"], ["source_se"], ["dest_se"], ["active"], ["submitted"], ["finished"], ["failed"], ["max_active"], ["avg_throughput"]]);
    fill(jobs, data.jobs.filter(matches), [["job_id"], ["vo_name"], ["user_dn"], ["job_state", stateClass("job_state")], ["files"], ["finished"], ["failed"], ["submit_time"]], jobPage);
    fill(optimizer, data.optimizer, [["source_se"], ["dest_se"], ["active"], ["ema"], ["nostreams"], ["datetime"]]);
    fill(configLinks, data.config.links, [["symbolicname"], ["source"], ["destination"], ["min_active"], ["max_active"]]);
    fill(storages, data.config.storages, [["storage"], ["inbound_max_active"], ["outbound_max_active"]]);
    fill(shares, data.config.shares, [["source"], ["destination"], ["vo"], ["share"]]);
    const banned = [
      ...data.config.banned_storages.map((b) => ({ what: b.storage, vo: b.vo, status: b.status, message: b.message })),
      ...data.config.banned_users.map((b) => ({ what: b.dn, vo: "", status: "user", message: b.message })),
    ];
    fill(bans, banned, [["what"], ["vo"], ["status"], ["message"]]);
    const values = {};
    for (const link of data.links) {
      values[`${link.source_se} → ${link.dest_se} active`] = link.active;
      values[`${link.source_se} → ${link.dest_se} MB/s`] = link.avg_throughput || 0;
    }
    return values;
  };
} else {
  heading(service, "Tasks");
  filterInput("status", "status");
  filterInput("owner_string", "owner");
  const tasks = table(service, "tasks", ["task", "owner", "label", "status", "nice status", "files", "transferred", "bytes", "faults", "requested"]);
  heading(service, "Files");
  const browser = { collection: "", path: "/" };
  const where = document.createElement("div");
  const picker = document.createElement("select");
  picker.id = "collection";
  const pathInput = document.createElement("input");
  pathInput.id = "browse-path";
  pathInput.value = "/";
  picker.addEventListener("change", () => { browser.collection = picker.value; browser.path = "/"; pathInput.value = "/"; browse(); });
  pathInput.addEventListener("change", () => { browser.path = pathInput.value || "/"; browse(); });
  where.append(picker, pathInput);
  service.appendChild(where);
  const listing = table(service, "listing", ["name", "type", "size"]);
  async function browse() {
    const query = new URLSearchParams({ ls: browser.collection, path: browser.path });
    const { ls } = await call("GET", `/_mock/ui/data?${query}`);
    if (picker.options.length !== ls.collections.length + 1) {
      picker.replaceChildren(new Option("(a collection)", ""));
      for (const c of ls.collections) picker.appendChild(new Option(c.display_name, c.id));
      picker.value = browser.collection;
    }
    fill(listing, ls.entries, [["name"], ["type"], ["size"]], (entry) => {
      if (entry.type !== "dir") return;
      browser.path = `${browser.path.replace(/\/$/, "")}/${entry.name}/`;
      pathInput.value = browser.path;
      browse();
    });
  }
  browse();
  const taskPage = (task) => {
    selected = { query: `task=${encodeURIComponent(task.task_id)}`, draw: drawTask };
    showDetail(selected.query, drawTask);
  };
  function drawTask(data) {
    if (!data.task) return;
    heading(detail, `Task ${data.task.task_id}: ${data.task.status}`);
    heading(detail, "Events");
    fill(table(detail, "task-events", ["time", "code", "error", "description", "details"]), data.task.events, [["time"], ["code"], ["is_error"], ["description"], ["details"]]);
  }
  heading(service, "Auth: users");
  const users = table(service, "users", ["username", "id", "name", "type"]);
  heading(service, "Auth: clients");
  const clients = table(service, "clients", ["name", "id", "type"]);
  heading(service, "Auth: consents");
  const consents = table(service, "consents", ["user", "client", "scope"]);
  heading(service, "Auth: tokens (click an active one to revoke it)");
  const tokens = table(service, "tokens", ["token", "kind", "user", "resource server", "active"]);
  const revoke = async (token) => {
    if (!token.active) return;
    await call("POST", "/_mock/revoke", { token_id: token.token_id });
    await refresh();
  };
  render = (data) => {
    fill(users, data.auth.users, [["username"], ["id"], ["name"], ["type"]]);
    fill(clients, data.auth.clients, [["name"], ["id"], ["type"]]);
    fill(consents, data.auth.consents, [["user"], ["client"], ["scope"]]);
    fill(tokens, data.auth.tokens, [["token_id"], ["kind"], ["user"], ["resource_server"], ["active"]], revoke);
    fill(tasks, data.tasks.filter(matches), [["task_id"], ["owner_string"], ["label"], ["status", stateClass("status")], ["nice_status"], ["files"], ["files_transferred"], ["bytes_transferred"], ["faults"], ["request_time"]], taskPage);
    const values = {};
    for (const task of data.tasks) values[task.status] = (values[task.status] || 0) + 1;
    return values;
  };
}

// --- the chart: the service's numbers over virtual time ------------------------------

function plot(now, values) {
  if (typeof Chart === "undefined") return;
  history.push({ t: now, values });
  if (history.length > 300) history.shift();
  const series = [...new Set(history.flatMap((s) => Object.keys(s.values)))];
  const datasets = series.map((name) => ({
    label: name,
    data: history.map((s) => s.values[name] ?? 0),
    tension: 0.2,
  }));
  const labels = history.map((s) => s.t.slice(11, 19));
  if (chart === null) {
    chart = new Chart(document.getElementById("chart"), {
      type: "line",
      data: { labels, datasets },
      options: { animation: false, scales: { y: { beginAtZero: true } } },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update();
  }
}

// --- the shared panels ---------------------------------------------------------------

async function refresh() {
  try {
    const clock = await call("GET", "/_mock/clock");
    document.getElementById("clock").textContent = clock.now;
    const speed = document.getElementById("speed");
    if (document.activeElement !== speed) speed.value = clock.speed === null ? "manual" : clock.speed;
    speed.disabled = clock.speed === null;
    document.getElementById("set-speed").disabled = clock.speed === null;
    const data = await call("GET", "/_mock/ui/data");
    plot(clock.now, render(data));
    const { faults } = await call("GET", "/_mock/faults");
    fill(document.getElementById("faults"), faults, [["describe"], ["fired"], ["times"]]);
    const query = new URLSearchParams({ limit: "50" });
    for (const [name, id] of [["method", "j-method"], ["path", "j-path"], ["status", "j-status"]]) {
      const value = document.getElementById(id).value.trim();
      if (value) query.set(name, value);
    }
    const { entries } = await call("GET", `/_mock/journal?${query}`);
    const shown = entries.reverse().map((e) => ({ ...e, at: new Date(e.at * 1000).toISOString().slice(0, 19) }));
    fill(document.getElementById("journal"), shown, [["at"], ["method"], ["path"], ["status", (e) => `status-${String(e.status)[0]}`], ["fault"]], (e) => {
      const bodies = document.getElementById("bodies");
      bodies.textContent = `${e.method} ${e.path}${e.query ? "?" + e.query : ""}\n${e.request_body}\n\n→ ${e.status}\n${e.response_body}`;
    });
    if (selected) await showDetail(selected.query, selected.draw);
    document.body.dataset.refreshed = clock.now;
  } catch (error) {
    document.body.dataset.error = String(error);
  }
}

for (const button of document.querySelectorAll("[data-advance]")) {
  button.addEventListener("click", async () => {
    await call("POST", "/_mock/advance", { seconds: Number(button.dataset.advance) });
    await refresh();
  });
}
document.getElementById("set-speed").addEventListener("click", async () => {
  await call("POST", "/_mock/speed", { speed: Number(document.getElementById("speed").value) });
  await refresh();
});
document.getElementById("reset").addEventListener("click", async () => {
  await call("POST", "/_mock/reset");
  history.length = 0;
  await refresh();
});
document.getElementById("snapshot").addEventListener("click", async () => {
  snapshotBlob = await call("POST", "/_mock/snapshot");
  document.getElementById("restore").disabled = false;
});
document.getElementById("restore").addEventListener("click", async () => {
  await fetch("/_mock/restore", { method: "POST", body: snapshotBlob, headers: { "Content-Type": "application/octet-stream" } });
  await refresh();
});
document.getElementById("fault-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const fault = { path: form.get("path"), status: Number(form.get("status")), times: Number(form.get("times")) };
  if (form.get("method")) fault.method = form.get("method");
  await call("POST", "/_mock/faults", fault);
  await refresh();
});
document.getElementById("clear-faults").addEventListener("click", async () => {
  await call("DELETE", "/_mock/faults");
  await refresh();
});

refresh();
setInterval(refresh, 1000);
