/**
 * Holding a port: the runtime's and the mirror's (and dev's and follow's) HTTP servers listen
 * through here, and name the address they got the same way.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ActorchainError } from '../errors.js';
import type { ListenAddress } from '../cli/options.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';

export function listen(server: Server, { host, port }: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ActorchainError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`)));
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

/** `http://HOST:PORT` (an IPv6 address in brackets), as the "listening" log line gives it. */
export function addressUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped form: reachable from this machine only. */
export function isLoopback(address: string): boolean {
  return /^(127\.|::ffff:127\.)/.test(address) || address === '::1';
}
