package coordinator

// Status returns where the transaction is: StatusActive until its
// outcome is decided (committed, aborted or indeterminate). A host that
// lends a transaction resources (the real runtime's sessions) takes them
// back once it is decided: a decided transaction never uses its host
// again.
func (t *Txn) Status() Status { return t.machine.Outcome().Status }
