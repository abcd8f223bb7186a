// Preloaded with `node --import` by bench/startup.ts into a citi-sync command (plain JavaScript: the
// command runs without tsx): prints the CPU the process has used when it opens its first TCP
// connection (the end of start-up: what follows is the command's own work) and at exit.
import net from 'node:net';
import process from 'node:process';

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let first;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  if (first === undefined) first = cpuSeconds();
  return connect.apply(this, args);
};
process.on('exit', () => {
  process.stderr.write(`STARTUP_CPU ${JSON.stringify({ firstConnection: first ?? null, total: cpuSeconds() })}\n`);
});
