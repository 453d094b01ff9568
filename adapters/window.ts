// Placeholder: being built (see the issue tracker).
export {};
