/**
 * A local S3-compatible server speaking enough of the S3 REST protocol (path-style) for @aws-sdk/client-s3 and
 * @aws-sdk/lib-storage: PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2, multipart upload
 * (create, upload part, complete, abort, list uploads). Requests must carry a SigV4 Authorization header for the
 * configured access key. Objects live in memory; `objects` and `uploads` are open for tests to inspect or corrupt.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export class FakeS3 {
  readonly objects = new Map<string, Buffer>(); // `${bucket}/${key}`
  readonly uploads = new Map<string, { bucket: string; key: string; parts: Map<number, Buffer> }>();
  readonly buckets = new Set<string>();
  readonly log: string[] = [];
  private server?: http.Server;
  url = '';

  constructor(readonly accessKeyId = 'fake-access-key', buckets: string[] = ['atrium-test']) {
    for (const b of buckets) this.buckets.add(b);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          this.handle(req, Buffer.concat(chunks), res);
        } catch (err) {
          this.error(res, 500, 'InternalError', (err as Error).message);
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private error(res: http.ServerResponse, status: number, code: string, message: string) {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
  }

  private xml(res: http.ServerResponse, body: string, headers: Record<string, string> = {}) {
    res.writeHead(200, { 'content-type': 'application/xml', ...headers });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
  }

  private handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    this.log.push(`${method} ${url.pathname}${url.search}`);
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('AWS4-HMAC-SHA256 ') || !auth.includes(`Credential=${this.accessKeyId}/`)) {
      return this.error(res, 403, 'InvalidAccessKeyId', 'The AWS access key Id you provided does not exist in our records.');
    }
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (!this.buckets.has(bucket)) return this.error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    const id = `${bucket}/${key}`;

    if (!key) {
      if (method === 'GET' && q.has('uploads')) {
        const prefix = q.get('prefix') ?? '';
        const items = [...this.uploads.entries()].filter(([, u]) => u.bucket === bucket && u.key.startsWith(prefix));
        return this.xml(res, `<ListMultipartUploadsResult><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated>${
          items.map(([uid, u]) => `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${uid}</UploadId><Initiated>${new Date().toISOString()}</Initiated></Upload>`).join('')
        }</ListMultipartUploadsResult>`);
      }
      if (method === 'GET') {
        const prefix = q.get('prefix') ?? '';
        const items = [...this.objects.entries()].filter(([k]) => k.startsWith(`${bucket}/${prefix}`)).sort(([a], [b]) => a.localeCompare(b));
        return this.xml(res, `<ListBucketResult><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${items.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${
          items.map(([k, v]) => `<Contents><Key>${xmlEscape(k.slice(bucket.length + 1))}</Key><LastModified>${new Date().toISOString()}</LastModified><ETag>"${createHash('md5').update(v).digest('hex')}"</ETag><Size>${v.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`).join('')
        }</ListBucketResult>`);
      }
      if (method === 'HEAD') return res.writeHead(200).end();
      return this.error(res, 405, 'MethodNotAllowed', method);
    }

    if (method === 'POST' && q.has('uploads')) {
      const uploadId = randomUUID();
      this.uploads.set(uploadId, { bucket, key, parts: new Map() });
      return this.xml(res, `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
    }
    const uploadId = q.get('uploadId');
    if (uploadId) {
      const upload = this.uploads.get(uploadId);
      if (!upload) return this.error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
      if (method === 'PUT') {
        upload.parts.set(Number(q.get('partNumber')), body);
        res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
        return res.end();
      }
      if (method === 'DELETE') {
        this.uploads.delete(uploadId);
        return res.writeHead(204).end();
      }
      if (method === 'POST') {
        const numbers = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
        const missing = numbers.find((n) => !upload.parts.has(n));
        if (missing !== undefined) return this.error(res, 400, 'InvalidPart', `Part ${missing} was not uploaded.`);
        const data = Buffer.concat(numbers.map((n) => upload.parts.get(n)!));
        this.objects.set(id, data);
        this.uploads.delete(uploadId);
        return this.xml(res, `<CompleteMultipartUploadResult><Location>${this.url}/${id}</Location><Bucket>${bucket}</Bucket><Key>${xmlEscape(key)}</Key><ETag>"${createHash('md5').update(data).digest('hex')}-${numbers.length}"</ETag></CompleteMultipartUploadResult>`);
      }
    }
    if (method === 'PUT') {
      this.objects.set(id, body);
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      return res.end();
    }
    const object = this.objects.get(id);
    if (method === 'DELETE') {
      this.objects.delete(id);
      return res.writeHead(204).end();
    }
    if (!object) {
      if (method === 'HEAD') return res.writeHead(404).end();
      return this.error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
    }
    const headers = { 'content-length': String(object.length), etag: `"${createHash('md5').update(object).digest('hex')}"`, 'last-modified': new Date().toUTCString(), 'content-type': 'application/octet-stream' };
    if (method === 'HEAD') return res.writeHead(200, headers).end();
    if (method === 'GET') return res.writeHead(200, headers).end(object);
    return this.error(res, 405, 'MethodNotAllowed', method);
  }
}
