/**
 * Settings and API keys: which provider new missions use, the MissionConfig sent with
 * mission/start, and the server's environment. Keys live only in SecretStorage and in
 * the server process's environment; they never cross JSON-RPC, so no trace logs them.
 */
import * as vscode from 'vscode';
import type { AgentRole, MissionConfig, PanelState, PolicyName, ProviderName, ServerState } from '../protocol/protocol';

/** SecretStorage keys for the provider API keys. */
export const SECRET_KEYS = { openai: 'taskforce.apiKey.openai', anthropic: 'taskforce.apiKey.anthropic' } as const;
type KeyedProvider = keyof typeof SECRET_KEYS;

/** The provider choice after applying `taskforce.provider: auto`. */
export interface ProviderChoice {
  provider: ProviderName;
  /** Why replay is used, when it is. */
  note?: string;
}

/** Reads settings and secrets for the extension. */
export class TaskforceConfig {
  private keys: Partial<Record<KeyedProvider, string>> = {};
  private readonly listeners = new Set<() => void>();

  constructor(private readonly context: vscode.ExtensionContext) {
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('taskforce')) this.fire();
      }),
      context.secrets.onDidChange(async (e) => {
        if (Object.values(SECRET_KEYS).includes(e.key as (typeof SECRET_KEYS)[KeyedProvider])) {
          await this.loadKeys();
          this.fire();
        }
      }),
    );
  }

  /** Loads the API keys from SecretStorage (call once at activation). */
  async loadKeys(): Promise<void> {
    this.keys = {
      openai: (await this.context.secrets.get(SECRET_KEYS.openai)) || undefined,
      anthropic: (await this.context.secrets.get(SECRET_KEYS.anthropic)) || undefined,
    };
  }

  /** Stores (or, with an empty value, deletes) a provider's API key. */
  async setKey(provider: KeyedProvider, key: string): Promise<void> {
    if (key) await this.context.secrets.store(SECRET_KEYS[provider], key);
    else await this.context.secrets.delete(SECRET_KEYS[provider]);
    await this.loadKeys();
  }

  /** Fires when settings or keys change. */
  onDidChange(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  private fire(): void {
    this.listeners.forEach((l) => l());
  }

  private get settings(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('taskforce');
  }

  /** The provider new missions use. */
  providerChoice(): ProviderChoice {
    const setting = this.settings.get<string>('provider', 'auto');
    const openaiBase = this.settings.get<string>('openai.baseURL', '');
    if (setting === 'openai' || setting === 'anthropic' || setting === 'replay') {
      if (setting === 'replay') return { provider: 'replay', note: 'taskforce.provider is "replay": missions replay a recorded cassette.' };
      return { provider: setting };
    }
    if (this.keys.openai || openaiBase) return { provider: 'openai' };
    if (this.keys.anthropic) return { provider: 'anthropic' };
    return {
      provider: 'replay',
      note: 'No API key set: missions replay the bundled demo cassette. Run "Taskforce: Set API Key" to use a real model.',
    };
  }

  /** The configuration sent with mission/start. */
  missionConfig(): MissionConfig {
    const s = this.settings;
    const { provider } = this.providerChoice();
    const cassette = s.get<string>('replay.cassette', '') || this.context.asAbsolutePath('media/demo/cassette.json');
    return {
      provider,
      models: s.get<Partial<Record<AgentRole, string>>>('models', {}),
      defaultModel: s.get<string>('defaultModel', '') || undefined,
      openaiBaseURL: s.get<string>('openai.baseURL', '') || undefined,
      anthropicBaseURL: s.get<string>('anthropic.baseURL', '') || undefined,
      cassette: provider === 'replay' ? cassette : undefined,
      allowedCommands: s.get<string[]>('allowedCommands', []),
      maxParallelWorkers: s.get<number>('maxParallelWorkers', 3),
      maxTaskAttempts: s.get<number>('maxTaskAttempts', 3),
      policy: s.get<PolicyName>('policy', 'supervised'),
      autoApply: s.get<boolean>('autoApply', false),
    };
  }

  /**
   * The server process's environment: the extension host's, plus the stored keys. An
   * OpenAI-compatible local endpoint (baseURL set, no key) gets a placeholder key, since
   * the SDK requires one and local servers ignore it.
   */
  serverEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.OPENAI_API_KEY;
    delete env.ANTHROPIC_API_KEY;
    if (this.keys.openai) env.OPENAI_API_KEY = this.keys.openai;
    else if (this.settings.get<string>('openai.baseURL', '')) env.OPENAI_API_KEY = 'no-key-needed';
    if (this.keys.anthropic) env.ANTHROPIC_API_KEY = this.keys.anthropic;
    return env;
  }

  /** What the Missions panel shows about the server and provider. */
  panelState(serverState: ServerState): PanelState {
    const choice = this.providerChoice();
    return { serverState, provider: choice.provider, replaying: choice.provider === 'replay', providerNote: choice.note };
  }
}
