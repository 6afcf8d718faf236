/**
 * One CGM reading per POST, as a CGM app or a small uploader sends them, at a fixed rate spread over many patients
 * (POST /api/v1/glucose/patients/{id}/readings/bulk with one item: scope check, dedup, trend, latest reading,
 * daily stats, alerts seam, audit, commit, reading.created on the bus). Target (§9): p99 < 20 ms at 500 req/s.
 * `--patients 1000 --rate 500 --duration 30`.
 */
import { singleReadingBench } from './lib/single-reading.js';

await singleReadingBench('POST one CGM reading (bulk endpoint, 1 item)', (i) => 100 + ((i * 7) % 60));
