/**
 * The HTTP floor the runtime is measured against: a bare Express server that parses the
 * same JSON body and answers it. Prints "listening <url>" once it listens.
 *
 *   node dist/bench/bare-express.js
 */
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.post('/', express.json({ limit: '4mb' }), (req, res) => {
  res.json({ echo: req.body as unknown });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null) console.log(`listening http://127.0.0.1:${address.port}/`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
