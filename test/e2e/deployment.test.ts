import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildFixture } from '../../fixtures/build.js';
import { parseListen } from '../../src/cli/options.js';
import { SHUTDOWN_GRACE_MS } from '../../src/runtime/shutdown.js';
import { tempDir } from '../support/chain-file.js';
import { startRuntime } from '../support/runtime.js';

const root = new URL('../../../', import.meta.url);
const manifestText = readFileSync(new URL('deploy/kubernetes/actorchain.yaml', root), 'utf8');
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

interface EnvVar {
  name: string;
  value?: string;
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  args: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: EnvVar[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  startupProbe?: Probe;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

const documents = parseAllDocuments(manifestText).map((doc) => {
  assert.deepEqual(doc.errors, [], 'the manifest is valid YAML');
  return doc.toJS() as { kind: string; metadata: { name: string }; spec: any };
});
const statefulSet = documents.find((d) => d.kind === 'StatefulSet')!;
const service = documents.find((d) => d.kind === 'Service')!;
const pod = statefulSet.spec.template.spec as { terminationGracePeriodSeconds: number; containers: Container[] };
const container = pod.containers[0]!;
const env = Object.fromEntries(container.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
const httpPort = container.ports.find((p) => p.name === 'http')!.containerPort;

test('the manifest is a StatefulSet with a volume claim for the data dir, and a Service for it', () => {
  assert.equal(statefulSet.spec.serviceName, service.metadata.name);
  assert.equal(pod.containers.length, 1, 'one actor per pod');
  const claim = statefulSet.spec.volumeClaimTemplates[0].metadata.name;
  assert.equal(container.volumeMounts.find((m) => m.name === claim)?.mountPath, env.ACTORCHAIN_DATA_DIR);
  assert.deepEqual(service.spec.selector, statefulSet.spec.selector.matchLabels);
  assert.ok(service.spec.ports.some((p: { targetPort: string }) => p.targetPort === 'http'));
  const timeoutS = Number(env.ACTORCHAIN_TIMEOUT ?? 5000) / 1000;
  assert.ok(pod.terminationGracePeriodSeconds >= timeoutS + SHUTDOWN_GRACE_MS / 1000 + 1, 'the grace period fits a shutdown');
});

test('the ports of the manifest, the Dockerfile and the listen address agree', () => {
  const listen = parseListen(env.ACTORCHAIN_LISTEN!);
  assert.deepEqual(listen, { host: '0.0.0.0', port: httpPort });
  assert.match(dockerfile, new RegExp(`^EXPOSE ${httpPort}$`, 'm'));
  assert.match(dockerfile, new RegExp(`ACTORCHAIN_LISTEN=0\\.0\\.0\\.0:${httpPort}\\b`));
  assert.match(dockerfile, /^USER node$/m, 'not root');
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe!]) {
    assert.equal(probe.httpGet.port, 'http');
  }
});

test("the runtime, configured by the manifest's environment, answers 200 on the probe paths", async (t) => {
  const probes = [container.livenessProbe, container.readinessProbe, container.startupProbe!].map((p) => p.httpGet.path);
  assert.deepEqual([...new Set(probes)].sort(), ['/healthz', '/readyz']);
  // The manifest's environment as it is, but for the data dir (a temporary one) and the
  // address (port 0 on loopback, given as a flag, which wins over ACTORCHAIN_LISTEN).
  const runtime = await startRuntime(t, await buildFixture('echo'), [], {
    env: { ...env, ACTORCHAIN_DATA_DIR: path.join(tempDir(t), 'data') },
  });
  for (const probe of probes) assert.equal((await fetch(`${runtime.url}${probe}`)).status, 200, probe);
  assert.ok(runtime.logs.some((l) => Array.isArray(l.allowSend) && l.allowSend.length === env.ACTORCHAIN_ALLOW_SEND!.split(',').length));
});

test('the Dockerfile copies what tsc needs and what the package ships beside the compiled code', () => {
  const [, build, final] = dockerfile.split(/^FROM /m);
  // The destination of every COPY line of a stage (relative to WORKDIR /app).
  const copied = (stage: string) =>
    [...stage.matchAll(/^COPY (?:--from=\S+ )?(.+)$/gm)].flatMap((m) => {
      const parts = m[1]!.trim().split(/\s+/);
      const dest = parts
        .at(-1)!
        .replace(/^(\/app\/|\.\/)/, '')
        .replace(/\/$/, '');
      // Into a directory (a trailing slash): each source lands inside it, under its own name.
      return parts.at(-1)!.endsWith('/') ? parts.slice(0, -1).map((src) => path.join(dest, path.basename(src))) : [dest];
    });
  const covers = (paths: string[], wanted: string) => paths.some((p) => wanted === p || wanted.startsWith(`${p}/`));
  // src/sdk is type-checked against types/, so tsc fails in the image without it.
  for (const dir of ['src', 'worker', 'types', 'tsconfig.json']) assert.ok(covers(copied(build!), dir), `the build stage copies ${dir}`);
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { files: string[] };
  for (const file of pkg.files.filter((f) => f !== 'README.md')) {
    assert.ok(covers(copied(final!), file), `the image holds ${file} (package.json "files")`);
  }
});
