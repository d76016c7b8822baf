// Nest's e2e naming (*.e2e-spec.ts), which vitest does not pick up by default.
export default { test: { include: ['test/**/*.e2e-spec.ts'] } };
