/** An error of the backup pipeline with a stable code (becomes operation_run.error.code). */
export class BackupError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'BackupError';
  }
}
