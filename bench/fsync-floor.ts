/**
 * The durable HTTP floor (issue 24): a bare Express server that parses the same JSON body,
 * appends it to a file and answers only after the fdatasync that covers it, with group
 * commit (the bodies that arrive while one group is written and synced form the next), on
 * the same disk as the runtime's data dir. Prints "listening <url>" once it listens.
 *
 *   node dist/bench/fsync-floor.js <file>
 */
import { openSync, fdatasync, write } from 'node:fs';
import express from 'express';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: fsync-floor.js <file>');
const fd = openSync(file, 'a');

interface Waiting {
  answer: () => void;
}
let group: { lines: string[]; waiting: Waiting[] } = { lines: [], waiting: [] };
let writing = false;

/** Write and sync the group gathered so far, answer it, then the next if one gathered meanwhile. */
function commit(): void {
  if (writing || group.waiting.length === 0) return;
  writing = true;
  const { lines, waiting } = group;
  group = { lines: [], waiting: [] };
  const bytes = Buffer.from(lines.join(''));
  write(fd, bytes, 0, bytes.length, null, (err) => {
    if (err) throw err;
    fdatasync(fd, (err) => {
      if (err) throw err;
      for (const w of waiting) w.answer();
      writing = false;
      commit();
    });
  });
}

const app = express();
app.disable('x-powered-by');
app.post('/', express.json({ limit: '4mb' }), (req, res) => {
  const body = req.body as unknown;
  group.lines.push(`${JSON.stringify(body)}\n`);
  group.waiting.push({ answer: () => res.json({ echo: body }) });
  commit();
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`listening http://127.0.0.1:${address.port}/`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
