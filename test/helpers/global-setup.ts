// Placeholder: replaced by the real service discovery (local services or testcontainers).
export default function setup(): void {}
