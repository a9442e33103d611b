// Device types live in domain/ (every layer uses them); this path stays for existing imports.
export * from '../domain/device.js';
