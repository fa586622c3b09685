"""provisioner: the tenant lifecycle (create, renew, expire, suspend, resume, delete)
and the operator's console."""
