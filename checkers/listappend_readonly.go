package checkers

// CheckListAppendSnapshots checks a list-append history with read-only
// transactions (FunctionReadOnlyTxn, whose micro-ops are reads) for
// serializability: read-only and read-write transactions together must
// have a serial order, so each snapshot observes a prefix of an order of
// the read-write ones (Fekete's read-only anomaly is a cycle through a
// snapshot). Read-only transactions get no real-time edges (a snapshot
// from a client whose clock lags rightly misses what committed just
// before it), so the check takes CheckListAppend's serializable verdict;
// strict serializability of the read-write transactions is
// CheckListAppend's StrictSerializable over the history without them.
// The result is named "list-append-snapshots".
//
// It is CheckListAppend over the history with each read-only transaction
// taken as a "txn": once CheckListAppend gives real-time edges to
// read-write transactions only, the two calls can become one.
func CheckListAppendSnapshots(history History) (Result, error) {
	view := History{Events: make([]Event, len(history.Events))}
	for i, event := range history.Events {
		if event.Function == FunctionReadOnlyTxn {
			event.Function = FunctionTxn
		}
		view.Events[i] = event
	}
	result, err := CheckListAppend(view, ListAppendConfig{})
	serializable := result.Serializable
	serializable.Checker = "list-append-snapshots"
	return serializable, err
}
