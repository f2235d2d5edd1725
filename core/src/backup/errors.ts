import { defineErrors } from '@prophasis/protocol';

/** Refusals of `prophasis backup` and `prophasis restore` (docs/operations.md, "Backup and restore"). */
export const BackupErrors = defineErrors('CORE_BACKUP', {
  NO_PASSPHRASE: { status: 400, message: 'A passphrase is needed: the backup holds the CA key and the site key' },
  UNREADABLE: { status: 400, message: 'The backup cannot be read' },
  NO_CORE: { status: 404, message: 'There is no core to back up here' },
  NOT_A_BACKUP: { status: 400, message: 'Not a Prophasis backup' },
  DAMAGED: { status: 400, message: 'The backup is damaged or the passphrase is wrong' },
  WRONG_DATABASE: { status: 409, message: 'The backup is of another kind of database than this core uses' },
  NOT_EMPTY: { status: 409, message: 'The target already holds a core' },
  TOOL_FAILED: { status: 500, message: 'A database tool failed' },
});
