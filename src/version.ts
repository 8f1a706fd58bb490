/** meshless's version. Generated from package.json by scripts/version.ts (npm run build); do not edit. */
export const VERSION = '0.1.0';
