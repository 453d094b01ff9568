// Dev-server plugins the browser tests rely on (servers they talk to). Add yours to `plugins`.
export const plugins = [];
