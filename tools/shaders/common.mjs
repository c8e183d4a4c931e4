/** Shared by the shader generators (tools/gen-shaders.mjs). */
export const range = (n) => Array.from({ length: n }, (_, i) => i);
