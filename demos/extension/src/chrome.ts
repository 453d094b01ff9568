/** The few `chrome.*` APIs the demo uses, typed here (the demo does not depend on @types/chrome). */
import type { ExtensionPort } from 'saltline/extension';

interface ChromeEvent<Listener> {
  addListener(listener: Listener): void;
}

export interface Chrome {
  runtime: {
    readonly id: string;
    connect(info: { name: string }): ExtensionPort;
    connect(extensionId: string, info: { name: string }): ExtensionPort;
    onConnect: ChromeEvent<
      (port: ExtensionPort & { sender?: { id?: string; url?: string; origin?: string; tab?: { id?: number; title?: string } } }) => void
    >;
    onConnectExternal: ChromeEvent<(port: ExtensionPort & { sender?: { origin?: string; url?: string } }) => void>;
  };
  storage: { local: { get(key: string): Promise<Record<string, unknown>>; set(items: Record<string, unknown>): Promise<void> } };
}

export const chrome = (globalThis as unknown as { chrome: Chrome }).chrome;

/** The name of the demo's ports. */
export const PORT_NAME = 'saltline-demo';
