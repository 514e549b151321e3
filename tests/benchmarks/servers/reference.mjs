// The reference: a Node socket.io 4 server with the hub's behaviour (server/events.py):
// join / leave / room_message acknowledged, message relayed to everyone but the sender.
//
//   node reference.mjs PORT TICKS_FILE
//
// Like the Python servers it runs a 16 ms timer and, on SIGTERM, closes every client,
// writes the timer's tick times (ms since the epoch) to TICKS_FILE and exits.
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { Server } from "socket.io";

const [port, ticksFile] = process.argv.slice(2);
const httpServer = createServer();
const ioServer = new Server(httpServer, { cors: { origin: "*" } });
const roomError = (room) => (typeof room !== "string" || room.length < 1 || room.length > 128
  ? "room must be a string of 1 to 128 characters" : null);
const roomsOf = (socket) => [...socket.rooms].filter((r) => r !== socket.id).sort();

ioServer.on("connection", (socket) => {
  socket.on("join", (room, ack) => {
    const error = roomError(room);
    if (error) return ack?.({ ok: false, error });
    socket.join(room);
    ack?.({ ok: true, rooms: roomsOf(socket) });
  });
  socket.on("leave", (room, ack) => {
    const error = roomError(room);
    if (error) return ack?.({ ok: false, error });
    socket.leave(room);
    ack?.({ ok: true, rooms: roomsOf(socket) });
  });
  socket.on("message", (data) => socket.broadcast.emit("message", { from: socket.id, data }));
  socket.on("room_message", (payload, ack) => {
    const room = payload?.room;
    const error = roomError(room) ?? (socket.rooms.has(room) ? null : "not a member");
    if (error) return ack?.({ ok: false, error });
    socket.to(room).emit("message", { from: socket.id, room, data: payload.data });
    ack?.({ ok: true });
  });
});

const ticks = [];
setInterval(() => ticks.push(performance.timeOrigin + performance.now()), 16);
process.on("SIGTERM", () => {
  ioServer.close(() => {
    writeFileSync(ticksFile, JSON.stringify(ticks));
    process.exit(0);
  });
});
httpServer.listen(Number(port), "127.0.0.1", () => process.stdout.write("ready\n"));
