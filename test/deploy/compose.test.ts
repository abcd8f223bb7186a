/**
 * The compose stack and the image, checked without Docker (CI has no engine): every command a
 * service runs exists in the CLI with the flags it passes, variables without a safe default stop
 * `docker compose up` with a message naming them, secrets arrive as files, Postgres is never
 * published beyond loopback, and the sandbox gets nothing it does not need.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { parse, type Tags } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMANDS, registerCommands } from '../../src/cli/commands/index.ts';
import { CONFIG_KEYS } from '../../src/config/index.ts';

const read = (f: string) => readFileSync(fileURLToPath(new URL(`../../${f}`, import.meta.url)), 'utf8');
// Compose's `!reset` tag (drop a value inherited from the base file).
const customTags: Tags = [{ tag: '!reset', collection: 'seq', resolve: () => [] }];

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  restart?: string;
  profiles?: string[];
  secrets?: string[];
  network_mode?: string;
  extends?: { file: string; service: string };
  deploy?: { replicas?: number };
}
const base = parse(read('docker-compose.yml'), { customTags, merge: true }) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };
const sandbox = parse(read('docker-compose.sandbox.yml'), { customTags, merge: true }) as { services: Record<string, Service> };
const dockerfile = read('Dockerfile');
const APP_IMAGE = 'citi-sync:local';

async function program(): Promise<Command> {
  const p = new Command('citi-sync');
  await registerCommands(p, () => {
    throw new Error('not run');
  }, COMMANDS.map((c) => c.name));
  return p;
}

/** The CLI arguments a service runs: entrypoint (after `node bin`) + command. */
function cliArgs(s: Service): string[] {
  const entry = s.entrypoint ? s.entrypoint.slice(s.entrypoint.indexOf('/app/bin/citi-sync.js') + 1) : [];
  return [...entry, ...(s.command ?? [])];
}

function appServices(): Array<[string, Service]> {
  const merged: Record<string, Service> = { ...base.services };
  for (const [name, s] of Object.entries(sandbox.services)) merged[name] = { ...(s.extends ? base.services[s.extends.service] : {}), ...merged[name], ...s };
  return Object.entries(merged).filter(([, s]) => s.image === APP_IMAGE);
}

describe('docker-compose.yml', () => {
  it('runs only commands and flags the CLI has', async () => {
    const cli = await program();
    const checked: string[] = [];
    for (const [name, s] of appServices()) {
      const args = cliArgs(s);
      const command = cli.commands.find((c) => c.name() === args[0]);
      expect(command, `${name}: ${args[0]}`).toBeDefined();
      const flags = new Set(command!.options.flatMap((o) => [o.long, o.negate ? o.long : undefined]).filter(Boolean));
      for (const a of args.slice(1).filter((x) => x.startsWith('--'))) expect(flags.has(a), `${name}: ${args[0]} ${a}`).toBe(true);
      checked.push(`${name}: ${args[0]}`);
    }
    expect(checked.sort()).toEqual(['connect: connect', 'migrate: migrate', 'sandbox: sandbox', 'worker-2: worker', 'worker: worker']);
  });

  it('stops `docker compose up` with a message naming each variable that has no safe default', () => {
    const raw = read('docker-compose.yml');
    for (const key of ['CITI_API_BASE_URL', 'CITI_CLIENT_ID']) {
      expect(raw).toMatch(new RegExp(`\\$\\{${key}:\\?set ${key} `));
    }
    // No `${X:-}` fallback for a setting the app cannot run without.
    expect(raw).not.toMatch(/\$\{(CITI_CLIENT_ID|CITI_API_BASE_URL|CITI_SYNC_ENCRYPTION_KEY):-/);
  });

  it('passes every secret as a file, through *_FILE variables the config understands', () => {
    const env = base.services.worker!.environment!;
    const secretish = Object.keys(env).filter((k) => /SECRET|KEY|PASSWORD|DATABASE_URL/.test(k));
    expect(secretish.sort()).toEqual(['CITI_CLIENT_SECRET_FILE', 'CITI_SYNC_ENCRYPTION_KEY_FILE', 'CITI_SYNC_WEBHOOK_SECRET_FILE', 'DATABASE_URL_FILE']);
    for (const k of Object.keys(env)) {
      const key = k.replace(/_FILE$/, '');
      if (k !== 'CITI_SYNC_HEALTH_PORT') expect(CONFIG_KEYS as string[], k).toContain(key);
      if (k.endsWith('_FILE')) expect(env[k]).toMatch(/^\/run\/secrets\/[a-z_]+$/);
    }
    for (const s of Object.values(base.secrets)) expect(s.file).toMatch(/^\.\/secrets\//);
    expect(base.services.postgres!.environment).toMatchObject({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(base.services.postgres!.environment).not.toHaveProperty('POSTGRES_PASSWORD');
  });

  it('never publishes Postgres or Redis beyond loopback', () => {
    for (const file of [base, sandbox]) {
      for (const [name, s] of Object.entries(file.services)) {
        for (const p of s.ports ?? []) expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:/);
      }
    }
    expect(base.services.postgres!.ports ?? []).toEqual([]);
    expect(base.services.redis!.ports ?? []).toEqual([]);
  });

  it('restarts what runs long, and runs migrate once before the workers', () => {
    for (const name of ['postgres', 'redis', 'worker']) expect(base.services[name]!.restart, name).toBe('unless-stopped');
    expect(base.services.migrate!.restart).toBe('on-failure:5');
    expect(base.services.worker!.deploy?.replicas).toBe(2);
    expect(base.services.connect!.profiles).toEqual(['tools']);
  });

  it('gives the sandbox its client credentials and nothing else', () => {
    const s = sandbox.services.sandbox!;
    expect(Object.keys(s.environment ?? {}).sort()).toEqual(['CITI_CLIENT_ID', 'CITI_CLIENT_SECRET_FILE']);
    expect(s.secrets).toEqual(['citi_client_secret']);
    // The consent page and the connect callback, reachable from the host's browser.
    expect(s.ports).toEqual(['127.0.0.1:8080:8080', '127.0.0.1:8765:8765']);
    for (const name of ['migrate', 'worker', 'worker-2', 'connect']) expect(sandbox.services[name]!.network_mode, name).toBe('service:sandbox');
    expect(sandbox.services.connect!.ports).toEqual([]);
  });
});

describe('Dockerfile', () => {
  it('builds on the current Node LTS and runs node as a non-root user behind an init', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^node:24-/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/citi-sync\.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });
});
