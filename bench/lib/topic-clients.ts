/**
 * One client process of a delivery benchmark: opens its share of WebSocket connections, subscribes each to
 * its topics, and records for every event frame a key (chosen by the benchmark: `keyOf` below) and the time
 * it arrived, on the machine's clock, so that the parent can join arrivals with its send times.
 */
import WebSocket from 'ws';

interface Client { token: string; topics: string[] }
interface Start { url: string; clients: Client[]; concurrency: number }

const now = () => performance.timeOrigin + performance.now();
const arrivals: Array<[string, number]> = [];
const sockets: WebSocket[] = [];
let closedEarly = 0;

/** `reading.created` frames are keyed by patient and measurement time, which the sender knows too. */
const keyOf = (frame: { event: string; data: { patientId?: string; reading?: { measuredAt: string } } }) =>
  frame.event === 'reading.created' && frame.data.reading ? `${frame.data.patientId}|${frame.data.reading.measuredAt}` : undefined;

function open(url: string, client: Client): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/stream`, { headers: { authorization: `Bearer ${client.token}` } });
    let pending = client.topics.length;
    ws.on('message', (raw) => {
      const at = now();
      const frame = JSON.parse(raw.toString());
      if (frame.type === 'subscribed' && --pending === 0) resolve();
      else if (frame.type === 'event') {
        const key = keyOf(frame);
        if (key) arrivals.push([key, at]);
      } else if (frame.type === 'error') reject(new Error(`${frame.code}: ${frame.message}`));
    });
    ws.once('open', () => { for (const topic of client.topics) ws.send(JSON.stringify({ type: 'subscribe', topic })); });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('close', () => { closedEarly++; });
    sockets.push(ws);
  });
}

async function start({ url, clients, concurrency }: Start) {
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < clients.length) await open(url, clients[next++]).catch(() => { failed++; });
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  process.send!({ kind: 'ready', opened: clients.length - failed, failed });
}

process.on('message', (message: { kind: string } & Partial<Start>) => {
  if (message.kind === 'start') void start(message as Start);
  else if (message.kind === 'counts') process.send!({ kind: 'counts', arrivals: arrivals.length });
  else if (message.kind === 'report') {
    process.send!({ kind: 'report', arrivals, closedEarly });
    for (const ws of sockets) ws.terminate();
    setImmediate(() => process.exit(0));
  }
});
