export declare function findChrome(): string;
export declare const localChromeFlags: readonly string[];
