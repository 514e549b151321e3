// One official socket.io-client, driven by the Python tests over stdin/stdout.
//
//   node client.mjs URL TRANSPORT [AUTH_JSON]
//
// Prints one JSON object per line: {"type": "connect", "sid"}, {"type": "connect_error",
// "message"}, {"type": "event", "event", "args"}, {"type": "ack", "id", "args"},
// {"type": "disconnect", "reason"}.  Reads one JSON command per line:
// {"op": "emit", "event", "args", "id"?} (with "id", the ack is printed) or {"op": "close"}.
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [url, transport, authJson] = process.argv.slice(2);
const socket = io(url, {
  transports: transport === "upgrade" ? ["polling", "websocket"] : [transport],
  auth: authJson ? JSON.parse(authJson) : undefined,
  reconnection: false,
  timeout: 10000,
});

const say = (message) => process.stdout.write(JSON.stringify(message) + "\n");

socket.on("connect", () => say({ type: "connect", sid: socket.id }));
socket.on("connect_error", (err) => say({ type: "connect_error", message: err.message }));
socket.on("disconnect", (reason) => say({ type: "disconnect", reason }));
socket.onAny((event, ...args) => say({ type: "event", event, args }));

createInterface({ input: process.stdin }).on("line", (line) => {
  const command = JSON.parse(line);
  if (command.op === "emit") {
    if (command.id === undefined) {
      socket.emit(command.event, ...command.args);
    } else {
      socket.emit(command.event, ...command.args, (...args) =>
        say({ type: "ack", id: command.id, args }));
    }
  } else if (command.op === "close") {
    socket.close();
    setTimeout(() => process.exit(0), 50);
  }
}).on("close", () => process.exit(0));

// Bounded: a forgotten client never outlives its test run.
setTimeout(() => process.exit(3), 10 * 60 * 1000).unref();
