// The live dashboard: takes over the server-rendered page and keeps it current from the
// server-sent events of /api/feed.  Rows are keyed by sid and updated in place (no table
// redraw, so no flicker and the selection stays).  Client strings only ever go through
// textContent, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);
const nodeFilter = $("node"); // present when the hub is a node of a cluster
const COLUMNS = ["Name", "SID", "Client IP", "Transport", "Connected since", "Rooms",
  ...(nodeFilter ? ["Node"] : [])];

const connections = new Map(); // sid -> connection, as /api/connections shows it
let selected = null; // sid whose details are open
let room = ""; // the pressed room chip: only its members are listed
const DETAILS_REFRESH_MS = 2000; // message counts change without a feed event

function formatDuration(seconds) {
  // Two units at most, like format_duration in server/dashboard/status.py.
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = Math.floor(seconds % 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

function formatTime(iso) {
  return new Date(iso).toLocaleString([], {dateStyle: "short", timeStyle: "medium"});
}

function setText(element, value) {
  if (element.textContent !== value) element.textContent = value;
}

function matches(c, query) {
  // As page.py's matches and the window's filter: a room chip by exact membership, the
  // text in the name, sid, address, transport or a room.
  if (room && !c.rooms.includes(room)) return false;
  if (nodeFilter && nodeFilter.value && c.node !== nodeFilter.value) return false;
  query = query.trim().toLowerCase();
  if (!query) return true;
  return [c.name || "", c.sid, c.client_ip, c.transport, ...c.rooms]
    .some((field) => field.toLowerCase().includes(query));
}

// -- the table ---------------------------------------------------------------------------

function newRow(sid) {
  const tr = document.createElement("tr");
  tr.dataset.sid = sid;
  for (const label of COLUMNS) {
    const td = tr.insertCell();
    td.dataset.label = label;
  }
  const link = document.createElement("a");
  tr.cells[0].append(link);
  tr.cells[1].append(document.createElement("code"));
  tr.cells[4].append(document.createElement("time"));
  return tr;
}

function fillRow(tr, c) {
  const link = tr.cells[0].querySelector("a");
  link.href = "?client=" + encodeURIComponent(c.sid);
  setText(link, c.name || "(no name)");
  link.classList.toggle("unnamed", !c.name);
  setText(tr.cells[1].querySelector("code"), c.sid);
  setText(tr.cells[2], c.client_ip);
  setText(tr.cells[3], c.transport);
  const time = tr.cells[4].querySelector("time");
  time.dateTime = c.connected_at;
  setText(time, formatTime(c.connected_at));
  setText(tr.cells[5], c.rooms.join(", "));
  if (nodeFilter) setText(tr.cells[6], c.node || "");
  tr.hidden = !matches(c, $("filter").value);
}

function rowOf(sid) {
  return $("connections").tBodies[0].querySelector(`tr[data-sid="${CSS.escape(sid)}"]`);
}

function upsert(c) {
  connections.set(c.sid, c);
  let tr = rowOf(c.sid);
  if (!tr) {
    tr = newRow(c.sid);
    $("connections").tBodies[0].append(tr);
  }
  fillRow(tr, c);
  if (selected === c.sid) showDetails(c.sid);
}

function remove(sid) {
  connections.delete(sid);
  rowOf(sid)?.remove();
  if (selected === sid) closeDetails();
}

function replaceAll(list) {
  const body = $("connections").tBodies[0];
  const keep = new Set(list.map((c) => c.sid));
  for (const tr of [...body.rows]) {
    if (!keep.has(tr.dataset.sid)) remove(tr.dataset.sid);
  }
  for (const c of list) upsert(c);
  // Arrival order, moving only rows that are out of place.
  list.forEach((c, index) => {
    const tr = rowOf(c.sid);
    if (body.rows[index] !== tr) body.insertBefore(tr, body.rows[index] || null);
  });
}

function updateEmptyNotes() {
  const rows = [...$("connections").tBodies[0].rows];
  $("empty").hidden = rows.length > 0;
  $("no-match").hidden = rows.length === 0 || rows.some((tr) => !tr.hidden);
}

function applyFilter() {
  const query = $("filter").value;
  for (const tr of $("connections").tBodies[0].rows) {
    const c = connections.get(tr.dataset.sid);
    if (c) tr.hidden = !matches(c, query);
  }
  updateEmptyNotes();
  const url = new URL(location.href);
  for (const [key, value] of [["q", query], ["room", room], ["node", nodeFilter?.value]]) {
    if (value) url.searchParams.set(key, value); else url.searchParams.delete(key);
  }
  history.replaceState(null, "", url);
}

// -- rooms, summary, details -------------------------------------------------------------

function showRooms(rooms) {
  const items = rooms.map(([name, members]) => {
    const link = document.createElement("a");
    link.href = "?room=" + encodeURIComponent(name);
    link.dataset.room = name;
    if (name === room) link.setAttribute("aria-pressed", "true");
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = String(members);
    link.append(name, " ", badge);
    const item = document.createElement("li");
    item.append(link);
    return item;
  });
  $("rooms").replaceChildren(...items);
  $("no-rooms").hidden = rooms.length > 0;
}

function showSummary(summary) {
  setText($("count"), String(summary.count));
  setText($("rate"), summary.relays_per_second.toFixed(1));
  setText($("total"), String(summary.relays_total));
  setText($("uptime"), formatDuration(summary.uptime_seconds));
  setText($("version"), summary.version);
  document.title = `socketio-tray · ${summary.count} connected`;
  if (summary.cluster) showCluster(summary.cluster);
}

function showCluster(cluster) {
  // The status line, and a filter entry for each node (a chosen one stays until unchosen).
  setText($("cluster"), cluster.status);
  const known = new Set([...nodeFilter.options].map((option) => option.value));
  for (const name of cluster.nodes) {
    if (!known.has(name)) nodeFilter.add(new Option(name, name));
  }
}

function showDetails(sid) {
  const c = connections.get(sid);
  if (!c) return;
  selected = sid;
  for (const dd of $("details").querySelectorAll("dd[data-key]")) {
    const key = dd.dataset.key;
    if (key === "connected_at" || key === "last_seen") {
      const time = document.createElement("time");
      time.dateTime = c[key];
      time.textContent = formatTime(c[key]);
      dd.replaceChildren(time);
    } else {
      const value = key === "rooms" ? c.rooms.join(", ") : c[key];
      setText(dd, value === null || value === undefined || value === "" ? "-" : String(value));
    }
  }
  for (const tr of $("connections").tBodies[0].rows) {
    tr.classList.toggle("selected", tr.dataset.sid === sid);
  }
  $("details").hidden = false;
}

async function refreshDetails() {
  if (selected === null || document.hidden) return;
  const sid = selected;
  const response = await fetch("/api/connections/" + encodeURIComponent(sid));
  if (response.ok && selected === sid && connections.has(sid)) {
    connections.set(sid, await response.json());
    showDetails(sid);
  }
}

function closeDetails() {
  selected = null;
  $("details").hidden = true;
  for (const tr of $("connections").tBodies[0].querySelectorAll("tr.selected")) {
    tr.classList.remove("selected");
  }
}

function setLive(state, text) {
  const pill = $("live");
  pill.dataset.state = state;
  setText(pill, text);
}

// -- wiring ------------------------------------------------------------------------------

function connectFeed() {
  const feed = new EventSource("/api/feed");
  feed.addEventListener("open", () => setLive("live", "Live"));
  feed.addEventListener("error", () => setLive("down", "Reconnecting…"));
  feed.addEventListener("snapshot", (event) => {
    const data = JSON.parse(event.data);
    replaceAll(data.connections);
    showRooms(data.rooms);
    showSummary(data.summary);
    updateEmptyNotes();
    setLive("live", "Live");
  });
  feed.addEventListener("changes", (event) => {
    const data = JSON.parse(event.data);
    data.remove.forEach(remove);
    data.upsert.forEach(upsert);
    showRooms(data.rooms);
    showSummary(data.summary);
    updateEmptyNotes();
  });
  feed.addEventListener("summary", (event) => showSummary(JSON.parse(event.data)));
}

function start() {
  $("refresh").hidden = true;
  $("filter-button").hidden = true;
  $("filter-form").addEventListener("submit", (event) => event.preventDefault());
  $("filter").addEventListener("input", applyFilter);
  nodeFilter?.addEventListener("change", applyFilter);
  room = $("room").value;
  $("rooms").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-room]");
    if (!link) return;
    event.preventDefault();
    room = room === link.dataset.room ? "" : link.dataset.room;
    $("room").value = room;
    for (const chip of $("rooms").querySelectorAll("a[data-room]")) {
      if (chip.dataset.room === room) chip.setAttribute("aria-pressed", "true");
      else chip.removeAttribute("aria-pressed");
    }
    applyFilter();
  });
  $("connections").tBodies[0].addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-sid]");
    if (!tr) return;
    event.preventDefault();
    showDetails(tr.dataset.sid);
  });
  $("close-details").addEventListener("click", (event) => {
    event.preventDefault();
    closeDetails();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeDetails();
  });
  selected = $("details").hidden ? null : new URL(location.href).searchParams.get("client");
  connectFeed();
  setInterval(() => refreshDetails().catch(() => {}), DETAILS_REFRESH_MS);
}

start();
