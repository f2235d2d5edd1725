export { createBackup, restoreBackup } from './backup.js';
export { BACKUP_USAGE, backupCommand, restoreCommand } from './cli/backup.js';
