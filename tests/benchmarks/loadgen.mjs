// The load generator: official socket.io-client connections in this one Node process,
// driven by run.py over stdin/stdout (one JSON command per line, one JSON reply per line).
//
//   {"op": "ramp", "url", "n"}          connect n more clients (websocket), at most
//                                        RAMP_IN_FLIGHT at once -> {ms, connected, failed}
//   {"op": "echo", "clients", "seconds"} each client alone in its room sends room_message
//                                        and waits for the ack -> {roundtrips, per_s, p50_ms, p99_ms}
//   {"op": "relay", "pairs", "seconds"}   clients i and pairs + i share a room: i sends
//                                        room_message, the other sends it back, i waits
//                                        for it -> {roundtrips, per_s, p50_ms, p99_ms}
//   {"op": "broadcast", "messages", "per_s", "timeout_s"}  the first client sends
//                                        "message", all others receive it (per_s 0: burst)
//                                        -> {expected, delivered, per_s, p50_ms, p99_ms}
//   {"op": "churn", "url", "n", "abrupt_every"}  n clients connect and leave again, at most
//                                        RAMP_IN_FLIGHT at once; every abrupt_every-th drops
//                                        its TCP connection without a close -> {ms, connected,
//                                        failed, abrupt}
//   {"op": "telemetry", "per_s", "seconds"}  each client joins a room of its own, then
//                                        they take turns sending room_message there, per_s
//                                        in all (no one else is in the room: the hub records
//                                        the event in and its emit, and relays nothing)
//                                        -> {sent, per_s}
//   {"op": "close"}                      disconnect every client -> {}
// Bounded: every wait has a timeout and the process ends itself after MAX_LIFETIME_MS.
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import { io } from "socket.io-client";

const RAMP_IN_FLIGHT = 200;
const CONNECT_TIMEOUT_MS = 30000;
const MAX_LIFETIME_MS = 30 * 60 * 1000;
const clients = [];
const now = () => performance.timeOrigin + performance.now(); // ms, comparable across processes

function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function connectOne(url) {
  return new Promise((resolve) => {
    const socket = io(url, {
      transports: ["websocket"], reconnection: false, timeout: CONNECT_TIMEOUT_MS,
      forceNew: true,
    });
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", () => { socket.close(); resolve(null); });
  });
}

async function ramp({ url, n }) {
  const started = now();
  let next = 0, failed = 0;
  async function worker() {
    while (next < n) {
      next += 1;
      const socket = await connectOne(url);
      if (socket) clients.push(socket); else failed += 1;
    }
  }
  await Promise.all(Array.from({ length: Math.min(RAMP_IN_FLIGHT, n) }, worker));
  return { ms: now() - started, connected: clients.length, failed };
}

async function churn({ url, n, abrupt_every }) {
  const started = now();
  let next = 0, connected = 0, failed = 0, abrupt = 0;
  async function worker() {
    while (next < n) {
      next += 1;
      const index = next;
      const socket = await connectOne(url);
      if (!socket) { failed += 1; continue; }
      connected += 1;
      if (abrupt_every && index % abrupt_every === 0) {
        socket.io.engine.transport.ws.terminate(); // the ws package: no close frame
        abrupt += 1;
      } else {
        socket.close();
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(RAMP_IN_FLIGHT, n) }, worker));
  return { ms: now() - started, connected, failed, abrupt };
}

const call = (socket, event, arg) => socket.timeout(10000).emitWithAck(event, arg);

async function echo({ clients: count, seconds }) {
  const users = clients.slice(0, count);
  await Promise.all(users.map((s, i) => call(s, "join", `echo-${i}`)));
  const latencies = [];
  const deadline = now() + seconds * 1000;
  let errors = 0;
  await Promise.all(users.map(async (socket, i) => {
    while (now() < deadline) {
      const sent = now();
      try {
        await call(socket, "room_message", { room: `echo-${i}`, data: "ping" });
        latencies.push(now() - sent);
      } catch { errors += 1; }
    }
  }));
  return { roundtrips: latencies.length, per_s: latencies.length / seconds, errors,
           p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}

function reply(socket, timeoutMs) {
  return new Promise((resolve, reject) => {
    const onMessage = (payload) => { clearTimeout(timer); resolve(payload); };
    const timer = setTimeout(() => {
      socket.off("message", onMessage);
      reject(new Error("no reply"));
    }, timeoutMs);
    socket.once("message", onMessage);
  });
}

async function relay({ pairs, seconds }) {
  const rooms = clients.slice(0, 2 * pairs).map((_, i) => `relay-${i % pairs}`);
  await Promise.all(rooms.map((room, i) => call(clients[i], "join", room)));
  const latencies = [];
  let errors = 0;
  const deadline = now() + seconds * 1000;
  await Promise.all(Array.from({ length: pairs }, async (_, i) => {
    const [first, second, room] = [clients[i], clients[pairs + i], rooms[i]];
    const back = (payload) => second.emit("room_message", { room, data: payload.data });
    second.on("message", back);
    while (now() < deadline) {
      const sent = now();
      const answered = reply(first, 10000);
      first.emit("room_message", { room, data: sent });
      try { await answered; latencies.push(now() - sent); } catch { errors += 1; }
    }
    second.off("message", back);
  }));
  return { roundtrips: latencies.length, per_s: latencies.length / seconds, errors,
           p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) };
}

async function broadcast({ messages, per_s, timeout_s }) {
  const [sender, ...receivers] = clients;
  const expected = messages * receivers.length;
  const latencies = new Float64Array(expected);
  let delivered = 0, last = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const onMessage = (payload) => {
    const t = now();
    if (delivered < expected) latencies[delivered] = t - payload.data.t;
    delivered += 1; last = t;
    if (delivered >= expected) done();
  };
  for (const r of receivers) r.on("message", onMessage);
  const started = now();
  for (let seq = 0; seq < messages; seq += 1) {
    if (per_s > 0) {
      const due = started + (seq * 1000) / per_s;
      if (due > now()) await new Promise((r) => setTimeout(r, due - now()));
    }
    sender.emit("message", { seq, t: now() });
  }
  const timer = setTimeout(done, timeout_s * 1000);
  await finished;
  clearTimeout(timer);
  for (const r of receivers) r.off("message", onMessage);
  const got = latencies.subarray(0, Math.min(delivered, expected));
  return { expected, delivered, percent: (100 * delivered) / expected,
           per_s: delivered / (((last || now()) - started) / 1000),
           p50_ms: percentile(got, 50), p99_ms: percentile(got, 99) };
}

async function telemetry({ per_s, seconds }) {
  for (let i = 0; i < clients.length; i += RAMP_IN_FLIGHT) {
    await Promise.all(clients.slice(i, i + RAMP_IN_FLIGHT)
      .map((s, j) => call(s, "join", `device-${i + j}`)));
  }
  const started = now();
  const total = Math.round(per_s * seconds);
  for (let seq = 0; seq < total; seq += 1) {
    const due = started + (seq * 1000) / per_s;
    if (due > now() + 1) await new Promise((r) => setTimeout(r, due - now()));
    const index = seq % clients.length;
    clients[index].emit("room_message", {
      room: `device-${index}`, data: { temperature: 20 + (seq % 50) / 10, seq } });
  }
  const ms = now() - started;
  return { sent: total, per_s: total / (ms / 1000) };
}

async function close() {
  for (const socket of clients.splice(0)) socket.close();
  return {};
}

const ops = { ramp, echo, relay, broadcast, churn, telemetry, close };
const lines = createInterface({ input: process.stdin });
(async () => {
  for await (const line of lines) {
    const command = JSON.parse(line);
    let reply;
    try {
      reply = await ops[command.op](command);
    } catch (err) {
      reply = { error: String(err) };
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  }
  await close();
  process.exit(0);
})();
setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
