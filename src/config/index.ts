export { ConfigError } from './errors.ts';
export { loadConfig, requireKeys, assertSecureBaseUrl, type Config, type TlsFiles, type LoadConfigOptions } from './load.ts';
export { envSchema, CONFIG_KEYS, LOG_LEVELS, type EnvConfig } from './schema.ts';
