// What the Traffic view asks of the hub (the inspector's JSON API, same origin only), and
// how an entry reads as text.  Nothing here touches innerHTML: callers put every string
// into the page through textContent.

export const $ = (id) => document.getElementById(id);
const PAST_THE_NEWEST = Number.MAX_SAFE_INTEGER; // before it: the journal's newest entries

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

export async function getJson(path) {
  const response = await fetch(path, {headers: {accept: "application/json"}});
  if (!response.ok) throw new Error(`${response.status}: ${(await response.text()).trim()}`);
  return response.json();
}

// A state-changing call: a JSON body (the browser adds this page's own Origin, which the
// hub requires).  Always resolves to the hub's {"ok", ...} answer or an {"ok": false,
// "error"} made from the HTTP status.
export async function postJson(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
    });
  } catch (error) {
    return {ok: false, error: `the hub did not answer (${error.message})`};
  }
  try {
    const data = await response.json();
    if (data && typeof data === "object" && "ok" in data) return data;
  } catch {
    // not JSON: described by its status below
  }
  return {ok: response.ok, error: response.ok ? undefined : `HTTP ${response.status}`};
}

// The newest `count` entries matching `filters` (however far back the journal holds them),
// oldest first, or the first ones past `after` when given (catching up after a reconnect).
export async function recentEntries(filters, count, after = 0) {
  const from = after ? {after} : {before: PAST_THE_NEWEST};
  const page = await getJson("/api/events" + query({...filters, ...from, limit: count}));
  return page.events;
}

export const filtering = (filters) => Object.values(filters).some(Boolean);

// The live clients and rooms, as /api/connections tells them.
export async function liveClients() {
  const data = await getJson("/api/connections");
  const rooms = new Map();
  for (const c of data.connections) {
    for (const room of c.rooms) rooms.set(room, (rooms.get(room) || 0) + 1);
  }
  return {clients: data.connections, rooms: [...rooms].sort(([a], [b]) => a.localeCompare(b))};
}

export function clientLabel(c) {
  return `${c.name || "(no name)"} · ${c.sid}`;
}

const GONE = " (gone)";

// The option for `value` in a picker refilled without it (its client has gone): the label
// it had, marked gone, so that a choice never changes by itself.  Call before refilling.
export function goneOption(select, value) {
  const text = [...select.options].find((o) => o.value === value)?.text || value;
  return new Option(text.endsWith(GONE) ? text : text + GONE, value);
}

export function formatClock(ms) {
  const time = new Date(ms);
  const clock = time.toLocaleTimeString([], {hour12: false});
  return `${clock}.${String(time.getMilliseconds()).padStart(3, "0")}`;
}

const KIND_LABELS = {event_in: "in", event_out: "out"};

// An event the hub refused (unknown, the wrong arguments, or against the hub protocol's
// rules) must not read as traffic that went through: it is labelled so, and entrySummary
// puts why first.
export const refusedEvent = (entry) => entry.kind === "event_in" && Boolean(entry.reason);
export const kindLabel = (entry) =>
  refusedEvent(entry) ? "in, refused" : KIND_LABELS[entry.kind] || entry.kind;

const PREVIEW_CHARACTERS = 120;

export function payloadPreview(entry) {
  if (entry.args === null || entry.args === undefined) return "";
  const text = entry.truncated ? String(entry.args) : JSON.stringify(entry.args);
  const cut = text.length > PREVIEW_CHARACTERS || entry.truncated;
  return cut ? text.slice(0, PREVIEW_CHARACTERS) + "…" : text;
}

function targetText(entry) {
  if (entry.target === "sid") return `to ${entry.sid}`;
  if (entry.target === "room") return `to room ${entry.room}`;
  return entry.skip_sid ? `to everyone but ${entry.skip_sid}` : "to everyone";
}

// One line saying what an entry is about, besides its kind, client and event.
export function entrySummary(entry) {
  switch (entry.kind) {
    case "event_in":
      return [entry.reason && `refused: ${entry.reason} ·`, payloadPreview(entry),
        entry.ack ? "(ack asked)" : ""].filter(Boolean).join(" ");
    case "event_out": {
      const count = entry.recipients === 1 ? "1 recipient" : `${entry.recipients} recipients`;
      return [targetText(entry), `(${count})`, payloadPreview(entry)].join(" ");
    }
    case "connect":
      return [entry.transport, entry.ip && `from ${entry.ip}`].filter(Boolean).join(" ");
    case "join":
    case "leave":
      return `room ${entry.room}`;
    default:
      return [entry.reason, entry.ip && `(${entry.ip})`].filter(Boolean).join(" ");
  }
}

export function entryClient(entry) {
  if (entry.kind === "event_out") return "hub";
  return entry.client || entry.sid || entry.ip || "";
}
