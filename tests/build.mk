# Test suites: unit (host), kernel (in the VM through scripts/vm-run).
