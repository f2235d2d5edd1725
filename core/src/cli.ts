// The `prophasis` command (bin/prophasis.mjs). Commands live in ./cli/, where printing is allowed.
import './cli/main.js';
