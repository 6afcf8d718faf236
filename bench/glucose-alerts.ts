/**
 * The single-reading POST while alerts are at work: every patient is low, so each first reading raises an alert
 * (outbox rows, escalation and re-notification jobs, announce job) and every later one is evaluated against the open
 * alert (one query for settings and open alerts, one update of the alert's last value). Target (§9): p99 < 20 ms at
 * 500 req/s with alert evaluation included. `--patients 1000 --rate 500 --duration 30`.
 */
import { singleReadingBench } from './lib/single-reading.js';

await singleReadingBench('POST one low CGM reading with alert evaluation (open alert per patient)', (i) => 55 + ((i * 7) % 10));
