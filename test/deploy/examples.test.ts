/**
 * The deployment examples agree with the CLI: every flag and environment variable they use is
 * one `umagate serve` accepts, ports and probes point at the listeners those settings open, and
 * the mounted files are where --policy and --oxd-config look for them.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { parseOxdConfig } from '../../src/oxd/config.js';
import { DEFAULT_ADMIN_LISTEN } from '../../src/proxy/options.js';
import { callCli } from '../helpers/cli.js';
import { portOf, serveInterface, type ServeInterface } from './serve-help.js';

const example = (file: string): string => fileURLToPath(new URL(`../../examples/${file}`, import.meta.url));

let serve: ServeInterface;
beforeAll(async () => {
  serve = await serveInterface();
});

/** `umagate validate` on a policy given as text: the CLI's own judgement. */
async function validatePolicy(text: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'umagate-example-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'policies.yaml'), text);
  const result = await callCli(['validate', join(dir, 'policies.yaml')]);
  expect(result.code, result.stdout + result.stderr).toBe(0);
}

// ---- docker compose ----

interface ComposeService {
  readonly image?: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly string[];
  readonly ports?: readonly string[];
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
}

describe('examples/docker-compose.yml', () => {
  let services: Readonly<Record<string, ComposeService>> = {};
  let umagate: ComposeService = {};
  let env: Readonly<Record<string, string>> = {};
  beforeAll(async () => {
    services = (parse(await readFile(example('docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> }).services;
    umagate = services.umagate ?? {};
    env = umagate.environment ?? {};
  });

  /** Container-side path of each volume (`source:target[:mode]`). */
  const mountTargets = (service: ComposeService): string[] => (service.volumes ?? []).map((v) => v.split(':')[1] ?? '');

  it('runs `umagate serve` configured only through variables serve accepts', () => {
    expect(umagate.command).toEqual(['serve']);
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env)) expect(serve.envs, name).toContain(name);
  });

  it('mounts the policy where UMAGATE_POLICY points, and a writable state volume holding UMAGATE_OXD_CONFIG', () => {
    const policyMount = (umagate.volumes ?? []).find((v) => v.split(':')[1] === env.UMAGATE_POLICY);
    expect(policyMount).toMatch(/:ro$/);
    const stateDir = dirname(env.UMAGATE_OXD_CONFIG ?? '');
    const stateMount = (umagate.volumes ?? []).find((v) => v.split(':')[1] === stateDir);
    expect(stateMount).toBeDefined();
    expect(stateMount).not.toMatch(/:ro$/);
  });

  it('seeds the ini into that same volume before umagate starts', () => {
    const init = services['umagate-init'] ?? {};
    expect(umagate.depends_on?.['umagate-init']?.condition).toBe('service_completed_successfully');
    const stateDir = dirname(env.UMAGATE_OXD_CONFIG ?? '');
    const stateVolume = (umagate.volumes ?? []).find((v) => v.split(':')[1] === stateDir)?.split(':')[0];
    expect(init.volumes).toContain(`${stateVolume ?? ''}:${stateDir}`);
    expect(init.entrypoint?.join(' ')).toContain(` ${env.UMAGATE_OXD_CONFIG ?? ''}`);
    const seed = mountTargets(init).find((target) => init.entrypoint?.join(' ').includes(target));
    expect(seed).toBeDefined();
  });

  it('publishes the traffic and admin ports it listens on', () => {
    const containerPorts = (umagate.ports ?? []).map((p) => Number(p.split(':').at(-1)));
    expect(containerPorts).toEqual([portOf(env.UMAGATE_LISTEN ?? ''), portOf(env.UMAGATE_ADMIN_LISTEN ?? '')]);
  });

  it('health-checks /healthz on the admin port', () => {
    const test = (umagate.healthcheck?.test ?? []).join(' ');
    expect(test).toContain(`:${portOf(env.UMAGATE_ADMIN_LISTEN ?? '')}/healthz`);
  });

  it('forwards to the app service on the port the app listens on', () => {
    const upstream = new URL(env.UMAGATE_UPSTREAM ?? '');
    const app = services[upstream.hostname];
    expect(app).toBeDefined();
    expect(app?.command?.join(' ')).toContain(`-listen=:${upstream.port}`);
    expect(app?.ports).toBeUndefined();
  });
});

// ---- Kubernetes ----

interface K8sObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
}
interface Probe {
  readonly httpGet: { readonly path: string; readonly port: string | number };
}
interface Container {
  readonly name: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string }[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}
interface Volume {
  readonly name: string;
  readonly configMap?: { readonly name: string };
  readonly secret?: { readonly secretName: string };
  readonly emptyDir?: object;
}
interface Deployment extends K8sObject {
  readonly spec: {
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: {
      readonly metadata: { readonly labels: Readonly<Record<string, string>> };
      readonly spec: {
        readonly securityContext: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number };
        readonly initContainers: readonly Container[];
        readonly containers: readonly Container[];
        readonly volumes: readonly Volume[];
      };
    };
  };
}
interface DataObject extends K8sObject {
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
}
interface Service extends K8sObject {
  readonly spec: { readonly selector: Readonly<Record<string, string>>; readonly ports: readonly { readonly targetPort: string | number }[] };
}

describe('examples/kubernetes', () => {
  let objects: K8sObject[] = [];
  beforeAll(async () => {
    const kustomization = parse(await readFile(example('kubernetes/kustomization.yaml'), 'utf8')) as { resources: string[] };
    for (const file of kustomization.resources) {
      const docs = parseAllDocuments(await readFile(example(`kubernetes/${file}`), 'utf8'));
      objects.push(...docs.map((d) => d.toJSON() as K8sObject));
    }
    objects = objects.filter((o) => typeof o.kind === 'string');
  });
  const find = (kind: string, name?: string): K8sObject => {
    const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    expect(found, `${kind} ${name ?? ''}`).toBeDefined();
    return found!;
  };
  const deployment = (): Deployment => find('Deployment') as Deployment;
  const dataObject = (kind: 'ConfigMap' | 'Secret', name: string | undefined): DataObject => find(kind, name);
  const pod = () => deployment().spec.template.spec;
  const umagate = (): Container => pod().containers.find((c) => c.name === 'umagate')!;
  /** `--flag=value` arguments of the umagate container. */
  const flagValue = (flag: string): string => {
    const arg = (umagate().args ?? []).find((a) => a.startsWith(`${flag}=`));
    expect(arg, flag).toBeDefined();
    return arg!.slice(flag.length + 1);
  };
  const volumeAt = (container: Container, dir: string): Volume => {
    const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
    expect(mount, `a volume mounted at ${dir} in ${container.name}`).toBeDefined();
    return pod().volumes.find((v) => v.name === mount!.name)!;
  };

  it('runs `umagate serve` with flags serve accepts', () => {
    const args = umagate().args ?? [];
    expect(args[0]).toBe('serve');
    for (const arg of args.slice(1)) expect(serve.flags, arg).toContain(arg.split('=')[0]);
    for (const { name } of umagate().env ?? []) expect(serve.envs, name).toContain(name);
  });

  it('names its ports after the listeners and probes them on the admin port', () => {
    const ports = new Map((umagate().ports ?? []).map((p) => [p.name, p.containerPort]));
    expect(ports.get('http')).toBe(portOf(flagValue('--listen')));
    expect(ports.get('admin')).toBe(portOf(flagValue('--admin-listen')));
    expect(ports.get('admin')).toBe(portOf(DEFAULT_ADMIN_LISTEN));
    expect(umagate().readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(umagate().livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'admin' });
  });

  it('reads --policy from the ConfigMap, mounted as a directory so that edits reach the pod', async () => {
    const policy = flagValue('--policy');
    const volume = volumeAt(umagate(), dirname(policy));
    const configMap = dataObject('ConfigMap', volume.configMap?.name);
    const text = configMap.data?.[basename(policy)];
    expect(text).toBeDefined();
    await validatePolicy(text ?? '');
  });

  it('keeps --oxd-config in a writable emptyDir that an initContainer seeds from the Secret', () => {
    const ini = flagValue('--oxd-config');
    const state = volumeAt(umagate(), dirname(ini));
    expect(state.emptyDir).toBeDefined();
    expect(umagate().volumeMounts?.find((m) => m.name === state.name)?.readOnly).toBeUndefined();

    const init = pod().initContainers.find((c) => c.command?.join(' ').includes(ini));
    expect(init, `an initContainer writing ${ini}`).toBeDefined();
    expect(volumeAt(init!, dirname(ini)).name).toBe(state.name);
    const seedMount = init!.volumeMounts?.find((m) => m.name !== state.name);
    const secretVolume = pod().volumes.find((v) => v.name === seedMount?.name);
    const secret = dataObject('Secret', secretVolume?.secret?.secretName);
    const key = Object.keys(secret.stringData ?? {}).find((k) => init!.command?.join(' ').includes(`${seedMount?.mountPath ?? ''}/${k}`));
    expect(key).toBeDefined();
    expect(parseOxdConfig(secret.stringData?.[key!] ?? '', key!).protocol).toBe('rest');
  });

  it('forwards to the app on loopback, where it alone listens', () => {
    const upstream = new URL(flagValue('--upstream'));
    expect(upstream.hostname).toBe('127.0.0.1');
    const app = pod().containers.find((c) => c.name !== 'umagate');
    expect(app?.args).toContain(`-listen=127.0.0.1:${upstream.port}`);
  });

  it('exposes only the umagate port through the Service, and runs as non-root', () => {
    const service = find('Service') as Service;
    const { spec } = deployment();
    expect(spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
    expect(pod().securityContext.runAsNonRoot).toBe(true);
    expect(pod().securityContext.runAsUser).not.toBe(0);
  });
});

describe('examples/umagate.cfg', () => {
  it('is an oxd config file umagate reads, for the oxd 4.x REST API', async () => {
    const file = example('umagate.cfg');
    const config = parseOxdConfig(await readFile(file, 'utf8'), file);
    expect(config.protocol).toBe('rest');
  });

  it('is the file the compose example seeds the state volume from', async () => {
    const compose = await readFile(example('docker-compose.yml'), 'utf8');
    expect(compose).toContain('./umagate.cfg:/seed/umagate.cfg:ro');
  });
});
