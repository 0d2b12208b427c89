export const backend = "web";
export const _probe: (s: string) => string = (s) => s;
