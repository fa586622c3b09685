"""provisioner: tenant lifecycle (create, renew, expire, suspend, resume, delete) and the operator console."""
