/**
 * The Kubernetes manifests of deploy/kubernetes: every document validates against the Kubernetes
 * API schemas (kubernetes-models), the objects refer to each other correctly, and the capability
 * in the ConfigMap validates and runs with the engine, answering the Deployment's probes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jsYaml from 'js-yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IHTTPGetAction } from 'kubernetes-models/v1/HTTPGetAction';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { startCapability, stopAllCapabilities } from '../helpers/run-capability.js';

const DIR = path.join(REPO_ROOT, 'deploy', 'kubernetes');
const SEED = path.join(REPO_ROOT, 'specs', 'crm-crm-integration.yaml');

interface Manifest {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown };
  readonly [key: string]: unknown;
}

interface Model {
  validate(): void;
}

/** The kubernetes-models class of each apiVersion/kind the manifests use. */
const MODELS: Readonly<Record<string, new (data: never) => Model>> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** Throws when the manifest's kind is unknown here or the manifest breaks its API schema. */
function validateManifest(doc: Manifest): void {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  const Model = MODELS[key];
  if (Model === undefined) throw new Error(`no kubernetes-models class for ${key}`);
  new Model(doc as never).validate();
}

interface Loaded {
  readonly file: string;
  readonly doc: Manifest;
}

function manifestFiles(): string[] {
  return readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
}

function loadAll(): Loaded[] {
  const out: Loaded[] = [];
  for (const file of manifestFiles()) {
    for (const doc of jsYaml.loadAll(readFileSync(path.join(DIR, file), 'utf8'))) {
      if (doc === null || doc === undefined) continue;
      out.push({ file, doc: doc as Manifest });
    }
  }
  return out;
}

const loaded = loadAll();

function only<T>(kind: string): T {
  const found = loaded.filter((l) => l.doc.kind === kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!.doc as T;
}

const deployment = only<IDeployment>('Deployment');
const service = only<IService>('Service');
const hpa = only<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
const configMap = only<IConfigMap>('ConfigMap');
const secret = only<ISecret>('Secret');
const podSpec = deployment.spec!.template.spec!;
const engine: IContainer = podSpec.containers[0]!;

describe('deploy/kubernetes against the Kubernetes API schemas', () => {
  it('holds the five objects, each valid for its apiVersion and kind', () => {
    expect(loaded.map((l) => `${String(l.doc.apiVersion)}/${String(l.doc.kind)}`).sort()).toEqual(
      Object.keys(MODELS).sort(),
    );
    for (const { file, doc } of loaded) {
      expect(() => validateManifest(doc), file).not.toThrow();
    }
  });

  it('refuses an invalid manifest (string replicas, string port, unknown kind)', () => {
    const copy = structuredClone(deployment) as unknown as Manifest & {
      spec: { replicas: unknown };
    };
    copy.spec.replicas = '2';
    expect(() => validateManifest(copy)).toThrow(/replicas/);

    const badService = structuredClone(service) as unknown as {
      spec: { ports: { port: unknown }[] };
    };
    badService.spec.ports[0]!.port = 'http';
    expect(() => validateManifest(badService as unknown as Manifest)).toThrow(/port/);

    const noSelector = structuredClone(deployment) as unknown as Manifest & {
      spec: { selector?: unknown };
    };
    delete noSelector.spec.selector;
    expect(() => validateManifest(noSelector)).toThrow(/selector/);

    expect(() => validateManifest({ apiVersion: 'v1', kind: 'Pond' })).toThrow(
      /no kubernetes-models/,
    );
  });

  it('kustomization.yaml lists exactly the manifest files', () => {
    const kustomization = jsYaml.load(
      readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8'),
    ) as {
      apiVersion: string;
      kind: string;
      resources: string[];
    };
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(manifestFiles());
  });
});

describe('references between the objects', () => {
  const podLabels = deployment.spec!.template.metadata!.labels!;
  const containerPorts = new Map((engine.ports ?? []).map((p) => [p.name, p.containerPort]));

  it("the Deployment's selector and the Service's selector match the pod labels", () => {
    for (const [k, v] of Object.entries(deployment.spec!.selector.matchLabels!)) {
      expect(podLabels[k], k).toBe(v);
    }
    const selector = service.spec!.selector!;
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(selector)) expect(podLabels[k], k).toBe(v);
  });

  it("the Service's target ports name the container's ports (REST 8080, MCP 9090, control)", () => {
    const ports = service.spec!.ports!;
    for (const p of ports) {
      expect(typeof p.targetPort, p.name).toBe('string');
      expect(containerPorts.has(p.targetPort as string), String(p.targetPort)).toBe(true);
    }
    const byName = new Map(ports.map((p) => [p.name, p.port]));
    expect(byName.get('rest')).toBe(8080);
    expect(byName.get('mcp')).toBe(9090);
    expect(byName.has('control')).toBe(true);
  });

  it('the probes ask the control port for /health/ready and /health/live', () => {
    const readiness = engine.readinessProbe?.httpGet as IHTTPGetAction;
    const liveness = engine.livenessProbe?.httpGet as IHTTPGetAction;
    expect(readiness.path).toBe('/health/ready');
    expect(liveness.path).toBe('/health/live');
    for (const probe of [readiness, liveness]) {
      expect(containerPorts.has(probe.port as string), String(probe.port)).toBe(true);
      expect(probe.port).toBe('control');
    }
  });

  it('mounts the ConfigMap at /capability and takes GONG_API_KEY from the Secret', () => {
    const volumes = new Map((podSpec.volumes ?? []).map((v) => [v.name, v]));
    const capabilityMount = engine.volumeMounts!.find((m) => m.mountPath === '/capability')!;
    expect(capabilityMount.readOnly).toBe(true);
    expect(volumes.get(capabilityMount.name)?.configMap?.name).toBe(configMap.metadata!.name);
    for (const mount of engine.volumeMounts!)
      expect(volumes.has(mount.name), mount.name).toBe(true);

    const key = engine.env!.find((e) => e.name === 'GONG_API_KEY')!.valueFrom!.secretKeyRef!;
    expect(key.name).toBe(secret.metadata!.name);
    expect(Object.keys(secret.stringData ?? secret.data ?? {})).toContain(key.key);
    expect(secret.stringData!.GONG_API_KEY).toMatch(/REPLACE-ME/);
  });

  it('runs non-root on a read-only root filesystem, without privileges, with /tmp writable', () => {
    const sc = engine.securityContext!;
    expect(sc.runAsNonRoot).toBe(true);
    expect(sc.runAsUser).toBe(1000);
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    expect(sc.capabilities?.drop).toEqual(['ALL']);
    const tmp = engine.volumeMounts!.find((m) => m.mountPath === '/tmp')!;
    expect(podSpec.volumes!.find((v) => v.name === tmp.name)?.emptyDir).toBeDefined();
    expect(engine.resources).toEqual({
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(engine.args).toContain('--mcp-stateless');
  });

  it('the HorizontalPodAutoscaler scales the Deployment on CPU', () => {
    const ref = hpa.spec!.scaleTargetRef;
    expect([ref.apiVersion, ref.kind, ref.name]).toEqual([
      deployment.apiVersion,
      deployment.kind,
      deployment.metadata!.name,
    ]);
    expect(hpa.spec!.metrics![0]!.resource!.name).toBe('cpu');
    expect(hpa.spec!.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec!.maxReplicas).toBeGreaterThan(hpa.spec!.minReplicas!);
  });
});

describe('the capability in the ConfigMap, with the engine', () => {
  let folder: string;

  beforeAll(() => {
    // The ConfigMap's keys as the kubelet writes them into /capability.
    folder = mkdtempSync(path.join(tmpdir(), 'naftiko-deploy-'));
    for (const [name, text] of Object.entries(configMap.data!)) {
      writeFileSync(path.join(folder, name), text);
    }
  });

  afterAll(async () => {
    await stopAllCapabilities();
    rmSync(folder, { recursive: true, force: true });
  });

  it('holds the seed unchanged beside a control-only capability', () => {
    expect(Object.keys(configMap.data!).sort()).toEqual([
      'control.yaml',
      'crm-crm-integration.yaml',
    ]);
    expect(configMap.data!['crm-crm-integration.yaml']).toBe(readFileSync(SEED, 'utf8'));
  });

  it('validates with `naftiko validate` (0 errors)', async () => {
    const result = await runCli(['validate', folder]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/2 files, 0 errors/);
  });

  it("declares the Deployment's container ports", () => {
    const declared = Object.values(configMap.data!).flatMap((text) => {
      const doc = jsYaml.load(text) as { capability: { exposes: { port: number }[] } };
      return doc.capability.exposes.map((e) => e.port);
    });
    expect([...declared].sort()).toEqual((engine.ports ?? []).map((p) => p.containerPort).sort());
  });

  it("runs with the Deployment's args and the Secret's value, and answers the probes", async () => {
    const running = await startCapability(
      folder,
      [...(engine.args ?? []), '--address', '*=127.0.0.1'],
      { GONG_API_KEY: secret.stringData!.GONG_API_KEY },
    );
    const control = running.urls.get('control');
    expect(control).toBeDefined();
    for (const probe of [engine.readinessProbe!, engine.livenessProbe!]) {
      const response = await fetch(new URL(probe.httpGet!.path!, control));
      expect(response.status, probe.httpGet!.path).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe('UP');
    }
    // Stateless MCP: a 2025-11-25 GET stream is refused rather than tied to one replica.
    const mcp = running.urls.get('crm-crm-integration-mcp')!;
    const get = await fetch(mcp, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(await running.stop()).toBe(0);
  });
});

describe('deploy/vm: the balancer configurations for plain VMs', () => {
  const haproxy = readFileSync(path.join(REPO_ROOT, 'deploy', 'vm', 'haproxy.cfg'), 'utf8');
  const nginx = readFileSync(path.join(REPO_ROOT, 'deploy', 'vm', 'nginx.conf'), 'utf8');
  const port = (name: string) => engine.ports!.find((p) => p.name === name)!.containerPort;

  it('HAProxy checks the control adapter readiness and sticks MCP sessions', () => {
    expect(haproxy).toContain(
      `http-check send meth GET uri ${engine.readinessProbe!.httpGet!.path}`,
    );
    expect(haproxy).toMatch(new RegExp(`default-server check port ${port('control')} `));
    expect(haproxy).toMatch(/^\s+retry-on conn-failure empty-response response-timeout$/m);
    // A sent request is sent again only when safe: GET/HEAD, and 2026-07-28 MCP reads and
    // read-only tool calls (scripts/balancer-test.mjs checks the behaviour with a real HAProxy).
    expect(haproxy).toMatch(/^\s+http-request disable-l7-retry unless METH_GET$/m);
    expect(haproxy).toMatch(
      /^\s+http-request disable-l7-retry unless mcp_modern mcp_reads or mcp_modern mcp_tool_call mcp_read_only_tool$/m,
    );
    expect(haproxy).toMatch(/^\s+option redispatch/m);
    expect(haproxy).toMatch(/^\s+stick store-response res\.hdr\(mcp-session-id\)$/m);
    expect(haproxy).toMatch(/^\s+stick match req\.hdr\(mcp-session-id\)$/m);
    expect(haproxy.match(/balance roundrobin/g)).toHaveLength(2);
    expect(haproxy).toContain(`:${port('rest')}\n`);
    expect(haproxy).toContain(`:${port('mcp')}\n`);
  });

  it('nginx retries connect failures only and does not pass non-idempotent requests on', () => {
    expect(nginx.match(/proxy_next_upstream error timeout;/g)).toHaveLength(2);
    expect(nginx).not.toMatch(/proxy_next_upstream [^;]*non_idempotent/);
    expect(nginx).toContain(`listen ${port('rest')};`);
    expect(nginx).toContain(`listen ${port('mcp')};`);
  });

  const haproxyBin = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((f) => existsSync(f));
  it.skipIf(haproxyBin === undefined)('haproxy -c accepts haproxy.cfg (when installed)', () => {
    const out = execFileSync(
      haproxyBin!,
      ['-c', '-f', path.join(REPO_ROOT, 'deploy/vm/haproxy.cfg')],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/valid/);
  });
});
