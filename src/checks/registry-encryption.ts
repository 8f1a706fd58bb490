/** The in-cluster encryption checks: node-to-node encryption in the CNI. */
import cniEncryptionOff from './cni-encryption-off.js';
import cniUnknown from './cni-unknown.js';

export const encryptionChecks = [cniEncryptionOff, cniUnknown] as const;
