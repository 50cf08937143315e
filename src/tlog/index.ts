/** Transparency-log formats: signed notes, checkpoints, cosignatures and the RFC 6962 tree. */
export * from './keys.js';
export * from './note.js';
export * from './cosignature.js';
export * from './checkpoint.js';
export * from './merkle.js';
