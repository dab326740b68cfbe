// The one file that imports ssh2. ssh2 is CommonJS and Node's ESM named-export detection stops
// partway through its exports, so only the default import is reliable (ts-stack.md §1).
import ssh2 from 'ssh2';

export const { Client, Server, utils } = ssh2;
export type Client = InstanceType<typeof ssh2.Client>;
export type Server = InstanceType<typeof ssh2.Server>;
export type {
  AuthenticationType,
  AuthContext,
  ClientChannel,
  ConnectConfig,
  Connection,
  ParsedKey,
  ServerChannel,
  ServerConfig,
} from 'ssh2';

/** ssh2's default server host key algorithms, in its order (lib/protocol/constants.js). */
export const DEFAULT_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;
