// Brings every platform table type into the Database interface.
import '../auth/tables.js';
import '../audit/tables.js';
import '../http/tables.js';
import '../notify/tables.js';
import '../../modules/operations/notifications/tables.js';
import '../../modules/operations/backups/tables.js';
