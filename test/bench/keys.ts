// The benchmark's API key (every scope) and pseudonym key: fixed, known to every bench process.
export const BENCH_KEY = 'bench-key-all-scopes';
export const BENCH_PSEUDONYM_KEY = 'bench-pseudonym-key-0123456789';
