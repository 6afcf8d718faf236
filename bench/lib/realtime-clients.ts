/**
 * One client process of `npm run bench -- realtime` (forked by bench/realtime.ts): opens its share of
 * sockets, subscribes each to `jobs` and its own `user:<id>`, and records, for every event frame, the
 * time from publish (`data.sentAt`, same machine clock) to arrival.
 */
import WebSocket from 'ws';

interface Start { url: string; users: Array<{ id: string; token: string }>; concurrency: number }

const now = () => performance.timeOrigin + performance.now();
const latencies = { broadcast: [] as number[], personal: [] as number[] };
const sockets: WebSocket[] = [];
let closedEarly = 0;

function open(url: string, user: { id: string; token: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${user.token}` } });
    let pending = 2;
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString());
      if (frame.type === 'subscribed' && --pending === 0) resolve();
      else if (frame.type === 'event' && !frame.data.warmup) latencies[frame.topic === 'jobs' ? 'broadcast' : 'personal'].push(now() - frame.data.sentAt);
      else if (frame.type === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
    });
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', topic: 'jobs' }));
      ws.send(JSON.stringify({ type: 'subscribe', topic: `user:${user.id}` }));
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('close', () => { closedEarly++; });
    sockets.push(ws);
  });
}

async function start({ url, users, concurrency }: Start) {
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < users.length) {
      const user = users[next++];
      await open(url, user).catch(() => { failed++; });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  process.send!({ kind: 'ready', opened: users.length - failed, failed });
}

process.on('message', (message: { kind: string } & Partial<Start>) => {
  if (message.kind === 'start') void start(message as Start);
  else if (message.kind === 'counts') process.send!({ kind: 'counts', broadcast: latencies.broadcast.length, personal: latencies.personal.length });
  else if (message.kind === 'report') {
    process.send!({ kind: 'report', ...latencies, closedEarly });
    for (const ws of sockets) ws.terminate();
    setImmediate(() => process.exit(0));
  }
});
