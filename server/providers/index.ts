/**
 * Picks and builds the model provider a mission runs on: openai, anthropic, or replay (a
 * loopback ReplayServer serving a cassette, talked to through the real SDK of its wire format).
 */
import type { MissionConfig, ProviderName, ReplayWireFormat } from '../../protocol/protocol';
import { loadCassette } from '../replay/cassette';
import { ReplayServer } from '../replay/server';
import { AnthropicProvider } from './anthropic';
import { OpenAIProvider } from './openai';
import type { ModelProvider } from './types';

export { AnthropicProvider } from './anthropic';
export { OpenAIProvider } from './openai';
export { AGENT_HEADER } from './shared';

/** A built provider and what it holds open. */
export interface ProviderHandle {
  provider: ModelProvider;
  /** Releases what the provider holds (stops the replay server). Safe to call twice. */
  close(): Promise<void>;
  /** True for the replay provider. */
  replaying: boolean;
  /** The replay server, for provider `replay` (tests read its request log). */
  replayServer?: ReplayServer;
  /** The wire format spoken to the replay server, for provider `replay`. */
  wireFormat?: ReplayWireFormat;
}

/** Tuning shared by every provider. */
export interface ProviderTuning {
  /** SDK retries of transient failures. Default 2. */
  maxRetries?: number;
  /** Per-attempt timeout (ms). Default: the SDK's. */
  timeoutMs?: number;
}

/** The model a provider uses when neither the role nor the config names one. */
export function defaultModel(provider: ProviderName): string {
  switch (provider) {
    case 'openai':
      return 'gpt-4.1';
    case 'anthropic':
      return 'claude-sonnet-4-5';
    case 'replay':
      return 'replay';
  }
}

function requireKey(env: NodeJS.ProcessEnv, name: 'OPENAI_API_KEY' | 'ANTHROPIC_API_KEY'): string {
  const key = env[name]?.trim();
  if (!key) throw new Error(`${name} is not set: run 'Taskforce: Set API Key' or export it`);
  return key;
}

/**
 * Builds the provider `config.provider` names.
 * - openai: OpenAIProvider with `env.OPENAI_API_KEY` and `config.openaiBaseURL`.
 * - anthropic: AnthropicProvider with `env.ANTHROPIC_API_KEY` and `config.anthropicBaseURL`.
 * - replay: loads `config.cassette`, starts a ReplayServer on 127.0.0.1 (free port), and
 *   returns the provider for `config.replayWireFormat ?? cassette.wireFormat ?? 'openai'`
 *   pointed at it; `close()` stops the server.
 * @throws Error when the key is not set (the message names the variable, never a value),
 *   when replay has no cassette path, or CassetteError when the cassette is invalid.
 */
export async function createProvider(
  config: MissionConfig,
  env: NodeJS.ProcessEnv,
  tuning: ProviderTuning = {},
): Promise<ProviderHandle> {
  const noop = async (): Promise<void> => {};
  switch (config.provider) {
    case 'openai':
      return {
        provider: new OpenAIProvider({ apiKey: requireKey(env, 'OPENAI_API_KEY'), baseURL: config.openaiBaseURL, ...tuning }),
        close: noop,
        replaying: false,
      };
    case 'anthropic':
      return {
        provider: new AnthropicProvider({
          apiKey: requireKey(env, 'ANTHROPIC_API_KEY'),
          baseURL: config.anthropicBaseURL,
          ...tuning,
        }),
        close: noop,
        replaying: false,
      };
    case 'replay': {
      if (!config.cassette) throw new Error("provider 'replay' needs a cassette: set config.cassette to the cassette's path");
      const cassette = await loadCassette(config.cassette);
      const wireFormat = config.replayWireFormat ?? cassette.wireFormat ?? 'openai';
      const server = await ReplayServer.start(cassette);
      const provider =
        wireFormat === 'anthropic'
          ? new AnthropicProvider({ apiKey: 'replay', baseURL: server.url, ...tuning })
          : new OpenAIProvider({ apiKey: 'replay', baseURL: `${server.url}/v1`, ...tuning });
      return { provider, close: () => server.close(), replaying: true, replayServer: server, wireFormat };
    }
    default: {
      const unknown: never = config.provider;
      throw new Error(`unknown provider '${String(unknown)}' (expected openai, anthropic or replay)`);
    }
  }
}
